"""Administrators set staff's language, approval and priority; operators their signature."""

import email
import email.policy
import io
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from PIL import Image

from correspondence.models import CasePage, Mailbox, PoolMembership, PoolPage, ResolutionType
from intranet.models import UserProfile
from tests.support.smtp import SmtpServer
from workflow.replies import Reply, reply_needs_approval, reply_submit
from workflow.taking import case_take_next

pytestmark = pytest.mark.django_db


def _image(kind: str = "JPEG") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (200, 30, 30)).save(out, format=kind)
    return out.getvalue()


def _draftail(text: str) -> str:
    """What the admin's rich text editor posts for one bold line."""
    block = {"key": "a", "text": text, "type": "unstyled", "depth": 0, "entityRanges": []}
    style = [{"offset": 0, "length": len(text), "style": "BOLD"}]
    return json.dumps({"blocks": [{**block, "inlineStyleRanges": style}], "entityMap": {}})


@pytest.fixture
def admin_client(db: None) -> Client:
    user = User.objects.create_superuser("boss", password="pw")
    UserProfile.objects.create(user=user, language="en")
    client = Client()
    client.force_login(user)
    return client


def test_an_administrator_sets_language_approval_and_priority_and_take_next_follows(
    admin_client: Client,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    sinistri: PoolPage,
    pagamenti: PoolPage,
) -> None:
    op = make_operator("op", sinistri, pagamenti)  # Sinistri priority 1, Pagamenti 2
    older = make_case(sinistri, "older, in Sinistri")
    make_case(pagamenti, "newer, in Pagamenti")
    profile = op.profile
    url = reverse("wagtailsnippets_intranet_userprofile:edit", args=[profile.pk])
    response = admin_client.post(
        url,
        {
            "language": "pl",
            "needs_approval": "on",
            "signature": _draftail("Ola"),
            "action-publish": "1",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    profile.refresh_from_db()
    assert profile.language == "pl" and profile.needs_approval
    assert "<b>Ola</b>" in profile.signature
    assert op.wagtail_userprofile.preferred_language == "pl"  # the admin speaks it too
    membership = PoolMembership.objects.get(user=op, pool=pagamenti)
    url = reverse("wagtailsnippets_correspondence_poolmembership:edit", args=[membership.pk])
    data = {"user": str(op.pk), "pool": str(pagamenti.pk), "priority": "0"}
    assert admin_client.post(url, data).status_code == 302
    taken = case_take_next(user=op)
    assert taken is not None and taken.pool_id == pagamenti.pk and taken.pk != older.pk
    client = Client()
    client.force_login(op)
    assert client.get("/profile/").content.decode().count('lang="pl"') == 1


def test_an_operator_uploads_a_jpg_signature_and_the_sent_answer_carries_it_inline(
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    folder_mailbox: Mailbox,
    sinistri: PoolPage,
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    smtp.start()
    op = make_operator("op", sinistri)
    client = Client()
    client.force_login(op)
    png = SimpleUploadedFile("s.jpg", _image("PNG"))
    refused = client.post("/profile/", {"language": "", "signature": "x", "signature_image": png})
    assert "The signature image must be a JPG file." in refused.content.decode()
    jpeg = _image()
    upload = SimpleUploadedFile("firma.jpg", jpeg, content_type="image/jpeg")
    data = {"language": "it", "signature": "Ola Nowak\nAssicura", "signature_image": upload}
    assert client.post("/profile/", data).status_code == 302
    case = make_case(sinistri, customer_email="c@example.it", mailbox_id=folder_mailbox.pk)
    op = User.objects.get(pk=op.pk)  # as the next request loads it, profile and all
    case_take_next(user=op)
    with django_capture_on_commit_callbacks(execute=True):
        reply_submit(case_id=case.pk, user=op, reply=Reply(to=["c@example.it"], cc=[], text="Hi"))
    sent = email.message_from_bytes(smtp.envelopes[-1].content, policy=email.policy.default)
    images = [p for p in sent.walk() if p.get_content_type() == "image/jpeg"]
    assert len(images) == 1
    assert images[0]["Content-ID"] == "<signature>"
    assert images[0].get_content() == jpeg
    assert 'src="cid:signature"' in sent.get_body(("html",)).get_content()
    plain = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert plain.rstrip().endswith("-- \nOla Nowak\nAssicura")
    assert "<p>Ola Nowak<br>Assicura</p>" in sent.get_body(("html",)).get_content()


def test_a_rich_text_signature_set_by_an_administrator_keeps_its_bold_and_its_lines(
    admin_client: Client, make_operator: Callable[..., User], sinistri: PoolPage
) -> None:
    op = make_operator("op", sinistri)
    op.profile.signature = (
        '<p><b>Ola Nowak</b><br/>Ufficio <a href="https://x.example">Sinistri</a></p>'
    )
    op.profile.save()
    plain, rich = UserProfile.objects.get(user=op).signature_parts()
    assert plain == "Ola Nowak\nUfficio Sinistri"
    assert "<b>Ola Nowak</b>" in rich and 'href="https://x.example"' in rich
    client = Client()
    client.force_login(op)
    page = client.get("/profile/").content.decode()
    assert "Ola Nowak\nUfficio Sinistri</textarea>" in page
    # Saving the profile without touching the lines keeps the administrator's formatting.
    client.post("/profile/", {"language": "it", "signature": "Ola Nowak\nUfficio Sinistri"})
    assert "<b>Ola Nowak</b>" in UserProfile.objects.get(user=op).signature


def test_mailbox_test_connection_reports_the_imap_and_smtp_servers_answers(
    admin_client: Client, sinistri: PoolPage, smtp: SmtpServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    smtp.start()
    user = os.environ.get("TEST_IMAP_USERS", "test2").split()[0]
    monkeypatch.setenv(
        "CORRISPONDENZA_MAILBOX_PROBE_IMAP", os.environ.get("TEST_IMAP_PASSWORD", "secret")
    )
    mailbox = Mailbox.objects.create(
        name="Probe",
        slug="probe",
        pool=sinistri,
        address="probe@example.it",
        imap_host=os.environ.get("TEST_IMAP_HOST", "127.0.0.1"),
        imap_port=int(os.environ.get("TEST_IMAP_PORT", "10143")),
        imap_security=Mailbox.Security.NONE,
        imap_user=user,
        imap_secret_env="CORRISPONDENZA_MAILBOX_PROBE_IMAP",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_security=Mailbox.Security.NONE,
    )
    url = reverse("correspondence_mailbox_test", args=[mailbox.pk])
    listing = admin_client.get(reverse("wagtailsnippets_correspondence_mailbox:list"))
    assert f'href="{url}"' in listing.content.decode()
    page = admin_client.post(url).content.decode()
    assert "IMAP: works" in page and f"logged in as {user}" in page
    assert "SMTP: works" in page and "NOOP 250" in page
    monkeypatch.setenv("CORRISPONDENZA_MAILBOX_PROBE_IMAP", "wrong")
    page = admin_client.post(url).content.decode()
    assert "IMAP: failed" in page and f"login as {user} failed" in page


def test_names_of_data_follow_the_interface_language(db: None) -> None:
    kind = ResolutionType.objects.create(name="Respinta", name_pl="Odrzucona", name_en="")
    with translation.override("pl"):
        assert str(kind) == "Odrzucona"
    with translation.override("en"):
        assert str(kind) == "Respinta"


@pytest.mark.parametrize(
    "model", ["mailbox", "category", "quickreply", "mailtext", "poolmembership", "resolutiontype"]
)
def test_an_english_admin_after_an_italian_one_shows_no_italian_labels(
    model: str, admin_client: Client, sinistri: PoolPage
) -> None:
    italian = User.objects.create_superuser("capo", password="pw")
    UserProfile.objects.create(user=italian, language="it")
    first = Client()
    first.force_login(italian)
    url = reverse(f"wagtailsnippets_correspondence_{model}:add")
    assert "Salva" in first.get(url).content.decode()
    html = admin_client.get(url).content.decode()
    assert "Scegli" not in html and "Coda" not in html and "Salva" not in html
    listing = admin_client.get(reverse(f"wagtailsnippets_correspondence_{model}:list"))
    assert "Stato" not in listing.content.decode() and "Attivo" not in listing.content.decode()


def test_an_administrator_sets_approval_for_one_pool_on_the_membership_form(
    admin_client: Client,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    sinistri: PoolPage,
    pagamenti: PoolPage,
) -> None:
    op = make_operator("op", sinistri, pagamenti)
    membership = PoolMembership.objects.get(user=op, pool=pagamenti)
    url = reverse("wagtailsnippets_correspondence_poolmembership:edit", args=[membership.pk])
    form = admin_client.get(url).content.decode()
    assert 'name="needs_approval"' in form and "Replies need approval in this pool" in form
    data = {"user": str(op.pk), "pool": str(pagamenti.pk), "priority": "2"}
    assert admin_client.post(url, {**data, "needs_approval": "on"}).status_code == 302
    membership.refresh_from_db()
    assert membership.needs_approval and membership.priority == 2
    assert reply_needs_approval(user=op, case=make_case(pagamenti))
    assert not reply_needs_approval(user=op, case=make_case(sinistri))
    listing = admin_client.get(reverse("wagtailsnippets_correspondence_poolmembership:list"))
    assert "Replies need approval in this pool" in listing.content.decode()
    assert admin_client.post(url, data).status_code == 302  # unticked: no longer
    assert not reply_needs_approval(user=op, case=make_case(pagamenti))
