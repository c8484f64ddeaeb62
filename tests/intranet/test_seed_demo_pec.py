"""The demo shows PEC certification: one envelope signed by the demo's provider, on the
trust list the seed imports, is certified; the others are unverified PEC."""

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from correspondence.intake.fetch import mailbox_fetch
from correspondence.models import CasePage, Mailbox, PecTrustedCertificate

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_certified_and_an_unverified_pec(settings: Any, tmp_path: Path) -> None:
    settings.DATA_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())
    assert PecTrustedCertificate.objects.count() == 1
    mailbox_fetch(mailbox_id=Mailbox.objects.get(slug="reclami").pk)
    client = Client()
    assert client.login(username="admin", password="demo")
    cases = CasePage.objects.filter(messages__pec__isnull=False).distinct()
    pages = [client.get(case.url).content.decode() for case in cases]
    assert len(pages) == 2
    assert sum("unverified PEC" in page for page in pages) == 1
    assert sum('class="pec certified"' in page for page in pages) == 1
