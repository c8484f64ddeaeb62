"""Nobody, a superuser included, edits or deletes a case's history from any screen of the
Wagtail admin: the audit log, revisions, consultations and questions to colleagues have
no editing screen at all, a reply once decided (approved and sent, or rejected) can no
longer be changed or deleted, none can be added by hand, and a quarantined message (mail
as it arrived) is only listed, inspected, retried or dismissed. The page editor does not
edit cases: tests/security/test_admin_cases.py."""

from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from wagtail.admin.viewsets import viewsets
from wagtail.admin.viewsets.model import ModelViewSet
from wagtail.models import ModelLogEntry, PageLogEntry, Revision, TaskState, WorkflowState
from wagtail.snippets.models import get_snippet_models

from correspondence.models import (
    CaseClockPause,
    CasePage,
    Mailbox,
    PoolPage,
    QuarantinedMessage,
)
from workflow import approval, lifecycle
from workflow.models import (
    ColleagueAnswer,
    ColleagueQuestion,
    Consultation,
    Escalation,
    PendingReply,
)
from workflow.replies import Reply

pytestmark = pytest.mark.django_db

RECORDS = (
    PageLogEntry,
    ModelLogEntry,
    Revision,
    WorkflowState,
    TaskState,
    Consultation,
    ColleagueQuestion,
    ColleagueAnswer,
    CaseClockPause,
    Escalation,
)


def test_no_admin_screen_edits_the_records_of_history() -> None:
    snippets = set(get_snippet_models())
    assert [m.__name__ for m in RECORDS if m in snippets] == []
    managed = [
        v.model
        for v in viewsets.viewsets
        if isinstance(v, ModelViewSet) and getattr(v, "model", None) in RECORDS
    ]
    assert managed == []


@pytest.fixture
def decided(
    sinistri: PoolPage,
    folder_mailbox: Mailbox,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> tuple[PendingReply, PendingReply]:
    """One reply approved and sent, one rejected with a comment."""
    junior = make_operator("junior", sinistri)
    junior.profile.needs_approval = True
    junior.profile.save()
    leader = make_operator("leader", sinistri, role="team leaders")
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=folder_mailbox.pk)
    lifecycle.case_take(case_id=case.pk, user=junior)
    reply = Reply(to=["cliente@example.it"], cc=[], text="Prima risposta.")
    rejected = approval.reply_hand_in(case_id=case.pk, user=junior, reply=reply)
    approval.reply_reject(pending_id=rejected.pk, user=leader, comment="Da rifare.")
    reply = Reply(to=["cliente@example.it"], cc=[], text="Risposta giusta.")
    approved = approval.reply_hand_in(case_id=case.pk, user=junior, reply=reply)
    approval.reply_approve(pending_id=approved.pk, user=leader)
    rejected.refresh_from_db()
    approved.refresh_from_db()
    return approved, rejected


def _superuser() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.it", "x"))
    return client


def _url(name: str, *args: object) -> str:
    return reverse(f"wagtailsnippets_workflow_pendingreply:{name}", args=args)


def test_a_decided_reply_is_neither_changed_nor_deleted_in_the_admin(
    decided: tuple[PendingReply, PendingReply],
) -> None:
    client = _superuser()
    for reply in decided:
        text, revisions = reply.text, reply.revisions.count()
        edit = client.get(_url("edit", reply.pk))
        assert edit.status_code != 200 or 'name="text"' not in edit.content.decode()
        client.post(_url("edit", reply.pk), {"to": "altro@example.it", "cc": "", "text": "Falso."})
        client.post(_url("delete", reply.pk))
        client.post(_url("revisions_revert", reply.pk, reply.revisions.earliest("pk").pk))
        reply.refresh_from_db()
        assert (reply.text, reply.to) == (text, "cliente@example.it")
        assert reply.revisions.count() == revisions
    assert PendingReply.objects.count() == 2
    # Its history stays readable.
    assert client.get(_url("history", decided[0].pk)).status_code == 200


def test_no_reply_is_written_for_approval_by_hand_in_the_admin(
    decided: tuple[PendingReply, PendingReply],
) -> None:
    client = _superuser()
    assert client.get(_url("add")).status_code != 200
    client.post(_url("add"), {"case": decided[0].case_id, "to": "x@example.it", "text": "Finto."})
    bulk = f"/admin/bulk/workflow/pendingreply/delete/?id={decided[0].pk}&id={decided[1].pk}"
    assert "permission to delete these replies" in client.get(bulk).content.decode()
    client.post(bulk)
    assert PendingReply.objects.count() == 2


def test_a_quarantined_message_is_not_written_changed_or_deleted_in_the_admin(
    folder_mailbox: Mailbox,
) -> None:
    kept = QuarantinedMessage.objects.create(
        mailbox=folder_mailbox,
        raw=ContentFile(b"From: x@example.it\r\n\r\nrotto", name="q.eml"),
        raw_sha256="0" * 64,
        reason="MIME troppo annidato",
    )
    client = _superuser()

    def url(name: str, *args: object) -> str:
        return reverse(f"wagtailsnippets_correspondence_quarantinedmessage:{name}", args=args)

    assert client.get(url("list")).status_code == 200  # still listed, inspected, retried
    for name, args in (("add", ()), ("edit", (kept.pk,)), ("delete", (kept.pk,))):
        assert client.get(url(name, *args)).status_code != 200, name
    client.post(url("edit", kept.pk), {"mailbox": folder_mailbox.pk, "reason": "nulla"})
    client.post(url("delete", kept.pk))
    kept.refresh_from_db()
    assert kept.reason == "MIME troppo annidato"
    assert QuarantinedMessage.objects.count() == 1
