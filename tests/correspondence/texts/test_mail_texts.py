"""Editable texts: editors publish them alone, the customer is answered in their language."""

import email
import email.policy
import re
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.test import Client
from django.urls import reverse

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, MailText, PoolPage, QuickReply
from intranet.management.commands.seed_demo import EDITOR_PERMISSIONS
from intranet.models import UserProfile
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.django_db

POLISH = (
    "From: Ola Kowalska <ola.kowalska@example.pl>\r\n"
    "To: sinistri@assicura.example.it\r\n"
    "Subject: Szkoda samochodu\r\n"
    "Message-ID: <pl-1@example.pl>\r\n"
    "Date: Mon, 02 Mar 2026 09:14:07 +0100\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "Content-Transfer-Encoding: 8bit\r\n\r\n"
    "Dzień dobry,\r\n\r\npiszę w sprawie szkody z 3 marca. Samochód jest uszkodzony i "
    "proszę o informację, jakie dokumenty są potrzebne. Załączam zdjęcia.\r\n\r\n"
    "Pozdrawiam\r\nOla Kowalska\r\n"
).encode()


@pytest.fixture
def mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    folder_mailbox.smtp_host = "127.0.0.1"
    folder_mailbox.smtp_port = smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    smtp.start()
    return folder_mailbox


@pytest.fixture
def ingest(
    mailbox: Mailbox, eager: None, django_capture_on_commit_callbacks: Callable[..., Any]
) -> Callable[[bytes], Any]:
    def run(raw: bytes) -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return message_ingest(mailbox=mailbox, raw=raw)

    return run


@pytest.fixture
def editor(db: None) -> Client:
    """A member of the Editors group with exactly the demo's permissions; not a superuser."""
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.add(*Permission.objects.filter(codename__regex=EDITOR_PERMISSIONS))
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    UserProfile.objects.create(user=user, language="en")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


def _received(smtp: SmtpServer) -> email.message.EmailMessage:
    msg = email.message_from_bytes(smtp.envelopes[-1].content, policy=email.policy.default)
    assert isinstance(msg, email.message.EmailMessage)
    return msg


def _text(pool: PoolPage, language: str, subject: str, body: str) -> MailText:
    return MailText.objects.create(
        kind=MailText.Kind.AUTO_REPLY, pool=pool, language=language, subject=subject, body=body
    )


def test_an_auto_reply_to_a_polish_message_comes_out_in_polish(
    ingest: Callable[[bytes], Any], smtp: SmtpServer, sinistri: PoolPage
) -> None:
    _text(sinistri, "it", "Ricevuto [{case_number}]", "Gentile {customer_name}, pratica {number}.")
    _text(sinistri, "pl", "Otrzymaliśmy [{case_number}]", "Droga {customer_name}, sprawa {number}.")
    case = ingest(POLISH).case
    assert case.language == "pl"
    sent = _received(smtp)
    assert sent["Subject"] == f"Otrzymaliśmy [{case.number}]"
    assert sent.get_content().strip() == f"Droga Ola Kowalska, sprawa {case.number}."


def test_without_a_text_in_the_customers_language_the_pools_language_answers(
    ingest: Callable[[bytes], Any], smtp: SmtpServer, sinistri: PoolPage
) -> None:
    _text(sinistri, "it", "Ricevuto [{case_number}]", "Pratica {case_number}.")
    case = ingest(POLISH).case
    assert _received(smtp)["Subject"] == f"Ricevuto [{case.number}]"


def _form(text: MailText, **changes: str) -> dict[str, str]:
    data = {
        "kind": text.kind,
        "language": text.language,
        "pool": str(text.pool_id or ""),
        "mailbox": str(text.mailbox_id or ""),
        "subject": text.subject,
        "body": text.body,
    }
    return {**data, **changes}


def test_an_editor_alone_publishes_an_auto_reply_and_the_next_one_uses_it(
    editor: Client, ingest: Callable[[bytes], Any], smtp: SmtpServer, sinistri: PoolPage
) -> None:
    text = _text(sinistri, "pl", "Stary tekst [{case_number}]", "Stary tekst.")
    url = reverse("wagtailsnippets_correspondence_mailtext:edit", args=[text.pk])
    assert editor.get(url).status_code == 200
    draft = _form(text, subject="Nowy tekst [{case_number}]", body="Dziękujemy, {customer_name}.")
    response = editor.post(url, {**draft, "action-publish": "action-publish"})
    assert response.status_code == 302, response.content.decode()[:2000]
    text.refresh_from_db()
    assert text.live and text.subject == "Nowy tekst [{case_number}]"
    assert text.revisions.count() == 1
    case = ingest(POLISH).case
    sent = _received(smtp)
    assert sent["Subject"] == f"Nowy tekst [{case.number}]"
    assert sent.get_content().strip() == "Dziękujemy, Ola Kowalska."


def test_a_saved_draft_is_not_sent_until_published(
    editor: Client, ingest: Callable[[bytes], Any], smtp: SmtpServer, sinistri: PoolPage
) -> None:
    text = _text(sinistri, "pl", "Opublikowany [{case_number}]", "Opublikowany.")
    url = reverse("wagtailsnippets_correspondence_mailtext:edit", args=[text.pk])
    editor.post(url, _form(text, subject="Szkic [{case_number}]"))
    text.refresh_from_db()
    assert text.has_unpublished_changes and text.subject == "Opublikowany [{case_number}]"
    case = ingest(POLISH).case
    assert _received(smtp)["Subject"] == f"Opublikowany [{case.number}]"


def test_a_text_with_an_unknown_placeholder_is_refused_on_save_with_a_clear_message(
    editor: Client, sinistri: PoolPage
) -> None:
    url = reverse("wagtailsnippets_correspondence_mailtext:add")
    data = {
        "kind": "auto_reply",
        "language": "en",
        "pool": str(sinistri.pk),
        "mailbox": "",
        "subject": "Case {case_number}",
        "body": "Dear {client_name}, your case {case_number",
        "action-publish": "action-publish",
    }
    response = editor.post(url, data)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Unknown placeholder {client_name} (character 6)" in page
    assert "A lone brace" in page
    assert not MailText.objects.exists()


def test_an_editor_opens_edits_and_publishes_quick_replies(
    editor: Client, sinistri: PoolPage
) -> None:
    assert editor.get(reverse("wagtailsnippets_correspondence_quickreply:list")).status_code == 200
    url = reverse("wagtailsnippets_correspondence_quickreply:add")
    data = {
        "title": "Documents",
        "text": "For case {case_number} we still need: ",
        "pool": str(sinistri.pk),
        "language": "en",
        "active": "on",
        "action-publish": "action-publish",
    }
    assert editor.post(url, data).status_code == 302
    assert QuickReply.objects.get(title="Documents").live


def test_the_preview_shows_subject_html_and_text_parts_with_a_sample_case(
    editor: Client, sinistri: PoolPage
) -> None:
    text = _text(sinistri, "en", "Received [{case_number}]", "Dear {customer_name},\n\nthanks.")
    url = reverse("wagtailsnippets_correspondence_mailtext:preview_on_edit", args=[text.pk])
    assert editor.post(url, _form(text)).json()["is_valid"]
    page = editor.get(url).content.decode()
    assert "Received [SIN-2026-000123]" in page
    assert "<p>Dear Maria Rossi,</p><p>thanks.</p>" in page
    assert re.search(r'<pre class="preview-text">Dear Maria Rossi,\s+thanks.</pre>', page)


def test_the_composer_offers_quick_replies_in_the_customers_language_first_and_filled(
    make_case: Callable[..., CasePage], sinistri: PoolPage
) -> None:
    from correspondence.outbox.texts import quick_replies_for

    case = make_case(sinistri, customer_name="Ola", language="pl")
    user = User.objects.create_user("op", first_name="Anna", last_name="Rossi")
    QuickReply.objects.create(title="A", text="Pratica {case_number}", language="it")
    QuickReply.objects.create(
        title="B", text="Sprawa {case_number}, {operator_name}", language="pl"
    )
    QuickReply.objects.create(title="C", text="draft", language="pl", live=False)
    offered = quick_replies_for(case=case, operator=user)
    assert [q["title"] for q in offered] == ["B", "A"]
    assert offered[0]["text"] == f"Sprawa {case.number}, Anna Rossi"


def test_a_mailbox_text_overrides_its_pools_and_an_earlier_case_tells_the_language(
    folder_mailbox: Mailbox, make_case: Callable[..., CasePage], sinistri: PoolPage
) -> None:
    from correspondence.outbox.texts import auto_reply_text

    _text(sinistri, "ro", "Pool RO {case_number}", "pool")
    MailText.objects.create(
        kind=MailText.Kind.AUTO_REPLY,
        pool=sinistri,
        mailbox=folder_mailbox,
        language="ro",
        subject="Mailbox RO {case_number}",
        body="mailbox",
        live=True,
    )
    make_case(sinistri, "Vechi", customer_email="ion@example.ro", language="ro")
    # No words to tell the language from: the customer's earlier case says Romanian.
    case = make_case(sinistri, "SIN-2026", customer_email="ION@example.ro")
    assert auto_reply_text(mailbox=folder_mailbox, case=case) == (
        f"Mailbox RO {case.number}",
        "mailbox",
    )
    folder_mailbox.auto_reply = Mailbox.AutoReply.OFF
    assert auto_reply_text(mailbox=folder_mailbox, case=case) is None
