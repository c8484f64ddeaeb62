"""Issue 11, holes 5 and 6: password guessing is throttled on both login pages, idle
sessions end, and demo users cannot log in where the settings forbid them."""

import time
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import Group, User
from django.test import Client

from intranet.auth import DEMO_GROUP
from intranet.middleware import LAST_ACTIVE

pytestmark = pytest.mark.django_db

LOGIN_PAGES = ["/login/", "/admin/login/"]


@pytest.fixture
def axes_on(settings: object) -> None:
    settings.AXES_ENABLED = True  # type: ignore[attr-defined]


def _post(client: Client, url: str, username: str, password: str) -> object:
    return client.post(url, {"username": username, "password": password})


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_the_21st_wrong_password_locks_even_the_right_one_until_the_cool_off(
    axes_on: None, url: str
) -> None:
    User.objects.create_user("anna", password="right-password", is_staff=True)
    client = Client()
    for _ in range(19):
        assert _post(client, url, "anna", "wrong").status_code == 200
    # The 20th wrong password is answered with the lock itself.
    assert _post(client, url, "anna", "wrong").status_code == 429
    locked = _post(client, url, "anna", "right-password")
    assert locked.status_code == 429 and not _logged_in(client)
    assert "Too many failed logins" in locked.content.decode()
    assert "15 minutes" in locked.content.decode()
    # Another computer (address) is locked out of this user name too.
    other = Client(REMOTE_ADDR="10.9.9.9")
    assert _post(other, url, "anna", "right-password").status_code == 429
    # The lock expires with the cool-off.
    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.first().attempt_time - timedelta(minutes=16)
    )
    assert _post(client, url, "anna", "right-password").status_code == 302
    assert _logged_in(client)


def test_one_address_guessing_many_user_names_is_locked_out(axes_on: None) -> None:
    User.objects.create_user("bruno", password="right-password")
    client = Client(REMOTE_ADDR="10.1.1.1")
    for i in range(20):
        _post(client, "/login/", f"guess{i}", "wrong")
    assert _post(client, "/login/", "bruno", "right-password").status_code == 429
    assert (
        _post(Client(REMOTE_ADDR="10.1.1.2"), "/login/", "bruno", "right-password").status_code
        == 302
    )


def test_the_lockout_message_is_in_the_users_language(axes_on: None) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="it")
    for _ in range(21):
        response = _post(client, "/login/", "carla", "wrong")
    assert response.status_code == 429
    assert "Troppi accessi non riusciti" in response.content.decode()


def test_a_success_resets_the_count(axes_on: None) -> None:
    User.objects.create_user("dario", password="right-password")
    client = Client()
    for _ in range(19):
        _post(client, "/login/", "dario", "wrong")
    assert _post(client, "/login/", "dario", "right-password").status_code == 302
    client.logout()
    for _ in range(19):
        _post(client, "/login/", "dario", "wrong")
    assert _post(client, "/login/", "dario", "right-password").status_code == 302


def test_an_idle_session_ends_and_background_refreshes_do_not_count(
    make_operator: object, sinistri: object
) -> None:
    user = make_operator("elena", sinistri)  # type: ignore[operator]
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    session = client.session
    session[LAST_ACTIVE] = int(time.time()) - 29 * 60
    session.save()
    # A page's own refresh does not move the clock on...
    client.get("/search/", HTTP_X_CORRISPONDENZA_BACKGROUND="1")
    assert client.session[LAST_ACTIVE] < time.time() - 28 * 60
    session = client.session
    session[LAST_ACTIVE] = int(time.time()) - 31 * 60
    session.save()
    # ...and after 30 idle minutes the next request finds the user logged out.
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert not _logged_in(client)


def test_the_session_cookie_ends_with_the_browser() -> None:
    User.objects.create_user("fabio", password="pw")
    client = Client()
    assert _post(client, "/login/", "fabio", "pw").status_code == 302
    cookie = client.cookies["sessionid"]
    assert cookie["expires"] == "" and cookie["max-age"] == ""


@pytest.mark.parametrize("url", LOGIN_PAGES)
def test_demo_users_are_refused_where_the_settings_forbid_them(settings: object, url: str) -> None:
    demo = User.objects.create_user("op.demo", password="demo", is_staff=True, is_superuser=True)
    demo.groups.add(Group.objects.get_or_create(name=DEMO_GROUP)[0])
    User.objects.create_user("real", password="pw", is_staff=True, is_superuser=True)
    settings.CORRISPONDENZA_ALLOW_DEMO = False  # type: ignore[attr-defined]
    client = Client()
    assert _post(client, url, "op.demo", "demo").status_code == 200
    assert not _logged_in(client)
    assert _post(client, url, "real", "pw").status_code == 302
    settings.CORRISPONDENZA_ALLOW_DEMO = True  # type: ignore[attr-defined]
    assert _post(Client(), url, "op.demo", "demo").status_code == 302


def test_production_settings_forbid_demo_users() -> None:
    import ast
    from pathlib import Path

    import intranet.settings

    source = Path(intranet.settings.__file__).with_name("production.py").read_text()
    assigned = {
        node.targets[0].id: node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert ast.literal_eval(assigned["CORRISPONDENZA_ALLOW_DEMO"]) is False


LOGIN_SCRIPT = """
from django.test import Client
client = Client(HTTP_HOST="corrispondenza.example.it")
for name, password in (("op.demo", "demo"), ("real", "pw")):
    response = client.post("/login/", {"username": name, "password": password}, secure=True)
    print(name, response.status_code)
"""


@pytest.mark.postgresql(
    reason="the production settings run on PostgreSQL: it hands them its test database"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_demo_user_cannot_log_in_under_the_production_settings() -> None:
    """The real production settings module, in its own process, on the test database."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher
    from django.db import connection

    from tests.intranet.test_settings import PRODUCTION_ENV, _manage

    # Hashed as production hashes (the test settings' fast hasher is unknown there).
    def hashed(password: str) -> str:
        return PBKDF2PasswordHasher().encode(password, "saltsaltsalt", iterations=1000)

    demo = User.objects.create(username="op.demo", password=hashed("demo"))
    demo.groups.add(Group.objects.get_or_create(name=DEMO_GROUP)[0])
    User.objects.create(username="real", password=hashed("pw"))
    db = connection.settings_dict
    url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    result = _manage("shell", "-c", LOGIN_SCRIPT, env={**PRODUCTION_ENV, "DATABASE_URL": url})
    assert result.returncode == 0, result.stderr
    assert "op.demo 200" in result.stdout and "real 302" in result.stdout, result.stdout


def test_the_address_counted_is_the_one_the_trusted_proxies_saw(settings: object) -> None:
    from django.test import RequestFactory

    from intranet.auth import client_address

    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    settings.CORRISPONDENZA_PROXY_COUNT = 0  # type: ignore[attr-defined]
    assert client_address(request) == "10.0.0.1"  # no proxy: the header is the client's lie
    settings.CORRISPONDENZA_PROXY_COUNT = 1  # type: ignore[attr-defined]
    assert client_address(request) == "203.0.113.7"  # what our one proxy appended
    settings.CORRISPONDENZA_PROXY_COUNT = 3  # type: ignore[attr-defined]
    assert client_address(request) == "10.0.0.1"  # fewer hops than proxies: not trusted
