"""The stable ingest_eml command: one JSON line per file, the real sender and time."""

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from correspondence.models import Mailbox

pytestmark = pytest.mark.django_db
CORPUS = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


def _run(*args: str) -> list[dict]:
    out = StringIO()
    call_command("ingest_eml", *args, stdout=out)
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_a_pec_envelope_reports_certified_sender_time_and_identifiers(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    # Signed by a provider on the trust list: its certified time is the arrival.
    from correspondence.services.pec_trust import pec_trust_import
    from tests.support.pec_signing import ca_pem, envelope_signed

    pec_trust_import(data=ca_pem(), source="test")
    signed = tmp_path / "signed.eml"
    signed.write_bytes(envelope_signed((CORPUS / "17-pec-posta-certificata.eml").read_bytes()))
    (line,) = _run("--mailbox", "sinistri", str(signed))
    assert line["outcome"] == "created" and line["case"] == "SIN-2026-000001"
    assert line["from"] == "avv.bianchi@pec.example.it"
    assert line["received_at"] == "2026-03-03T10:15:22+01:00"
    assert line["pec"]["signature"] == "valid"
    assert line["pec"]["kind"] == "posta-certificata" and line["pec"]["msgid"]
    assert "diffida.pdf" in line["attachments"] and line["reason"] is None


def test_a_directory_gives_one_line_per_file_and_a_second_run_is_ignored(
    folder_mailbox: Mailbox, tmp_path: Path
) -> None:
    for name in ("01-plain-utf8.eml", "19-pec-accettazione.eml"):
        (tmp_path / name).write_bytes((CORPUS / name).read_bytes())
    first = _run("--mailbox", "sinistri", str(tmp_path))
    assert [line["outcome"] for line in first] == ["created", "receipt"]
    assert first[0]["text"].startswith("Buongiorno")
    again = _run("--mailbox", "sinistri", str(tmp_path))
    assert [line["outcome"] for line in again] == ["ignored", "ignored"]
    assert again[0]["reason"] == "already received"


def test_bad_arguments_are_clear_errors(folder_mailbox: Mailbox) -> None:
    with pytest.raises(CommandError, match="no mailbox 'nope'"):
        _run("--mailbox", "nope", str(CORPUS))
    with pytest.raises(CommandError, match="no such file"):
        _run("--mailbox", "sinistri", "/nonexistent.eml")


def test_a_file_that_fails_gets_its_line_and_the_others_go_on(
    folder_mailbox: Mailbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from correspondence.management.commands import ingest_eml

    real = ingest_eml.parsed_file
    names = ("01-plain-utf8.eml", "02-iso-8859-2-polish.eml", "03-windows-1250-romanian.eml")
    for name in names:
        (tmp_path / name).write_bytes((CORPUS / name).read_bytes())

    def broken_on_the_second(*, mailbox: Mailbox, parsed: list) -> object:
        # The batch of three fails, then the second file alone.
        if any(p.incoming.raw == (CORPUS / names[1]).read_bytes() for p in parsed):
            raise OSError("disk full")
        return real(mailbox=mailbox, parsed=parsed)

    monkeypatch.setattr(ingest_eml, "parsed_file", broken_on_the_second)
    out = StringIO()
    with pytest.raises(CommandError, match="1 of 3 files could not be filed"):
        call_command("ingest_eml", "--mailbox", "sinistri", str(tmp_path), stdout=out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["outcome"] for line in lines] == ["created", "error", "created"]
    assert lines[1]["file"].endswith(names[1]) and "disk full" in lines[1]["reason"]
