"""The timeline proves the approval and consultation steps: submitted for approval,
rejected with the comment, edited then approved with the revision, by whom; a department
consulted, reminded and answered late; colleagues asked and answering; a hand-over from
one operator to another. The dossier export carries them too."""

import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Department, Mailbox, PoolPage
from workflow import approval, colleagues, consultation, lifecycle
from workflow.history import case_history
from workflow.models import Consultation, PendingReply
from workflow.replies import Reply

pytestmark = pytest.mark.django_db


def _named(user: User, first: str, last: str) -> User:
    user.first_name, user.last_name = first, last
    user.save()
    return user


@pytest.fixture
def people(
    sinistri: PoolPage, pagamenti: PoolPage, make_operator: Callable[..., User]
) -> dict[str, User]:
    junior = _named(make_operator("junior", sinistri), "Gino", "Giovane")
    junior.profile.needs_approval = True
    junior.profile.save()
    return {
        "junior": junior,
        "leader": _named(make_operator("leader", sinistri, role="team leaders"), "Lia", "Leone"),
        "mate": _named(make_operator("mate", sinistri), "Marta", "Mori"),
        "expert": _named(make_operator("expert", pagamenti), "Piero", "Pagano"),
    }


def _department_answer(message_id: str, sent_at: str) -> bytes:
    answer = EmailMessage()
    answer["From"] = "Ufficio legale <legale@assicura.example.it>"
    answer["To"] = "sinistri@assicura.example.it"
    answer["Subject"] = "Re: Consultation"
    answer["Date"] = sent_at
    answer["Message-ID"] = "<parere-1@assicura.example.it>"
    answer["In-Reply-To"] = f"<{message_id}>"
    answer.set_content("Il parere è favorevole.")
    return answer.as_bytes()


@pytest.fixture
def lived(
    sinistri: PoolPage,
    folder_mailbox: Mailbox,
    people: dict[str, User],
    make_case: Callable[..., CasePage],
) -> CasePage:
    """A case that went through every step once (nothing is sent: no commit happens)."""
    folder_mailbox.smtp_host = "127.0.0.1"
    folder_mailbox.save()
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=folder_mailbox.pk)
    junior, leader = people["junior"], people["leader"]
    lifecycle.case_take(case_id=case.pk, user=junior)
    first = Reply(to=["cliente@example.it"], cc=[], text="Prima bozza senza polizza.")
    rejected = approval.reply_hand_in(case_id=case.pk, user=junior, reply=first)
    approval.reply_reject(pending_id=rejected.pk, user=leader, comment="Manca la polizza.")
    second = Reply(to=["cliente@example.it"], cc=[], text="Seconda bozza, polizza 77.")
    pending = approval.reply_hand_in(case_id=case.pk, user=junior, reply=second)
    approval.reply_approve(pending_id=pending.pk, user=leader, text="Testo corretto, polizza 77.")
    legale = Department.objects.create(
        name="Ufficio legale",
        emails="legale@assicura.example.it",
        response_time=2,
        response_unit=Department.Unit.HOURS,
        reminder_max=3,
    )
    asked = consultation.consultation_send(
        case_id=case.pk, user=junior, department=legale, question="Possiamo rimborsare?"
    )
    # Three hours ago: the answer arriving now is an hour late (the clock moved, not slept).
    hours_ago = timezone.now() - timedelta(hours=3)
    Consultation.objects.filter(pk=asked.pk).update(
        sent_at=hours_ago, due_at=hours_ago + timedelta(hours=2)
    )
    asked.refresh_from_db()
    reminded_at = asked.due_at + timedelta(minutes=5)
    consultation.consultation_remind(consultation_id=asked.pk, now=reminded_at)
    late = format_datetime(timezone.now())
    message_ingest(mailbox=folder_mailbox, raw=_department_answer(asked.message_id, late))
    question = colleagues.colleagues_consult(
        case_id=case.pk,
        user=junior,
        colleague_ids=[people["mate"].pk, people["expert"].pk],
        question="Qualcuno ha già visto questo cliente?",
    )
    mine = question.answers.get(colleague=people["expert"])
    colleagues.colleague_answer_give(answer_id=mine.pk, user=people["expert"], text="Sì, nel 2024.")
    lifecycle.case_hand_over(
        case_id=case.pk, user=junior, colleague=people["mate"], reason="Vado in ferie"
    )
    case.refresh_from_db()
    return case


def _event(case: CasePage, action: str, index: int = 0) -> tuple[str, list[str]]:
    found = [e for e in case_history(case=case) if e.action == f"correspondence.case.{action}"]
    return found[index].actor, found[index].details


def test_approval_steps_show_who_what_and_the_comment(
    lived: CasePage, people: dict[str, User]
) -> None:
    actor, details = _event(lived, "reply_submitted")
    assert actor == "Gino Giovane"
    assert "Text submitted: Prima bozza senza polizza." in details
    actor, details = _event(lived, "reply_rejected")
    assert actor == "Lia Leone"
    assert "Comment: Manca la polizza." in details and "Written by Gino Giovane" in details
    assert not any(line.startswith("Reason:") for line in details)
    # The second submission keeps the author's own text, not the leader's edit.
    assert "Text submitted: Seconda bozza, polizza 77." in _event(lived, "reply_submitted", 1)[1]
    actor, details = _event(lived, "reply_edited")
    revision = PendingReply.objects.get(status="approved").revisions.latest("pk")
    assert actor == "Lia Leone"
    assert f"Edited text (revision {revision.pk}): Testo corretto, polizza 77." in details
    actor, details = _event(lived, "reply_approved")
    assert actor == "Lia Leone" and "Written by Gino Giovane" in details


def test_consultation_steps_show_department_question_reminder_and_lateness(
    lived: CasePage,
) -> None:
    actor, details = _event(lived, "consult")
    assert actor == "Gino Giovane"
    assert "To the department Ufficio legale" in details
    assert "Question: Possiamo rimborsare?" in details
    assert any(line.startswith("Answer due by ") for line in details)
    assert _event(lived, "consultation_reminder")[1] == ["Reminder 1 of 3 to Ufficio legale"]
    _actor, details = _event(lived, "consultation_answered")
    assert "Answer from Ufficio legale" in details
    assert any(line.startswith("Late (due by ") for line in details)


def test_colleagues_and_hand_over_show_names_question_and_answer(
    lived: CasePage, people: dict[str, User]
) -> None:
    actor, details = _event(lived, "colleagues_consult")
    assert actor == "Gino Giovane"
    assert "Asked: Marta Mori, Piero Pagano" in details
    assert "Question: Qualcuno ha già visto questo cliente?" in details
    actor, details = _event(lived, "colleague_answer")
    assert actor == "Piero Pagano" and "Answer: Sì, nel 2024." in details
    actor, details = _event(lived, "hand_over")
    assert actor == "Gino Giovane"
    assert "From Gino Giovane to Marta Mori" in details and "Reason: Vado in ferie" in details


def test_the_case_page_shows_the_steps_to_its_leader(
    lived: CasePage, people: dict[str, User]
) -> None:
    client = Client()
    client.force_login(people["leader"])
    body = client.get(lived.url).content.decode()
    timeline = body[body.index('<ol class="timeline">') :]
    for expected in (
        "Comment: Manca la polizza.",
        "Testo corretto, polizza 77.",
        "Reminder 1 of 3 to Ufficio legale",
        "Late (due by",
        "Asked: Marta Mori, Piero Pagano",
        "From Gino Giovane to Marta Mori",
    ):
        assert expected in timeline, expected


def test_the_dossier_carries_approvals_consultations_and_colleagues(
    lived: CasePage, people: dict[str, User], make_operator: Callable[..., User]
) -> None:
    client = Client()
    client.force_login(make_operator("boss", lived.pool, role="team leaders"))
    response = client.get(f"/cases/{lived.pk}/dossier/")
    assert response.status_code == 200, response.status_code
    record = json.loads(zipfile.ZipFile(io.BytesIO(response.content)).read("case.json"))
    refused, approved = record["approvals"]
    assert (refused["status"], refused["decided_by"], refused["comment"]) == (
        "rejected",
        "leader",
        "Manca la polizza.",
    )
    assert [(r["by"], r["text"]) for r in approved["revisions"]] == [
        ("junior", "Seconda bozza, polizza 77."),
        ("leader", "Testo corretto, polizza 77."),
    ]
    (asked,) = record["consultations"]
    assert (asked["department"], asked["on_time"], asked["reminders_sent"]) == (
        "Ufficio legale",
        False,
        1,
    )
    # One colleague answered: the case no longer waits for colleagues.
    assert record["case"]["waiting_for_colleagues_since"] is None
    (question,) = record["colleague_questions"]
    assert {a["colleague"]: a["text"] for a in question["answers"]} == {
        "mate": "",
        "expert": "Sì, nel 2024.",
    }
    actions = {h["action"] for h in record["history"]}
    assert {
        "correspondence.case.reply_rejected",
        "correspondence.case.reply_edited",
        "correspondence.case.consultation_reminder",
        "correspondence.case.colleague_answer",
        "correspondence.case.hand_over",
    } <= actions


def test_an_edit_of_a_waiting_reply_in_the_admin_is_on_the_timeline(
    sinistri: PoolPage,
    folder_mailbox: Mailbox,
    people: dict[str, User],
    make_case: Callable[..., CasePage],
) -> None:
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=folder_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=people["junior"])
    reply = Reply(to=["cliente@example.it"], cc=[], text="Bozza da rivedere.")
    pending = approval.reply_hand_in(case_id=case.pk, user=people["junior"], reply=reply)
    root = _named(User.objects.create_superuser("root", password="pw"), "Rita", "Radice")
    admin = Client()
    admin.force_login(root)
    url = reverse("wagtailsnippets_workflow_pendingreply:edit", args=[pending.pk])
    form = {"to": "cliente@example.it", "cc": "", "text": "Testo rivisto in admin."}
    assert admin.post(url, form).status_code == 302
    admin.post(url, form)  # saved again unchanged: no second entry
    (edited,) = [e for e in case_history(case=case) if e.action.endswith(".reply_edited")]
    assert edited.actor == "Rita Radice"
    assert any(line.endswith("Testo rivisto in admin.") for line in edited.details)
