"""Files a batch names are written in a background thread and are all there before it
commits; a write that fails fails the batch, and nothing it filed remains (#13)."""

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.db import transaction

from correspondence.intake.ingest import IncomingMessage, message_ingest, messages_ingest
from correspondence.intake.storage import (
    content_name,
    content_store,
    files_stored_together,
    sha256_of,
)
from correspondence.models import CasePage, Mailbox, Message

pytestmark = pytest.mark.django_db
MAIL = Path(__file__).resolve().parents[3] / "fixtures" / "mail"


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "media"
    settings.MEDIA_ROOT = str(root)
    yield root


def test_inside_the_block_files_are_written_by_another_thread_and_all_there_after(
    media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from correspondence.intake import storage

    writers: set[str] = set()
    write = storage.file_write_once

    def recording(path: Path, content: bytes, mode: int | None) -> None:
        writers.add(threading.current_thread().name)
        write(path, content, mode)

    monkeypatch.setattr(storage, "file_write_once", recording)
    contents = [f"file {n}".encode() * 50 for n in range(40)]
    with files_stored_together():
        names = [content_store(prefix="raw", content=c, suffix=".eml")[0] for c in contents]
        with files_stored_together():  # nested: the outer block writes and waits
            names.append(content_store(prefix="attachments", content=b"inner")[0])
    assert writers == {"files"}
    assert [default_storage.open(n).read() for n in names] == [*contents, b"inner"]
    assert not list(media.rglob("*.part"))


def test_a_write_that_fails_raises_when_the_block_ends(media: Path) -> None:
    content = b"cannot be stored"
    name = content_name(prefix="raw", sha=sha256_of(content))
    blocker = media / Path(name).parent
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"a file where the folder should be")
    with pytest.raises(OSError), files_stored_together():
        content_store(prefix="raw", content=content)


def test_the_blocks_own_error_is_the_one_raised(media: Path) -> None:
    with pytest.raises(KeyError), files_stored_together():
        content_store(prefix="raw", content=b"written all the same")
        raise KeyError("the caller's")
    assert (media / content_name(prefix="raw", sha=sha256_of(b"written all the same"))).exists()


def test_a_batch_whose_files_cannot_be_written_files_nothing(
    folder_mailbox: Mailbox, media: Path
) -> None:
    raw = (MAIL / "01-plain-utf8.eml").read_bytes()
    name = content_name(prefix="raw", sha=sha256_of(raw), suffix=".eml")
    blocker = media / Path(name).parent
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"a file where the folder should be")
    with pytest.raises(OSError), transaction.atomic():
        messages_ingest(mailbox=folder_mailbox, messages=[IncomingMessage(raw=raw)])
    assert not Message.objects.exists() and not CasePage.objects.exists()
    blocker.unlink()
    assert message_ingest(mailbox=folder_mailbox, raw=raw).outcome == "created"
    assert (media / name).read_bytes() == raw
