"""The one-command demo, started as `bash .ci/demo` starts it, driven in Debian's chromium.

Its settings (intranet.settings.dev, DEBUG off), its SQLite file, its folder broker, a real
Celery worker and beat and the demo mail arriving through them, in a fresh data folder on
a free port. Each demo user then does, in the browser, what the README's row promises.
"""

import email
import email.policy
import os
import signal
import socket
import sqlite3
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.demo]
ROOT = Path(__file__).resolve().parents[2]
DEMO_CASES = 9  # the .eml files under fixtures/demo/mail


@dataclass
class Demo:
    url: str
    data_dir: Path

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        """Reads the demo's own database, as the demo's processes left it."""
        with sqlite3.connect(self.data_dir / "corrispondenza.sqlite3", timeout=30) as db:
            return db.execute(sql, params).fetchall()

    def case(self, number: str) -> dict[str, Any]:
        ((state, assignee),) = self.rows(
            "SELECT c.state, u.username FROM correspondence_casepage c"
            " LEFT JOIN auth_user u ON u.id = c.assignee_id WHERE c.number = ?",
            number,
        )
        return {"state": state, "assignee": assignee}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait(what: str, check: Any, timeout: float, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(1)
    tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
    pytest.fail(f"the demo did not {what} in {timeout:.0f}s; its output ends with:\n{tail}")


def _serves(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/login/", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The running demo (overrides, in this module, tests/e2e's seeded-database ``demo``)."""
    data_dir = tmp_path_factory.mktemp("demo")
    port = _free_port()
    # The demo's own environment: none of the test run's database, broker or settings.
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DATABASE_", "CELERY_", "DJANGO_", "REDIS_", "WAGTAIL"))
    }
    env.update(CORRISPONDENZA_DATA_DIR=str(data_dir), PORT=str(port))
    log = data_dir / "demo.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            ["bash", ".ci/demo", "--no-install"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    demo = Demo(url=f"http://127.0.0.1:{port}", data_dir=data_dir)
    try:
        _wait("serve its login page", lambda: _serves(demo.url), 300, log)
        cases = "SELECT count(*) FROM correspondence_casepage"
        _wait(
            "turn the demo mail into cases", lambda: demo.rows(cases)[0][0] >= DEMO_CASES, 120, log
        )
        yield demo
    finally:
        process.send_signal(signal.SIGTERM)  # .ci/demo's trap stops worker, beat and server
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def _login(page: Any, demo: Demo, username: str) -> None:
    # The demo's one runserver, worker and beat share the CPU with the rest of the suite:
    # allow slow pages rather than fail on a busy machine.
    page.set_default_timeout(90_000)
    page.set_default_navigation_timeout(90_000)
    page.goto(demo.url + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(demo.url + "/")


def _pool_cards(page: Any) -> list[str]:
    return [text.strip() for text in page.locator(".card strong").all_inner_texts()]


def _sent_texts(folder: Path) -> list[str]:
    """The plain texts of the mails the demo's worker sent (Django's file backend: one
    file per connection, messages separated by a line of dashes)."""
    texts = []
    for path in folder.glob("*.log"):
        for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
            mail = email.message_from_string(chunk.strip(), policy=email.policy.default)
            body = mail.get_body(preferencelist=("plain",)) if mail.is_multipart() else mail
            if body is not None:
                texts.append(body.get_content())
    return texts


def _number_on_page(page: Any, demo: Demo, username: str) -> str:
    ((number,),) = demo.rows(
        "SELECT c.number FROM correspondence_casepage c JOIN auth_user u"
        " ON u.id = c.assignee_id WHERE u.username = ? AND c.state = 'taken'"
        " ORDER BY c.taken_at DESC LIMIT 1",
        username,
    )
    assert number in page.content()
    return str(number)


def test_op_sinistri_takes_next_answers_and_closes_in_polish(demo: Demo, browser_page: Any) -> None:
    page = browser_page
    _login(page, demo, "op.sinistri")
    assert page.get_attribute("html", "lang") == "pl"
    assert _pool_cards(page) == ["Sinistri", "Reclami"]  # its priority order
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    number = _number_on_page(page, demo, "op.sinistri")
    # The oldest case of the first pool: take-next on SQLite serves in order too.
    ((oldest,),) = demo.rows(
        "SELECT c.number FROM correspondence_casepage c JOIN correspondence_poolpage p"
        " ON p.page_ptr_id = c.pool_id WHERE p.code = 'SIN'"
        " ORDER BY c.received_at, c.page_ptr_id LIMIT 1"
    )
    assert number == oldest
    answer = "Szanowni Państwo, potwierdzamy otrzymanie zgłoszenia."
    page.fill(".composer textarea[name=text]", answer)
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".message.kind-outbound")
    page.click("details.panel:has(form[action$='/close/']) summary")
    # Resolution types are named in the operator's language (Polish here).
    page.select_option("select[name=resolution_type]", label="Odpowiedź wysłana")
    page.fill("textarea[name=resolution_text]", "Odpowiedziano klientowi.")
    page.click("form[action$='/close/'] button")
    page.wait_for_selector("form[action$='/reopen/']")
    assert demo.case(number)["state"] == "closed"
    # The worker sent the answer through the outbox (the demo writes mail to files).
    sent = demo.data_dir / "sent-mail"
    _wait(
        "send the answer",
        lambda: any(answer in text for text in _sent_texts(sent)),
        60,
        demo.data_dir / "demo.log",
    )


def test_junior_answers_in_romanian_and_the_answer_waits_for_approval(
    demo: Demo, browser_page: Any
) -> None:
    page = browser_page
    _login(page, demo, "junior.sinistri")
    assert page.get_attribute("html", "lang") == "ro"
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    number = _number_on_page(page, demo, "junior.sinistri")
    page.fill(".composer textarea[name=text]", "Bună ziua, am primit cererea.")
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".flash li")
    assert "aprobarea" in page.inner_text(".flash")  # waits for a team leader's approval
    outbound = demo.rows(
        "SELECT count(*) FROM correspondence_message m JOIN correspondence_casepage c"
        " ON c.page_ptr_id = m.case_id WHERE c.number = ? AND m.kind = 'outbound'",
        number,
    )
    assert outbound == [(0,)]  # nothing leaves before the approval
    assert demo.rows("SELECT state FROM correspondence_casepage WHERE number = ?", number) == [
        ("awaiting_approval",)
    ]
    pending = demo.rows(
        "SELECT count(*) FROM workflow_pendingreply p JOIN correspondence_casepage c"
        " ON c.page_ptr_id = p.case_id WHERE c.number = ?",
        number,
    )
    assert pending == [(1,)]


def test_op_pagamenti_answers_gives_back_and_meets_the_products_error_pages(
    demo: Demo, browser_page: Any
) -> None:
    page = browser_page
    _login(page, demo, "op.pagamenti")
    assert _pool_cards(page) == ["Pagamenti"]
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    number = _number_on_page(page, demo, "op.pagamenti")
    assert number.startswith("PAG-")
    page.fill(".composer textarea[name=text]", "Gentile cliente, verifichiamo il pagamento.")
    page.click(".composer button[type=submit]")
    page.wait_for_selector(".message.kind-outbound")
    page.click("form[action$='/release/'] button")  # gives it back to the pool
    page.wait_for_load_state()
    assert demo.case(number) == {"state": "new", "assignee": None}
    response = page.goto(demo.url + "/sinistri/")  # not their pool
    assert response.status == 403
    assert "Non puoi aprire questa pagina" in page.content()
    assert page.locator(".topnav").is_visible()
    response = page.goto(demo.url + "/no-such-page/")
    assert response.status == 404
    assert "Questa pagina non esiste" in page.content()
    assert "Traceback" not in page.content() and "settings" not in page.content()


def test_leader_sees_the_whole_pool_assigns_moves_registers_and_edits_rules(
    demo: Demo, browser_page: Any
) -> None:
    page = browser_page
    _login(page, demo, "leader.sinistri")
    assert _pool_cards(page) == ["Sinistri", "Reclami"]
    page.click(".card a >> text=Sinistri")
    ((number,),) = demo.rows(
        "SELECT c.number FROM correspondence_casepage c JOIN correspondence_poolpage p"
        " ON p.page_ptr_id = c.pool_id WHERE p.code = 'SIN' AND c.state = 'new'"
        " ORDER BY c.received_at LIMIT 1"
    )
    page.click(f"text={number}")
    page.click("details.panel:has(form[action$='/assign/']) summary")
    page.select_option("form[action$='/assign/'] select[name=user]", label="Ola Nowak")
    page.fill("form[action$='/assign/'] input[name=reason]", "Conosce il cliente")
    page.click("form[action$='/assign/'] button")
    page.wait_for_load_state()
    assert demo.case(number) == {"state": "taken", "assignee": "op.sinistri"}
    # The whole pool: a case someone else holds is in the leader's list.
    page.goto(demo.url + "/sinistri/")
    assert number in page.content()
    page.click("a[href='/work/rules/SIN/']")  # "Regole di smistamento"
    page.wait_for_selector("a[href$='/new/']")
    assert "SIN" in page.content()
    # Registers a request that came by phone (the front desk's path).
    page.goto(demo.url + "/register/")
    page.select_option("select[name=pool]", label="Reclami")
    page.select_option("select[name=channel]", index=0)
    page.fill("input[name=customer_name]", "Carla Neri")
    page.fill("input[name=subject]", "Telefonata: sollecito rimborso")
    page.fill("textarea[name=text]", "La cliente chiede a che punto è il rimborso.")
    page.click("form.form-card button[type=submit]")
    page.wait_for_selector("ol.timeline")
    ((registered, channel),) = demo.rows(
        "SELECT number, channel FROM correspondence_casepage WHERE customer_name = 'Carla Neri'"
    )
    assert registered.startswith("REC-") and channel != "email" and registered in page.content()
    # Moves the registered case to another pool.
    page.click("details.panel:has(form[action$='/transfer/']) summary")
    page.select_option("form[action$='/transfer/'] select[name=pool]", label="Sinistri")
    page.fill("form[action$='/transfer/'] input[name=reason]", "Riguarda un sinistro")
    page.click("form[action$='/transfer/'] button")
    page.wait_for_load_state()
    assert demo.rows(
        "SELECT p.code FROM correspondence_casepage c JOIN correspondence_poolpage p"
        " ON p.page_ptr_id = c.pool_id WHERE c.customer_name = 'Carla Neri'"
    ) == [("SIN",)]
    # Search by a word of a demo message's body, on the demo's SQLite.
    page.goto(demo.url + "/search/?q=incrocio")
    ((found,),) = demo.rows(
        "SELECT number FROM correspondence_casepage WHERE subject LIKE 'Denuncia sinistro%'"
    )
    assert found in page.content()


def test_manager_sees_every_pool_and_searches_the_words_of_a_message(
    demo: Demo, browser_page: Any
) -> None:
    page = browser_page
    _login(page, demo, "manager")
    assert sorted(_pool_cards(page)) == ["Pagamenti", "Reclami", "Sinistri"]
    for slug in ("sinistri", "pagamenti", "reclami"):
        assert page.goto(f"{demo.url}/{slug}/").status == 200
    page.goto(demo.url + "/search/?q=perizia")  # a word of a waiting complaint's body
    ((number,),) = demo.rows(
        "SELECT number FROM correspondence_casepage WHERE subject LIKE 'Reclamo: risarcimento%'"
    )
    assert number in page.content()


def test_editor_reaches_the_admin_and_its_reference_data(demo: Demo, browser_page: Any) -> None:
    page = browser_page
    _login(page, demo, "editor")
    assert _pool_cards(page) == []
    page.click(".topnav a[href='/admin/']")
    page.wait_for_url(demo.url + "/admin/")
    for model, shown in (
        ("mailbox", "Sinistri (demo)"),
        ("department", "Ufficio legale"),
        ("category", "RC Auto"),
        ("resolutiontype", "Respinta"),
        ("quickreply", "Documenti mancanti"),
    ):
        response = page.goto(f"{demo.url}/admin/snippets/correspondence/{model}/")
        assert response.status == 200 and shown in page.content(), model


def test_admin_sees_every_pool_and_the_whole_admin(demo: Demo, browser_page: Any) -> None:
    page = browser_page
    _login(page, demo, "admin")
    assert sorted(_pool_cards(page)) == ["Pagamenti", "Reclami", "Sinistri"]
    assert page.goto(demo.url + "/admin/pages/").status == 200
    assert page.goto(demo.url + "/admin/users/").status == 200
    assert page.goto(demo.url + "/admin/snippets/correspondence/quarantinedmessage/").status == 200


def test_the_demo_worker_sends_the_acknowledgements_of_the_demo_mail_together(demo: Demo) -> None:
    """On the demo's SQLite and folder broker, the acknowledgements of a batch of mail
    leave through one outbox_send_many_task, run by the demo's real worker."""
    automatic = (
        "SELECT count(*), sum(state = 'sent') FROM correspondence_outgoingmail WHERE automatic"
    )
    log = demo.data_dir / "demo.log"

    def all_sent() -> bool:
        total, sent = demo.rows(automatic)[0]
        return total > 1 and total == sent

    _wait("send the acknowledgements of its mail", all_sent, 120, log)
    assert "Task correspondence.tasks.outbox_send_many_task[" in log.read_text(errors="replace")
