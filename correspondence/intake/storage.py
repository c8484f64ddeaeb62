"""Immutable, content-addressed file storage for raw messages and attachments.

A file is named by the SHA-256 of its bytes and written once. On a local folder
(Django's ``FileSystemStorage``, what every settings module here uses) the bytes are
written to a temporary name and renamed into place: a file is either whole under its
name or absent, even when the writer is killed, and a process without Django (the
intake helper, ``intake.ahead``) can store files exactly as filing names them.
Any other storage goes through its own API.

Creating a file mostly waits on the disk. Inside ``files_stored_together`` (a batch
being filed) the files go to one background thread instead, while this thread goes on
with the batch's database work; leaving the block waits for them.
"""

import hashlib
import os
import queue
import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils.functional import empty


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def content_name(*, prefix: str, sha: str, suffix: str = "") -> str:
    """The storage name of bytes whose SHA-256 is ``sha``."""
    return f"{prefix}/{sha[:2]}/{sha[2:4]}/{sha}{suffix}"


def content_store(*, prefix: str, content: bytes, suffix: str = "") -> tuple[str, str]:
    """Stores the bytes once under their hash; returns (storage name, sha256).

    Storing the same bytes again is harmless: the existing file is kept, never rewritten.
    """
    sha = sha256_of(content)
    name = content_name(prefix=prefix, sha=sha, suffix=suffix)
    root = local_root()
    writer = _writer.get()
    if root is not None and writer is not None:
        writer.put(root / name, content)
    elif root is not None:
        file_write_once(root / name, content, default_storage.file_permissions_mode)
    elif not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:
            # A concurrent writer stored the same bytes first; ours is a duplicate.
            default_storage.delete(saved)
    return name, sha


@contextmanager
def files_stored_together() -> Iterator[None]:
    """Within the block, ``content_store`` names each file at once and writes it in one
    background thread (local folders only). Leaving the block waits for every write and
    raises the first error, so a transaction that commits after the block never names a
    file that is not there. Nested blocks write with the outermost one."""
    if _writer.get() is not None or local_root() is None:
        yield
        return
    writer = FilesWriter(default_storage.file_permissions_mode)
    token = _writer.set(writer)
    try:
        yield
    except BaseException:
        writer.finish(raise_error=False)  # the block's own error is the one to see
        raise
    else:
        writer.finish(raise_error=True)
    finally:
        _writer.reset(token)


class FilesWriter:
    """One thread writing files once (``file_write_once``) in the order they come;
    ``finish`` waits for them. Reads no settings (the intake helper uses it too)."""

    def __init__(self, mode: int | None) -> None:
        self._mode = mode
        self._files: queue.SimpleQueue[tuple[Path, bytes] | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def put(self, path: Path, content: bytes) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="files", daemon=True)
            self._thread.start()
        self._files.put((path, content))

    def finish(self, *, raise_error: bool) -> None:
        if self._thread is not None:
            self._files.put(None)
            self._thread.join()
        if raise_error and self._error is not None:
            raise self._error

    def _run(self) -> None:
        while (item := self._files.get()) is not None:
            if self._error is None:  # after a failure the rest is not written: it is void
                try:
                    file_write_once(item[0], item[1], self._mode)
                except BaseException as exc:  # raised by ``finish`` in the caller's thread
                    self._error = exc


_writer: ContextVar[FilesWriter | None] = ContextVar("files_stored_together", default=None)


def local_root() -> Path | None:
    """The folder of the default storage when it is a plain local folder (whose folders
    take the default mode), else None."""
    if default_storage._wrapped is empty:
        default_storage._setup()
    storage = default_storage._wrapped
    if type(storage) is not FileSystemStorage or storage.directory_permissions_mode is not None:
        return None
    return Path(storage.location)


def file_write_once(path: Path, content: bytes, mode: int | None) -> None:
    """Writes ``content`` at ``path`` unless a file is there already; never a partial
    file under ``path`` (written beside it, then renamed: atomic on one filesystem).
    ``mode``: the file's permissions (None: the process's default). Reads no settings,
    so a helper process without Django may call it."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(6)}.part")
    try:
        with open(temporary, "wb") as handle:
            handle.write(content)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)  # the same bytes as any concurrent writer's
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def db_text(value: str) -> str:
    """The text without NUL characters, which PostgreSQL cannot store and mail may carry."""
    return value.replace("\x00", "")
