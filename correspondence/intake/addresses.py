"""Mailboxes from address headers (From, To, Cc, Reply-To), as real mailers write them.

Pure. RFC 5322 section 3.4 is the grammar, but what arrives is looser: display
names with unquoted commas (``Rossi, Mario <m@x>``), names that are only an
address (``"m@x"``), quoted local parts (``"john..doe"@x``), comments as names
(``m@x (Mario Rossi)``), stray brackets. A comma separates two mailboxes only
once the text before it holds an address, so a comma in a name never splits
one sender into two; encoded words are decoded after splitting, for the same
reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from correspondence.intake.decoding import decode_words, normalise_space, surrogate_text


@dataclass(frozen=True)
class Address:
    """A mailbox: display name decoded, address lower-cased."""

    name: str
    address: str


_ADDR_SPEC_RE = re.compile(
    r'(?P<local>"(?:[^"\\]|\\.)*"|[^\s"(),<>;:\[\]@]+)@(?P<domain>[^\s"(),<>;:\[\]@]+)'
)
# atext (RFC 5322 section 3.2.3, with RFC 6532's UTF-8) in dot-separated runs.
_DOT_ATOM_RE = re.compile(r'[^\s"(),.:;<>@\[\]\\]+(?:\.[^\s"(),.:;<>@\[\]\\]+)*')
_EMPTY_BRACKETS_RE = re.compile(r"\[\s*\]|<\s*>")
_COMMENT_RE = re.compile(r"\((?:[^()\\]|\\.)*\)")
_QUOTED_RE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE_RE = re.compile(r"\\(.)")


def mailboxes(values: list[str]) -> list[Address]:
    """Every mailbox in the header values, in order; groups are flattened, empty ones dropped."""
    found: list[Address] = []
    for value in values:
        for chunk in _split(value):
            mailbox = _mailbox(chunk)
            if mailbox is not None:
                found.append(mailbox)
    return found


def _split(value: str) -> list[str]:
    """Cut a header value into one text per mailbox (see the module's docstring)."""
    chunks: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    depth = angle = 0
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and (quoted or depth):
            escaped = True
        elif char == '"' and not depth:
            quoted = not quoted
        elif not quoted and char in "()":
            depth = max(0, depth + (1 if char == "(" else -1))
        elif not quoted and not depth and char in "<>":
            angle = max(0, angle + (1 if char == "<" else -1))
        elif not (quoted or depth or angle) and char in ",;:":
            text = "".join(current)
            if char == ":" and "@" not in text:
                current = []  # a group's name: its members follow
                continue
            if char in ",;" and ("@" in text or char == ";"):
                chunks.append(text)
                current = []
                continue
        current.append(char)
    chunks.append("".join(current))
    return [chunk for chunk in chunks if chunk.strip()]


def _mailbox(chunk: str) -> Address | None:
    """One mailbox from its text; None when it holds no address."""
    angle = _angle_address(chunk)
    if angle is not None:
        name, address = chunk[: angle[0]], angle[1]
        if not _display(name):
            name = " ".join(_COMMENT_RE.findall(chunk[angle[0] :]))
        return Address(_display(name), _canonical(address))
    bare = _COMMENT_RE.sub(" ", chunk)
    match = _ADDR_SPEC_RE.search(bare)
    if match is None:
        inner = _QUOTED_RE.fullmatch(bare.strip())
        if inner is not None and "@" in inner.group(1):
            # A name that is only an address, or a whole mailbox in quotes.
            return _mailbox(_ESCAPE_RE.sub(r"\1", inner.group(1)))
        return None
    rest = bare[: match.start()] + bare[match.end() :]
    name = rest if _display(rest) else " ".join(_COMMENT_RE.findall(chunk))
    return Address(_display(name), _canonical(match.group(0)))


def _angle_address(chunk: str) -> tuple[int, str] | None:
    """Where the ``<addr>`` of a mailbox starts and the address in it, if there is one."""
    outside = _QUOTED_RE.sub(lambda m: "_" * len(m.group(0)), chunk)
    outside = _COMMENT_RE.sub(lambda m: "_" * len(m.group(0)), outside)
    for match in reversed(list(re.finditer(r"<+([^<>]*)>*", outside))):
        inner = _COMMENT_RE.sub("", chunk[match.start(1) : match.end(1)])
        spec = _ADDR_SPEC_RE.search(inner.rsplit(":", 1)[-1])  # drop a source route
        if spec is not None:
            return match.start(), spec.group(0)
    return None


def _display(text: str) -> str:
    """A display name: quotes and escapes removed, comments as text, encoded words decoded."""
    text = _QUOTED_RE.sub(lambda m: _ESCAPE_RE.sub(r"\1", m.group(1)), text)
    if _COMMENT_RE.sub("", text).strip(" \t\"'<>,;"):
        text = _COMMENT_RE.sub(" ", text)
    text = _EMPTY_BRACKETS_RE.sub(" ", text.replace("(", " ").replace(")", " "))
    return normalise_space(decode_words(text)).strip(" \"'<>,;")


def _canonical(spec: str) -> str:
    """The address lower-cased; a quoted local part loses quotes it does not need."""
    local, _, domain = surrogate_text(spec).rpartition("@")
    quoted = _QUOTED_RE.fullmatch(local)
    if quoted is not None and _DOT_ATOM_RE.fullmatch(quoted.group(1)):
        local = quoted.group(1)
    return f"{local}@{domain}".strip().lower()
