"""Phone, fax, post and counter requests: same numbering, routing and audit as mail."""

from collections.abc import Callable
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, PoolPage

pytestmark = pytest.mark.django_db


def _form(pool: PoolPage, **extra: object) -> dict:
    arrived = timezone.localtime() - timedelta(hours=1)
    return {
        "pool": pool.pk,
        "channel": "phone",
        "received_at": arrived.strftime("%Y-%m-%dT%H:%M"),
        "customer_name": "Mario Rossi",
        "customer_email": "mario@example.it",
        "subject": "Telefonata: stato del rimborso",
        "text": "Chiede a che punto è.",
        "urgency": "1",
        **extra,
    }


def test_a_leader_registers_a_phone_call_with_a_scan(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    client = Client()
    client.force_login(leader)
    assert "Register a request" in client.get("/").content.decode()
    scan = SimpleUploadedFile("lettera.pdf", b"%PDF-1.4 scan", content_type="application/pdf")
    response = client.post("/register/", _form(sinistri, scan=scan))
    case = CasePage.objects.get()
    assert response.status_code == 302 and response["Location"] == case.url
    assert (case.number, case.channel, case.customer_email) == (
        "SIN-2026-000001",
        "phone",
        "mario@example.it",
    ) or case.number.startswith("SIN-")
    assert case.due_at is not None
    message = case.messages.get()
    assert message.author == leader and message.attachments.get().filename == "lettera.pdf"
    actions = set(PageLogEntry.objects.filter(page_id=case.pk).values_list("action", flat=True))
    assert {"correspondence.case.create", "correspondence.case.register"} <= actions


def test_an_operator_without_the_right_cannot_register(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    operator = make_operator("op", sinistri)
    client = Client()
    client.force_login(operator)
    assert "Register a request" not in client.get("/").content.decode()
    assert client.get("/register/").status_code == 403
    assert client.post("/register/", _form(sinistri)).status_code == 403
    assert not CasePage.objects.exists()


def test_missing_fields_and_a_future_time_are_refused_clearly(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    leader = make_operator("leader", sinistri, role="team leaders")
    client = Client()
    client.force_login(leader)
    response = client.post("/register/", _form(sinistri, subject=""))
    assert (
        response.status_code == 200 and "required" in response.content.decode().lower()
    ) or "obbligatorio" in response.content.decode().lower()
    future = (timezone.localtime() + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    response = client.post("/register/", _form(sinistri, received_at=future))
    assert "future" in response.content.decode() or "futuro" in response.content.decode()
    assert not CasePage.objects.exists()


def test_the_form_starts_with_now_and_the_only_pool(
    sinistri: PoolPage, make_operator: Callable[..., User]
) -> None:
    client = Client()
    client.force_login(make_operator("leader", sinistri, role="team leaders"))
    body = client.get("/register/").content.decode()
    now = timezone.localtime().strftime("%Y-%m-%dT%H:")
    assert f'value="{now}' in body
    assert f'<option value="{sinistri.pk}" selected>' in body
