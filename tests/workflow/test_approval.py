"""Four-eyes approval of replies as Wagtail moderation, over a real SMTP server on loopback:
a junior's answer waits, a team leader approves (it leaves once), edits then approves (the
edited text leaves, the edit is a revision) or rejects with a comment (back to the
author); nobody approves their own; a leader's substitute may while the leader is away."""

import email
import email.policy
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.errors import CaseActionDenied
from correspondence.models import CasePage, Mailbox, Message, OutgoingMail, PoolMembership, PoolPage
from intranet.models import Absence
from tests.support.smtp import SmtpServer
from workflow import approval, lifecycle
from workflow.models import PendingReply

pytestmark = pytest.mark.django_db


@pytest.fixture
def smtp_mailbox(folder_mailbox: Mailbox, smtp: SmtpServer) -> Mailbox:
    smtp.start()
    folder_mailbox.smtp_host, folder_mailbox.smtp_port = "127.0.0.1", smtp.port
    folder_mailbox.smtp_security = Mailbox.Security.NONE
    folder_mailbox.auto_reply = Mailbox.AutoReply.OFF
    folder_mailbox.save()
    return folder_mailbox


@pytest.fixture
def team(sinistri: PoolPage, make_operator: Callable[..., User]) -> dict[str, User]:
    junior = make_operator("junior", sinistri)
    junior.profile.needs_approval = True
    junior.profile.save()
    leader = make_operator("leader", sinistri, role="team leaders")
    leader.first_name, leader.last_name = "Lia", "Leone"
    leader.save()
    return {"junior": junior, "leader": leader, "colleague": make_operator("colleague", sinistri)}


@pytest.fixture
def answered(
    smtp_mailbox: Mailbox,
    team: dict[str, User],
    sinistri: PoolPage,
    make_case: Callable[..., CasePage],
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> CasePage:
    """A case the junior took and answered: the answer waits for approval."""
    case = make_case(sinistri, customer_email="cliente@example.it", mailbox_id=smtp_mailbox.pk)
    client = Client()
    client.force_login(team["junior"])
    client.post(f"/work/cases/{case.pk}/take/")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/work/cases/{case.pk}/reply/",
            {
                "to": "cliente@example.it",
                "text": "Gentile cliente,\n\nla pratica è aperta.",
                "attachments": SimpleUploadedFile(
                    "perizia.pdf", b"%PDF-1.4 perizia", content_type="application/pdf"
                ),
            },
            follow=True,
        )
    assert "waits for a team leader" in response.content.decode()
    return case


def _sent_text(envelope: Any) -> str:
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    return str(parsed.get_body(("plain",)).get_content())


def _post(client: Client, case: CasePage, action: str, captured: Callable[..., Any], **data: Any):
    with captured(execute=True):
        return client.post(f"/work/cases/{case.pk}/{action}/", data, follow=True)


def test_a_juniors_reply_waits_and_leaves_exactly_once_after_approval(
    answered: CasePage,
    team: dict[str, User],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    case = CasePage.objects.get(pk=answered.pk)
    pending = PendingReply.objects.get(case=case)
    assert case.state == "awaiting_approval" and pending.status == "pending"
    assert smtp.envelopes == [] and not OutgoingMail.objects.filter(case=case).exists()
    assert pending.current_workflow_state.status == "in_progress"

    leader = Client()
    leader.force_login(team["leader"])
    waiting = leader.get("/work/approvals/").content.decode()
    assert case.number in waiting and "la pratica è aperta" in waiting
    page = leader.get(case.url).content.decode()
    assert "Approve and send" in page and "Nothing has been sent to the customer" in page
    assert "perizia.pdf" in page

    _post(leader, case, "approve", django_capture_on_commit_callbacks, reply=pending.pk)
    (envelope,) = smtp.envelopes
    assert envelope.rcpt_tos == ["cliente@example.it"]
    assert "la pratica è aperta" in _sent_text(envelope)
    parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
    files = {part.get_filename(): part.get_content() for part in parsed.iter_attachments()}
    assert files["perizia.pdf"] == b"%PDF-1.4 perizia"
    case.refresh_from_db()
    pending.refresh_from_db()
    assert case.state == "taken" and case.assignee == team["junior"]
    assert (pending.status, pending.decided_by, pending.live) == ("approved", team["leader"], True)
    assert Message.objects.get(case=case, kind="outbound").author == team["junior"]

    # Again, by the intranet or by the service: refused, and nothing leaves twice.
    response = _post(leader, case, "approve", django_capture_on_commit_callbacks, reply=pending.pk)
    assert "decides" in response.content.decode() or "no longer" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        again = approval.reply_release(pending_id=pending.pk, user=team["leader"])
    assert again == pending.outgoing and len(smtp.envelopes) == 1
    actions = list(
        PageLogEntry.objects.filter(page_id=case.pk).order_by("pk").values_list("action", "user")
    )
    assert ("correspondence.case.reply_submitted", team["junior"].pk) in actions
    assert ("correspondence.case.reply_approved", team["leader"].pk) in actions


def test_edit_then_approve_sends_the_edited_text_and_keeps_the_edit_as_a_revision(
    answered: CasePage,
    team: dict[str, User],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    pending = PendingReply.objects.get(case=answered)
    leader = Client()
    leader.force_login(team["leader"])
    edited = "Gentile cliente,\n\nla pratica è aperta e sarà chiusa entro venerdì."
    _post(
        leader,
        answered,
        "approve",
        django_capture_on_commit_callbacks,
        reply=pending.pk,
        text=edited,
    )
    (envelope,) = smtp.envelopes
    assert "entro venerdì" in _sent_text(envelope)
    revisions = list(pending.revisions.order_by("created_at", "pk"))
    assert [r.user for r in revisions] == [team["junior"], team["leader"]]
    assert "entro venerdì" not in revisions[0].content["text"]
    assert revisions[1].content["text"] == edited
    assert PageLogEntry.objects.filter(
        page_id=answered.pk, action="correspondence.case.reply_edited", user=team["leader"]
    ).exists()


def test_a_rejected_reply_goes_back_to_its_author_with_the_comment(
    answered: CasePage,
    team: dict[str, User],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    pending = PendingReply.objects.get(case=answered)
    leader = Client()
    leader.force_login(team["leader"])
    refused = _post(
        leader, answered, "reject", django_capture_on_commit_callbacks, reply=pending.pk
    )
    assert "comment is required" in refused.content.decode()
    _post(
        leader,
        answered,
        "reject",
        django_capture_on_commit_callbacks,
        reply=pending.pk,
        comment="Manca il numero di polizza.",
    )
    case = CasePage.objects.get(pk=answered.pk)
    pending.refresh_from_db()
    assert (case.state, case.assignee) == ("taken", team["junior"])
    assert (pending.status, pending.comment) == ("rejected", "Manca il numero di polizza.")
    assert smtp.envelopes == [] and not OutgoingMail.objects.filter(case=case).exists()
    author = Client()
    author.force_login(team["junior"])
    page = author.get(case.url).content.decode()
    assert "Your reply was rejected" in page and "Manca il numero di polizza." in page
    assert "Lia Leone" in page and "Send answer" in page  # the composer is back


def test_nobody_approves_their_own_reply_nor_a_colleague_without_leading(
    answered: CasePage, team: dict[str, User], sinistri: PoolPage
) -> None:
    pending = PendingReply.objects.get(case=answered)
    for user in (team["junior"], team["colleague"]):
        with pytest.raises(CaseActionDenied):
            approval.reply_approve(pending_id=pending.pk, user=user)
    # A leader whose own replies need approval in this pool cannot approve them either.
    team["leader"].pool_memberships.update(needs_approval=True)
    assert approval.replies_awaiting(user=team["leader"]).count() == 1


def test_a_substitute_approves_while_the_leader_is_absent_and_not_after(
    answered: CasePage, team: dict[str, User], eager: None
) -> None:
    pending = PendingReply.objects.get(case=answered)
    now = timezone.now()
    absence = Absence.objects.create(
        user=team["leader"],
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=1),
        substitute=team["colleague"],
    )
    assert list(approval.replies_awaiting(user=team["colleague"])) == [pending]
    Absence.objects.filter(pk=absence.pk).update(ends_at=now - timedelta(minutes=1))
    with pytest.raises(CaseActionDenied):
        approval.reply_approve(pending_id=pending.pk, user=team["colleague"])
    Absence.objects.filter(pk=absence.pk).update(ends_at=now + timedelta(days=1))
    approval.reply_approve(pending_id=pending.pk, user=team["colleague"])
    pending.refresh_from_db()
    assert (pending.status, pending.decided_by) == ("approved", team["colleague"])


def test_a_per_pool_flag_holds_replies_only_in_that_pool(
    smtp_mailbox: Mailbox,
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> None:
    from workflow.replies import Reply

    operator = make_operator("mixed", sinistri, pagamenti)
    PoolMembership.objects.filter(user=operator, pool=sinistri).update(needs_approval=True)
    held = make_case(sinistri, mailbox_id=smtp_mailbox.pk)
    free = make_case(pagamenti, mailbox_id=smtp_mailbox.pk)
    reply = Reply(to=["cliente@example.it"], cc=[], text="Risposta")
    for case in (held, free):
        lifecycle.case_take(case_id=case.pk, user=operator)
    assert isinstance(
        approval.reply_hand_in(case_id=held.pk, user=operator, reply=reply), PendingReply
    )
    assert isinstance(
        approval.reply_hand_in(case_id=free.pk, user=operator, reply=reply), OutgoingMail
    )


def test_the_leader_sees_it_in_wagtails_review_panel_and_may_approve_there(
    answered: CasePage,
    team: dict[str, User],
    smtp: SmtpServer,
    eager: None,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    leader = team["leader"]
    leader.user_permissions.add(Permission.objects.get(codename="access_admin"))
    pending = PendingReply.objects.get(case=answered)
    client = Client()
    client.force_login(leader)
    dashboard = client.get("/admin/").content.decode()
    assert "Awaiting your review" in dashboard and answered.number in dashboard
    task_state = pending.current_workflow_state.current_task_state
    url = reverse(
        "wagtailsnippets_workflow_pendingreply:workflow_action",
        args=[pending.pk, "approve", task_state.pk],
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)
    assert response.status_code in (200, 302)
    assert len(smtp.envelopes) == 1
    assert CasePage.objects.get(pk=answered.pk).state == "taken"
    # Someone else's admin account does not see it.
    client.force_login(team["colleague"])
    team["colleague"].user_permissions.add(Permission.objects.get(codename="access_admin"))
    assert answered.number not in client.get("/admin/").content.decode()


def test_an_approval_cancelled_in_the_admin_returns_the_reply_to_its_author(
    answered: CasePage,
    team: dict[str, User],
    smtp: SmtpServer,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    """Cancelling the workflow is what Wagtail's edit view does for a superuser's "Cancel
    workflow"; nobody could approve the reply afterwards, so the case must not wait."""
    admin = User.objects.create_superuser("root", password="pw", first_name="Ada", last_name="Root")
    team["junior"].profile.language = "it"
    team["junior"].profile.save()
    pending = PendingReply.objects.get(case=answered)
    with django_capture_on_commit_callbacks(execute=True):
        pending.current_workflow_state.cancel(user=admin)
    case = CasePage.objects.get(pk=answered.pk)
    pending.refresh_from_db()
    assert (case.state, case.assignee) == ("taken", team["junior"])
    assert pending.status == "rejected" and pending.decided_by == admin
    assert (
        pending.comment.startswith("L'approvazione è stata annullata")
        and "Ada Root" in pending.comment
    )
    assert smtp.envelopes == [] and not OutgoingMail.objects.filter(case=case).exists()
    entry = PageLogEntry.objects.filter(
        page_id=case.pk, action="correspondence.case.reply_rejected"
    ).get()
    assert entry.data["reason"] == pending.comment and entry.user_id == admin.pk
    author = Client()
    author.force_login(team["junior"])
    page = author.get(case.url).content.decode()
    assert "La tua risposta è stata respinta" in page  # in the author's language
    assert "Ada Root" in page and "Invia risposta" in page  # the comment; the composer is back
