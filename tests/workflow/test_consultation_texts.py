"""The consultation and reminder mails are written from the texts editors publish: in the
department's language (else the pool's), placeholders filled; an editor's edit changes the
next mail; a department's own reminder text still wins; a placeholder that a kind of text
does not have is refused on save."""

import email
import email.policy
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from correspondence.models import CasePage, Department, Mailbox, MailText, PoolPage
from intranet.management.commands.seed_demo import EDITOR_PERMISSIONS
from intranet.models import UserProfile
from tests.support.smtp import SmtpServer
from workflow import consultation, lifecycle

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.save()
    return folder_mailbox


@pytest.fixture
def editor(db: None) -> Client:
    """A member of the Editors group with the demo's permissions; not a superuser."""
    group, _created = Group.objects.get_or_create(name="Editors")
    group.permissions.add(*Permission.objects.filter(codename__regex=EDITOR_PERMISSIONS))
    user = User.objects.create_user("editor", password="pw", is_staff=True)
    UserProfile.objects.create(user=user, language="en")
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def asked(
    sinistri: PoolPage,
    smtp_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> Callable[..., email.message.EmailMessage]:
    """Sends a consultation of a new case to ``department``; returns the mail received."""
    operator = make_operator("ola", sinistri)
    operator.first_name, operator.last_name = "Ola", "Nowak"
    operator.save()

    def send(department: Department, question: str = "Czy szkoda jest objęta?") -> Any:
        case = make_case(sinistri, "Szkoda", mailbox_id=smtp_mailbox.pk)
        lifecycle.case_take(case_id=case.pk, user=operator)
        with django_capture_on_commit_callbacks(execute=True):
            consultation.consultation_send(
                case_id=case.pk, user=operator, department=department, question=question
            )
        return _last(smtp), case

    return send


def _last(smtp: SmtpServer) -> email.message.EmailMessage:
    return email.message_from_bytes(smtp.envelopes[-1].content, policy=email.policy.default)  # type: ignore[return-value]


def _body(mail: email.message.EmailMessage) -> str:
    return str(mail.get_body(("plain",)).get_content()).replace("\r\n", "\n").strip()


def _form(text: MailText, **changes: str) -> dict[str, str]:
    data = {
        "kind": text.kind,
        "language": text.language,
        "pool": str(text.pool_id or ""),
        "mailbox": "",
        "subject": text.subject,
        "body": text.body,
    }
    return {**data, **changes, "action-publish": "action-publish"}


def test_an_editor_publishes_the_consultation_text_and_the_next_mail_says_it(
    editor: Client, asked: Callable[..., Any], sinistri: PoolPage
) -> None:
    dzial = Department.objects.create(
        name="Dział prawny", emails="prawny@example.pl", language="pl"
    )
    text = MailText.objects.create(
        kind=MailText.Kind.CONSULTATION,
        language="pl",
        subject="Konsultacja {case_number}",
        body="Dzień dobry {department},\n\n{question}\n\n{operator_name}",
        live=True,
    )
    # An Italian text of the pool is not the department's language: the Polish one is used.
    MailText.objects.create(
        kind=MailText.Kind.CONSULTATION,
        pool=sinistri,
        language="it",
        subject="Consultazione {case_number}",
        body="Buongiorno",
        live=True,
    )
    mail, case = asked(dzial)
    assert mail["Subject"] == f"Konsultacja {case.number}"
    assert _body(mail) == "Dzień dobry Dział prawny,\n\nCzy szkoda jest objęta?\n\nOla Nowak"

    url = reverse("wagtailsnippets_correspondence_mailtext:edit", args=[text.pk])
    edited = _form(text, subject="Pytanie do działu [{case_number}]", body="Pytanie: {question}")
    assert editor.post(url, edited).status_code == 302
    mail, case = asked(dzial, question="Kto płaci?")
    assert mail["Subject"] == f"Pytanie do działu [{case.number}]"
    assert _body(mail) == "Pytanie: Kto płaci?"


def test_without_a_department_language_the_pools_text_and_language_are_used(
    asked: Callable[..., Any], sinistri: PoolPage
) -> None:
    legale = Department.objects.create(name="Legale", emails="legale@example.it")
    MailText.objects.create(
        kind=MailText.Kind.CONSULTATION,
        pool=sinistri,
        language=sinistri.language,
        subject="Consultazione {case_number}",
        body="Gentile {department}: {question}",
        live=True,
    )
    mail, case = asked(legale, question="È coperto?")
    assert mail["Subject"] == f"Consultazione {case.number}"
    assert _body(mail) == "Gentile Legale: È coperto?"


def test_the_reminder_uses_the_editors_text_unless_the_department_wrote_its_own(
    editor: Client,
    asked: Callable[..., Any],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    kept = Department.objects.create(name="Legale", emails="legale@example.it", language="it")
    own = Department.objects.create(
        name="Conti",
        emails="conti@example.it",
        language="it",
        reminder_text="Sollecito nostro per {number}.",
    )
    text = MailText.objects.create(
        kind=MailText.Kind.REMINDER,
        language="it",
        subject="Sollecito {case_number}",
        body="Attendiamo {department} dal {sent_at}: {question}",
        live=True,
    )
    url = reverse("wagtailsnippets_correspondence_mailtext:edit", args=[text.pk])
    editor.post(url, _form(text, body="Ancora nulla da {department}. {question}"))
    for department in (kept, own):
        first, case = asked(department, question="Parere?")
        asked_row = case.consultations.get()
        with django_capture_on_commit_callbacks(execute=True):
            consultation.consultation_remind(consultation_id=asked_row.pk, now=asked_row.due_at)
        reminder = _last(smtp)
        assert reminder["Subject"] == f"Sollecito {case.number}"
        assert reminder["In-Reply-To"] == first["Message-ID"]
        expected = (
            "Ancora nulla da Legale. Parere?"
            if department == kept
            else f"Sollecito nostro per {case.number}.\n\nParere?"
        )
        assert _body(reminder) == expected


def test_a_placeholder_another_kind_of_text_has_is_refused_on_save() -> None:
    consultation_text = MailText(
        kind=MailText.Kind.CONSULTATION, language="it", subject="x", body="{question} {event}"
    )
    with pytest.raises(ValidationError) as refused:
        consultation_text.clean()
    assert "Unknown placeholder {event}" in str(refused.value)
    auto_reply = MailText(kind=MailText.Kind.AUTO_REPLY, language="it", subject="x", body="{link}")
    with pytest.raises(ValidationError):
        auto_reply.clean()
    department = Department(name="X", emails="x@example.it", reminder_text="{question} {link}")
    with pytest.raises(ValidationError) as refused:
        department.clean()
    assert "Unknown placeholder {link}" in str(refused.value)
    assert "Unknown placeholder {question}" not in str(refused.value)


def test_an_editor_sets_a_departments_calendar_and_language_and_a_bad_reminder_is_refused(
    editor: Client,
) -> None:
    from correspondence.models import WorkingCalendar

    rome = WorkingCalendar.objects.create(name="Roma", country="IT", time_zone="Europe/Rome")
    department = Department.objects.create(name="Legale", emails="legale@example.it")
    url = reverse("wagtailsnippets_correspondence_department:edit", args=[department.pk])
    data = {
        "name": "Legale",
        "emails": "legale@example.it",
        "language": "pl",
        "response_time": "16",
        "response_unit": "hours",
        "calendar": str(rome.pk),
        "reminder_text": "Sollecito {case_number}: {question} {link}",
        "reminder_interval_hours": "24",
        "reminder_max": "3",
        "active": "on",
    }
    refused = editor.post(url, data)
    assert refused.status_code == 200
    assert "Unknown placeholder {link} (character 37)" in refused.content.decode()
    assert editor.post(url, {**data, "reminder_text": ""}).status_code == 302
    department.refresh_from_db()
    assert (department.calendar, department.language, department.reminder_text) == (rome, "pl", "")
