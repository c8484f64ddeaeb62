"""Long imports understand the next batch in a helper process while filing this one (#13).

The helper is a real ``python`` process; these tests check that what it gives is what
intake would have understood itself, that it stores the files filing names, and that a
helper that dies or cannot start loses nothing.
"""

import os
import signal
import time
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage

from correspondence.intake import ahead, fetch, ingest
from correspondence.intake.ahead import HELPER_PATIENCE, ParseAhead, Store, batch_understand
from correspondence.intake.fetch import directory_fetch
from correspondence.intake.ingest import IncomingMessage, batches_parsed, messages_parse
from correspondence.intake.storage import content_name, file_write_once, sha256_of
from correspondence.models import CasePage, Mailbox, Message, QuarantinedMessage

MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"
POISON = MAIL / "poison" / "nested-multipart-1000.eml"


def _corpus() -> list[bytes]:
    raws = [path.read_bytes() for path in sorted(MAIL.glob("*.eml"))]
    return [*raws, POISON.read_bytes(), b"not mail at all"]


def _batches(raws: list[bytes], size: int) -> list[list[tuple[int, IncomingMessage]]]:
    keyed = [(n, IncomingMessage(raw=raw)) for n, raw in enumerate(raws)]
    return [keyed[start : start + size] for start in range(0, len(keyed), size)]


def test_the_helper_understands_what_intake_would_and_stores_the_files(tmp_path: Path) -> None:
    raws = _corpus()
    with ParseAhead(Store(root=str(tmp_path), mode=0o640)) as helper:
        jobs = [helper.submit(raws[start : start + 7]) for start in range(0, len(raws), 7)]
        done = [item for job in jobs for item in job()]
        assert helper._helper is not None  # a real process did the work
    here = batch_understand(raws, None)
    assert done == here
    assert [d.understood is None for d in done][-2:] == [True, True]  # poison, not mail
    stored = tmp_path / content_name(prefix="raw", sha=sha256_of(raws[0]), suffix=".eml")
    assert stored.read_bytes() == raws[0] and stored.stat().st_mode & 0o777 == 0o640
    with_files = next(d for d in done if d.understood and d.understood.message.attachments)
    content = with_files.understood.message.attachments[0].content  # type: ignore[union-attr]
    name = content_name(prefix="attachments", sha=sha256_of(content))
    assert (tmp_path / name).read_bytes() == content
    assert not list(tmp_path.rglob("*.part"))  # no temporary file left behind


def test_batches_come_back_in_order_with_their_keys() -> None:
    raws = _corpus()
    parsed = list(batches_parsed(_batches(raws, 5)))
    keys = [key for batch in parsed for key, _item in batch]
    assert keys == list(range(len(raws)))
    alone = messages_parse([IncomingMessage(raw=raw) for raw in raws])
    assert [item for batch in parsed for _key, item in batch] == alone


def test_a_helper_that_dies_loses_nothing(caplog: pytest.LogCaptureFixture) -> None:
    raws = _corpus()
    with ParseAhead(None) as helper:
        first = helper.submit(raws[:5])
        assert helper._helper is not None
        os.kill(helper._helper.pid, signal.SIGKILL)
        helper._helper.wait()
        second = helper.submit(raws[5:])
        done = first() + second()
    assert done == batch_understand(raws, None)
    assert "helper process failed" in caplog.text or "could not hand" in caplog.text


def test_a_helper_that_cannot_start_is_replaced_by_this_process(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(ahead.sys, "executable", "/nonexistent/python")
    raws = _corpus()
    with ParseAhead(None) as helper:
        done = helper.submit(raws)()
    assert done == batch_understand(raws, None)
    assert "could not start a helper process" in caplog.text


@pytest.mark.django_db
def test_a_folder_mailbox_files_many_batches_exactly_once(
    folder_mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fetch, "DIRECTORY_BATCH", 4)
    template = (MAIL / "01-plain-utf8.eml").read_bytes()
    folder = Path(folder_mailbox.directory)
    for n in range(17):
        raw = template.replace(b"Message-ID: <", f"Message-ID: <ahead{n}.".encode(), 1)
        (folder / f"m{n:03}.eml").write_bytes(raw)
    (folder / "z-poison.eml").write_bytes(POISON.read_bytes())
    summary = directory_fetch(mailbox=folder_mailbox)
    assert summary.outcomes == {"created": 17, "quarantined": 1}
    assert CasePage.objects.count() == 17 and QuarantinedMessage.objects.count() == 1
    inbound = Message.objects.filter(kind=Message.Kind.INBOUND)
    assert inbound.count() == inbound.values("message_id").distinct().count() == 17
    assert not list(folder.glob("*.eml")) and len(list((folder / "processed").iterdir())) == 18
    for message in Message.objects.all():  # each raw stored whole, under its hash
        with default_storage.open(message.raw.name) as handle:
            assert sha256_of(handle.read()) == message.raw_sha256


def test_a_stored_file_is_whole_or_absent(tmp_path: Path) -> None:
    target = tmp_path / "raw" / "ab" / "cd" / "abcd.eml"
    with pytest.raises(TypeError):
        file_write_once(target, "not bytes", None)  # type: ignore[arg-type]
    assert not target.exists() and not list(tmp_path.rglob("*.part"))
    file_write_once(target, b"first", None)
    file_write_once(target, b"second", None)  # the same name means the same bytes: kept
    assert target.read_bytes() == b"first"


def test_a_caller_that_stops_early_ends_the_helper_at_once() -> None:
    raws = _corpus() * 4  # a result larger than a pipe's buffer, never read
    started = time.monotonic()
    with ParseAhead(None) as helper:
        helper.submit(raws)
        process = helper._helper
    assert process is not None and process.poll() is not None
    assert time.monotonic() - started < HELPER_PATIENCE / 2


def test_one_batch_starts_no_helper_and_more_start_it_before_the_first_is_understood(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The helper starts while this process understands the first batch (its start-up
    overlaps work here); a poll of one batch never starts it."""
    events: list[str] = []
    popen, here = ahead.subprocess.Popen, ingest._understood_here

    def started(*args: Any, **kwargs: Any) -> Any:
        events.append("helper started")
        return popen(*args, **kwargs)

    def understood_here(raws: Any) -> Any:
        events.append(f"{len(raws)} understood here")
        return here(raws)

    monkeypatch.setattr(ahead.subprocess, "Popen", started)
    monkeypatch.setattr(ingest, "_understood_here", understood_here)
    raws = _corpus()
    assert len([b for b in batches_parsed(_batches(raws[:3], 5))]) == 1
    assert events == ["3 understood here"]
    events.clear()
    parsed = list(batches_parsed(_batches(raws, 5)))
    assert events == ["helper started", "5 understood here"]
    assert [item for batch in parsed for _key, item in batch] == messages_parse(
        [IncomingMessage(raw=raw) for raw in raws]
    )
