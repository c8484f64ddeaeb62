"""In Debian's chromium: a junior answers, the team leader edits and approves from the
intranet and the mail leaves once; an operator consults a department and sees its answer
arrive on the case."""

import email
import email.policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Department, Mailbox, Message
from tests.support.smtp import SmtpServer
from workflow.models import Consultation, PendingReply

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _login(page: Any, base: str, username: str) -> None:
    page.context.clear_cookies()
    page.goto(base + "/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", "demo")
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


@pytest.fixture
def sending(demo: None, smtp: SmtpServer, eager: None) -> Mailbox:
    """The demo's Sinistri mailbox sends through the SMTP server on loopback."""
    smtp.start()
    mailbox = Mailbox.objects.get(slug="sinistri")
    mailbox.smtp_host, mailbox.smtp_port = "127.0.0.1", smtp.port
    mailbox.smtp_security = Mailbox.Security.NONE
    mailbox.save()
    return mailbox


def _to(smtp: SmtpServer, address: str) -> list[email.message.EmailMessage]:
    return [
        email.message_from_bytes(e.content, policy=email.policy.default)
        for e in smtp.envelopes
        if address in e.rcpt_tos
    ]


def test_a_junior_answers_and_the_leader_approves_from_the_intranet(
    sending: Mailbox, smtp: SmtpServer, live_server: Any, browser_page: Any, screenshots: Path
) -> None:
    page = browser_page
    _login(page, live_server.url, "junior.sinistri")
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    case = CasePage.objects.get(assignee__username="junior.sinistri")
    page.fill(".composer textarea[name=text]", "Buongiorno, la pratica è in lavorazione.")
    page.click(".composer button[type=submit]")
    page.wait_for_selector("#approval")
    assert CasePage.objects.get(pk=case.pk).state == "awaiting_approval"
    assert _to(smtp, case.customer_email) == []

    _login(page, live_server.url, "leader.sinistri")
    page.goto(live_server.url + "/work/approvals/")
    page.click(f"main a:has-text('{case.number}')")  # not the top bar's notice of it
    page.wait_for_selector("#approval form[action$='/approve/'] textarea")
    page.fill(
        "#approval textarea[name=text]",
        "Buongiorno, la pratica è in lavorazione: la chiuderemo entro venerdì.",
    )
    page.screenshot(path=str(screenshots / "approval.png"), full_page=True)
    page.click("#approval form[action$='/approve/'] button")
    page.wait_for_selector(".message.kind-outbound")
    (sent,) = _to(smtp, case.customer_email)
    assert "entro venerdì" in sent.get_body(("plain",)).get_content()
    assert PendingReply.objects.get(case=case).status == "approved"
    assert Message.objects.filter(case=case, kind="outbound").count() == 1


def test_an_operator_consults_a_department_and_sees_the_answer_arrive(
    sending: Mailbox,
    smtp: SmtpServer,
    live_server: Any,
    browser_page: Any,
    screenshots: Path,
    settings: Any,
) -> None:
    settings.CORRISPONDENZA_NOTIFY_POLL_SECONDS = 1
    page = browser_page
    department = Department.objects.get(name="Ufficio legale")
    _login(page, live_server.url, "op.sinistri")
    page.click("form[action='/work/take-next/'] button")
    page.wait_for_selector(".composer textarea")
    case = CasePage.objects.get(assignee__username="op.sinistri")
    page.click("details.panel:has(form[action$='/consult/']) summary")
    page.select_option("form[action$='/consult/'] select[name=department]", str(department.pk))
    page.fill("form[action$='/consult/'] textarea[name=question]", "È coperto dalla polizza?")
    page.check("form[action$='/consult/'] input[name=messages] >> nth=0")
    page.click("form[action$='/consult/'] button")
    page.wait_for_selector(".consultations tr.open")
    (asked,) = _to(smtp, department.email_list()[0])
    assert case.number in asked["Subject"]

    answer = EmailMessage()
    answer["From"] = f"Ufficio legale <{department.email_list()[0]}>"
    answer["To"] = sending.address
    answer["Subject"] = f"Re: {asked['Subject']}"
    answer["Date"] = format_datetime(timezone.now())
    answer["Message-ID"] = "<parere-e2e@assicura.example.it>"
    answer["In-Reply-To"] = asked["Message-ID"]
    answer.set_content("Sì, il sinistro è coperto.")
    Path(sending.directory, "zz-parere.eml").write_bytes(answer.as_bytes())
    mailbox_fetch(mailbox_id=sending.pk)

    # Without reloading, the top bar's counter tells the operator.
    page.wait_for_selector("#notify-count:not([hidden])", timeout=10000)
    page.click("#notify")
    assert case.number in page.inner_text("#notify-list")
    page.reload()
    page.wait_for_selector(".consultations tr.answered")
    page.screenshot(path=str(screenshots / "consultation.png"), full_page=True)
    assert "Sì, il sinistro è coperto." in page.content()
    case.refresh_from_db()
    assert (case.state, case.assignee.username) == ("taken", "op.sinistri")
    assert Consultation.objects.get(case=case).answered_at is not None
