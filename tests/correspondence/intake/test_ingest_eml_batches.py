"""ingest_eml files folders in batches and reports progress on stderr (issue 13)."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from correspondence.management.commands import ingest_eml
from correspondence.models import CasePage, Mailbox

pytestmark = pytest.mark.django_db
MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


def test_a_large_folder_is_filed_in_batches_with_progress(
    folder_mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ingest_eml, "BATCH_FILES", 100)
    template = (MAIL / "01-plain-utf8.eml").read_bytes()
    for n in range(150):
        raw = template.replace(b"Message-ID: <", f"Message-ID: <batch{n}.".encode(), 1)
        (tmp_path / f"m{n:03}.eml").write_bytes(raw)
    (tmp_path / "z-poison.eml").write_bytes(
        (MAIL / "poison" / "nested-multipart-1000.eml").read_bytes()
    )
    out, err = StringIO(), StringIO()
    with CaptureQueriesContext(connection) as queries:
        call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out, stderr=err)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines] == ["created"] * 150 + ["quarantined"]
    assert CasePage.objects.count() == 150
    progress = err.getvalue().splitlines()
    assert progress[0].startswith("ingest_eml: 100/151 files") and "151/151" in progress[-1]
    # Filed per batch, not per file: far fewer transactions than files.
    assert sum(1 for q in queries.captured_queries if q["sql"].startswith("SAVEPOINT")) < 20
