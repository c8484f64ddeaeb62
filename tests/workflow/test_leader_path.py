"""The whole path of a team leader: write a rule, try it, save it, and see the next
message that reaches the mailbox routed by it."""

from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.test import Client

from correspondence.intake.ingest import message_ingest
from correspondence.models import CasePage, Mailbox, PoolPage
from intranet.models import UserProfile
from workflow.models import RoutingRule

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "mail"


def test_a_leader_writes_tries_saves_and_the_next_message_follows_the_rule(
    folder_mailbox: Mailbox, sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    ola = make_operator("ola", sinistri)
    UserProfile.objects.filter(user=ola).update(presence="available")
    earlier = message_ingest(
        mailbox=folder_mailbox, raw=(CORPUS / "01-plain-utf8.eml").read_bytes()
    ).case
    assert earlier.assignee is None

    client = Client()
    client.force_login(leader)
    rule = {
        "name": "Clienti example.it a Ola",
        "active": "on",
        "sender_test": "domain_equals",
        "sender_value": "example.it",
        "set_urgency": "2",
        "assignment": "operator",
        "operators": [ola.pk],
        "is_pec": "unknown",
        "has_attachments": "unknown",
    }
    tried = client.post(f"/work/rules/{sinistri.code}/new/", {**rule, "try": "1"})
    assert tried.status_code == 200
    assert earlier.subject in tried.content.decode()  # the last messages, with the outcome
    assert not RoutingRule.objects.exists()  # trying saves nothing
    assert CasePage.objects.get(pk=earlier.pk).assignee is None

    saved = client.post(f"/work/rules/{sinistri.code}/new/", {**rule, "save": "1"})
    assert saved.status_code == 302 and RoutingRule.objects.count() == 1

    raw = (CORPUS / "13-mixed-pdf-rfc2231.eml").read_bytes()
    case = CasePage.objects.get(pk=message_ingest(mailbox=folder_mailbox, raw=raw).case.pk)
    assert (case.state, case.assignee, case.urgency) == ("taken", ola, 2)
