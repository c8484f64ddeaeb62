"""Understanding the next batch of mail in a helper process while this one is filed.

Filing a batch waits on PostgreSQL and writes files; understanding one is pure CPU
(``understand``). A long import therefore hands each batch, as soon as it is read, to
one helper process, which understands it and stores its raw bytes and files under
their hashes (content-addressed: storing them again is harmless, and what the helper
did not store, filing stores). The caller files batch N while the helper works on
N + 1. This module imports no ORM, so the helper starts without Django.

A helper that cannot start or dies is not an error: its batches are understood here
instead, exactly as they would have been there.
"""

import contextlib
import logging
import os
import pickle
import subprocess
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from correspondence.intake.parsing import MessageTooLarge, UnparseableMessage
from correspondence.intake.storage import FilesWriter, content_name, sha256_of
from correspondence.intake.understand import Understood, understand

logger = logging.getLogger(__name__)
PROTOCOL = 5  # pickles between this process and its own helper only, never stored
# How long a helper may take to finish its last batch once told to stop.
HELPER_PATIENCE = 30


@dataclass(frozen=True)
class Understanding:
    """One message understood, or why not (``trace``: an unexpected error's traceback)."""

    sha: str
    understood: Understood | None
    problem: str = ""
    trace: str = ""


@dataclass(frozen=True)
class Store:
    """Where a helper may store files itself: a local folder and the files' mode."""

    root: str
    mode: int | None


def understand_safely(raw: bytes) -> Understanding:
    """``understand``; a message that cannot be understood says why instead of raising.

    ``understand`` is pure (no database, no network), so anything it raises is a fact
    about this message, never a broken system.
    """
    sha = sha256_of(raw)
    try:
        return Understanding(sha, understand(raw))
    except (MessageTooLarge, UnparseableMessage) as exc:
        return Understanding(sha, None, str(exc))
    except (RecursionError, MemoryError) as exc:
        return Understanding(sha, None, f"cannot be understood: {type(exc).__name__}")
    except Exception as exc:  # not swallowed: the caller logs the traceback, then quarantines
        problem = f"cannot be understood: {exc!r}"[:500]
        return Understanding(sha, None, problem, traceback.format_exc())


def batch_understand(raws: Sequence[bytes], store: Store | None) -> list[Understanding]:
    """What the helper does with a batch: understand each message and store its files,
    the files written by a thread while the next message is understood."""
    if store is None:
        return [understand_safely(raw) for raw in raws]
    writer = FilesWriter(store.mode)
    done = []
    try:
        for raw in raws:
            item = understand_safely(raw)
            if item.understood is not None:
                _files_store(writer, Path(store.root), raw, item)
            done.append(item)
    finally:
        writer.finish(raise_error=True)
    return done


def _files_store(writer: FilesWriter, root: Path, raw: bytes, item: Understanding) -> None:
    """The files filing will name (``records``): the raw message, its attachments, and
    a PEC message's evidence."""
    writer.put(root / content_name(prefix="raw", sha=item.sha, suffix=".eml"), raw)
    understood = item.understood
    assert understood is not None
    contents = [a.content for a in understood.message.attachments]
    if understood.pec is not None:
        contents += [understood.pec.daticert_xml or b"", understood.pec.signature or b""]
    for content in contents:
        if content:
            writer.put(root / content_name(prefix="attachments", sha=sha256_of(content)), content)


class ParseAhead:
    """One helper process understanding batches in order; ``submit`` returns a call that
    gives the batch's result. Use as a context manager: the helper starts at the first
    ``submit`` and stops on exit.

    The helper is a fresh ``python`` (this process's import path) running ``_serve``,
    which talks pickles over its stdin and stdout and runs nothing but this module
    (``multiprocessing`` would run the caller's main module again, and may not start
    children from a daemonic worker). Batch and result alternate on the pipes (a new
    batch is written once the previous result is read), so neither side can block the
    other.
    """

    def __init__(self, store: Store | None) -> None:
        self._store = store
        self._helper: subprocess.Popen[bytes] | None = None
        self._failed = False
        self._sent: dict[int, Sequence[bytes]] = {}  # batches written, by number
        self._ready: dict[int, list[Understanding]] = {}
        self._count = 0

    def __enter__(self) -> "ParseAhead":
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop()

    def submit(self, raws: Sequence[bytes]) -> Callable[[], list[Understanding]]:
        """Hands the batch to the helper; the returned call gives its understanding."""
        self._count += 1
        number = self._count
        self._collect()
        helper = self._started()
        if helper is None:
            self._ready[number] = batch_understand(raws, None)
        else:
            self._sent[number] = raws
            try:
                assert helper.stdin is not None
                pickle.dump((list(raws), self._store), helper.stdin, protocol=PROTOCOL)
                helper.stdin.flush()
            except Exception:  # not swallowed: logged, and the batch is understood here
                self._give_up("could not hand a batch to the helper process")
        return lambda: self._take(number)

    def _take(self, number: int) -> list[Understanding]:
        if number not in self._ready:
            self._collect()
        return self._ready.pop(number)

    def _collect(self) -> None:
        """Reads the result of the batch the helper holds, if any."""
        if not self._sent:
            return
        number = min(self._sent)
        try:
            assert self._helper is not None and self._helper.stdout is not None
            done: list[Understanding] = pickle.load(self._helper.stdout)
            if len(done) != len(self._sent[number]):
                raise ValueError("the helper answered for another batch")
        except Exception:  # not swallowed: logged, and the batch is understood here
            self._give_up("the helper process failed")
            return
        self._ready[number] = done
        del self._sent[number]

    def _started(self) -> "subprocess.Popen[bytes] | None":
        if self._helper is None and not self._failed:
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
            try:
                self._helper = subprocess.Popen(
                    [sys.executable, "-c", f"from {__name__} import _serve; _serve()"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                )
            except Exception:  # not swallowed: logged, and batches are understood here
                self._give_up("could not start a helper process")
        return self._helper

    def _give_up(self, why: str) -> None:
        """Stops the helper; what it held is understood here, and so is what follows."""
        logger.warning("intake: %s; understanding mail in this process", why, exc_info=True)
        self._failed = True
        self._stop()
        for number, raws in sorted(self._sent.items()):
            self._ready[number] = batch_understand(raws, None)
        self._sent.clear()

    def _stop(self) -> None:
        """Ends the helper: at the end of its input when idle; killed when it still holds
        a batch nobody will read (the caller stopped early, on an error)."""
        helper, self._helper = self._helper, None
        if helper is None:
            return
        if self._sent:
            helper.kill()
        with contextlib.suppress(OSError):
            assert helper.stdin is not None
            helper.stdin.close()
        try:
            helper.wait(timeout=HELPER_PATIENCE)
        except subprocess.TimeoutExpired:
            helper.kill()
            helper.wait()
        if helper.stdout is not None:
            helper.stdout.close()


def _serve() -> None:
    """The helper's loop: a batch in on stdin, its understanding out on stdout, until
    stdin ends. Anything else the interpreter prints goes to stderr."""
    requests = sys.stdin.buffer
    answers = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    while True:
        try:
            raws, store = pickle.load(requests)
        except EOFError:
            return
        pickle.dump(batch_understand(raws, store), answers, protocol=PROTOCOL)
        answers.flush()
