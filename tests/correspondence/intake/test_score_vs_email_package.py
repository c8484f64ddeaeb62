"""Intake reads the whole mail corpus better than Python's email package.

Every message with an expected reading (fixtures/mail with the rows of
test_corpus, fixtures/mail/real-world, and fixtures/mail/public: the test
messages of other parsers' suites, mikel/mail, Zammad, flanker and mailparser,
with the results those suites expect, see fixtures/mail/README.md) is read by
intake (``understand``) and by the standard library
(``BytesParser(policy=policy.default)``, the body through ``get_body``, the
attachments as every other leaf part). Five measures, counted per message where
its source gives an expectation: sender address, sender name, subject, body
text (the expected passage appears in the text), attachments (their number and
names). The test asserts intake is ahead of or equal to the email package on
every measure, on the whole corpus and on each of flanker's and mailparser's
suites, and strictly ahead overall; it prints the table (``pytest -s``), and so
does this file run as a script:

    python tests/correspondence/intake/test_score_vs_email_package.py
"""

from __future__ import annotations

import email.policy
import json
import re
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[3]
sys.path[:0] = [str(ROOT), str(Path(__file__).resolve().parent)]

import pytest  # noqa: E402
from test_corpus import ANY, ANY_ATTACHMENTS, CORPUS, EXPECTED  # noqa: E402

from correspondence.intake.decoding import html_to_text  # noqa: E402
from correspondence.intake.understand import understand  # noqa: E402

MEASURES = ("sender address", "sender name", "subject", "body text", "attachments")
# A measure the source does not assert for a message is not scored for it.
UNMEASURED: Any = object()


@dataclass(frozen=True)
class Reading:
    """What one parser made of one message; ``attachments`` are the file names."""

    address: str | None
    name: str | None
    subject: str
    text: str
    attachments: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Truth:
    """The expected reading; ``name`` None when the source gives none.

    ``attachments`` lists the expected file names in order, None for an
    attachment the source gives no name (any name is right for it).
    """

    address: str | None
    name: str | None
    subject: str
    snippet: str
    attachments: Any = UNMEASURED


PUBLIC = CORPUS / "public"
REAL_WORLD = CORPUS / "real-world"
# mikel/mail (Ruby, MIT) spec/fixtures/emails and zammad/zammad (AGPL-3.0)
# test/data/mail/*.yml: the expected values below are those the sources assert.
PUBLIC_TRUTH: dict[str, Truth] = {
    "mikel-mail/bad_encoded_subject.eml": Truth(None, None, "TEST", "TEST"),
    "mikel-mail/cant_parse_from.eml": Truth(
        "news@insideapple.apple.com",
        "Apple",
        "Meet the new MacBook Pro family. Now includes 13-inch.",
        "From one solid piece of aluminum comes a MacBook Pro that's thin and light,"
        " beautifully streamlined, and durable.",
    ),
    "mikel-mail/raw_email_double_at_in_header.eml": Truth(
        "jamis@37signals.com", "Jamis Buck", "NOTE: 한국말로 하는 것", "우리는 하나님을 믿습니다."
    ),
    "mikel-mail/raw_email_incorrect_header.eml": Truth(
        "xxx@xxx.xxx", "xxx xxx", "Stop adware/spyware once and for all.", "You are infected with:"
    ),
    "mikel-mail/raw_email_with_at_display_name.eml": Truth(
        "test@lindsaar.net", "Mikel Lindsaar", "Testing 123", "Hope it works well!"
    ),
    "mikel-mail/raw_email_with_partially_quoted_subject.eml": Truth(
        "jamis@37signals.com",
        "Jamis Buck",
        'Re: Test: "漢字" mid "漢字" tail',
        "제 이름은 Jamis입니다.",
    ),
    "mikel-mail/two_from_in_message.eml": Truth(
        "tester1@test.com",
        "Tester 1",
        "Sending messages include last little bit",
        "From GMail you also get the person's signature.",
    ),
    "zammad/mail013.box": Truth(
        "thomas.smith@example.com",
        "",
        "Antwort: Probleme ADB / Anlegen von Tickets [Ticket#111079]",
        "JA",
    ),
    "zammad/mail032.box": Truth(
        "dana.qin6e1@gmail.com",
        "Dana.Qin",
        "发现最美车间主任",
        "本课程在全国推广五年以来",
    ),
    "zammad/mail037.box": Truth(
        "info@example.com", "Example", "Example: Java 8 Neuerungen", "Tag Max / Ingo!"
    ),
    "zammad/mail044.box": Truth(
        "claudia.shu@yahoo.com.",
        "Clement.Si",
        "精益生产闪婚,是谁的责任",
        "中国企业自2004年已经进入了微利时代",
    ),
}
_LUCIA = ("lucia.verdi@example.it", "Lucia Verdi", "Sollecito pratica", "Sollecito la pratica")
_DOCS = "Richiesta documenti", "Buongiorno, attendo i documenti."
REAL_WORLD_TRUTH: dict[str, Truth] = {
    "c1-iso-2022-jp.eml": Truth(
        "tanaka@example.jp", "田中 太郎", "事故報告書の送付", "事故の件でご連絡いたします。"
    ),
    "c1-utf-7.eml": Truth(
        "n.bruni@example.it", "Niccolò Bruni", "Denuncia già firmata", "è già firmata"
    ),
    "c2-windows-1251.eml": Truth(
        "irina.smirnova@example.ru", "Ирина Смирнова", "Страховой случай", "Прошу подтвердить"
    ),
    "c2-gb2312-is-gbk.eml": Truth("wang.wei@example.cn", "王伟", "理赔材料确认", "朱镕基先生"),
    "c2-ks-c-5601.eml": Truth("minsu.kim@example.kr", "김민수", "보험금 청구", "똠방각하 건으로"),
    "c3-encoded-words.eml": Truth(
        "stefan.mares@example.ro",
        "Štefan Mareš",
        "Sinistro Città di Castello škoda targa AB123CD \u2013 n° 7",
        "Vedi oggetto.",
    ),
    "c4-sender-name-commas.eml": Truth(
        "mario.rossi@example.it", "Rossi, Mario, Studio Legale", *_DOCS
    ),
    "c4-sender-quoted-local-part.eml": Truth(
        "ufficio.sinistri@example.it", "Ufficio Sinistri", *_DOCS
    ),
    "c4-sender-name-only-address.eml": Truth("studio.bianchi@example.it", "", *_DOCS),
    "c5-mbox-from-line.eml": Truth(*_LUCIA),
    "c5-stray-first-line.eml": Truth(*_LUCIA),
    "c5-corrupted-first-header.eml": Truth(*_LUCIA),
    "c9-long-attachment-name.eml": Truth(
        "lucia.verdi@example.it", "Lucia Verdi", "Documenti del sinistro", "In allegato il verbale."
    ),
    "c6-html-stub.eml": Truth(
        "info@carrozzeria-rinaldi.example.it",
        "Carrozzeria Rinaldi",
        "Stima del danno 4471",
        "L'importo liquidabile è di 2.350,00 euro",
    ),
}


# Other parsers' own test messages with the readings their suites assert, one
# expected.json per source (fixtures/mail/README.md says where each came from).
SUITES = ("flanker", "nodemailer-mailparser")


def suite_truths(suite: str) -> dict[str, Truth]:
    """The expectations of one parser's suite; a key it leaves out is not measured."""
    rows = json.loads((PUBLIC / suite / "expected.json").read_text(encoding="utf-8"))
    return {
        f"{suite}/{name}": Truth(
            address=row.get("address", UNMEASURED),
            name=row.get("name"),
            subject=row.get("subject", UNMEASURED),
            snippet=row.get("text", ""),
            attachments=row.get("attachments", UNMEASURED),
        )
        for name, row in rows.items()
    }


def corpus() -> dict[Path, Truth]:
    """Every message with its expected reading."""
    found: dict[Path, Truth] = {}
    for name, row in EXPECTED.items():
        named = None if row.name is ANY else str(row.name)
        wanted = UNMEASURED if row.attachments == ANY_ATTACHMENTS else list(row.attachments)
        found[CORPUS / name] = Truth(row.sender, named, row.subject, row.snippet, wanted)
    found.update({REAL_WORLD / name: truth for name, truth in REAL_WORLD_TRUTH.items()})
    found.update({PUBLIC / name: truth for name, truth in PUBLIC_TRUTH.items()})
    for suite in SUITES:
        found.update({PUBLIC / name: truth for name, truth in suite_truths(suite).items()})
    return found


def read_intake(raw: bytes) -> Reading:
    understood = understand(raw)
    sender = understood.sender
    return Reading(
        address=sender.address if sender else None,
        name=sender.name if sender else None,
        subject=understood.message.subject,
        text=understood.message.text,
        attachments=[a.filename for a in understood.message.attachments],
    )


def _package_attachments(part: EmailMessage, body: EmailMessage | None) -> Iterator[str]:
    """Every leaf but the body (an attached message whole), as a careful caller
    of the email package would list them: ``get_filename()`` or ""."""
    if part is body:
        return
    if part.is_multipart() and part.get_content_type() not in {"message/rfc822"}:
        for child in part.iter_parts():
            yield from _package_attachments(child, body)  # type: ignore[arg-type]
        return
    is_text = part.get_content_type() in {"text/plain", "text/html"}
    if part.get_content_disposition() == "attachment" or part.get_filename() or not is_text:
        yield part.get_filename() or ""


def read_email_package(raw: bytes) -> Reading:
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    address = name = None
    try:
        found = message["from"].addresses if message["from"] is not None else ()
        if found:
            address, name = found[0].addr_spec, found[0].display_name
    except (AttributeError, IndexError, ValueError, TypeError):
        pass
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = body.get_content()
        text = html_to_text(content) if body.get_content_subtype() == "html" else content
    files = list(_package_attachments(message, body))  # type: ignore[arg-type]
    return Reading(address, name, str(message["subject"] or ""), text, files)


def _flat(value: str) -> str:
    return re.sub(r"\s+", " ", value).strip()


def _files_right(found: list[str], wanted: list[str | None]) -> bool:
    if len(found) != len(wanted):
        return False
    return all(want is None or got == want for got, want in zip(found, wanted, strict=True))


def judge(reading: Reading | None, truth: Truth) -> dict[str, bool | None]:
    """Right (True), wrong (False) or not measured (None) on each measure."""
    measured = {
        "sender address": truth.address is not UNMEASURED,
        "sender name": truth.name is not None,
        "subject": truth.subject is not UNMEASURED,
        "body text": bool(truth.snippet),
        "attachments": truth.attachments is not UNMEASURED,
    }
    if reading is None:
        return {measure: False if on else None for measure, on in measured.items()}
    address = (reading.address or "").lower() or None
    checks: dict[str, Callable[[], bool]] = {
        "sender address": lambda: address == truth.address,
        "sender name": lambda: _flat(reading.name or "") == _flat(truth.name or ""),
        "subject": lambda: _flat(reading.subject) == _flat(truth.subject),
        "body text": lambda: _flat(truth.snippet) in _flat(reading.text),
        "attachments": lambda: _files_right(reading.attachments, truth.attachments),
    }
    return {measure: checks[measure]() if on else None for measure, on in measured.items()}


def score(
    reader: Callable[[bytes], Reading], paths: set[Path] | None = None
) -> dict[str, tuple[int, int]]:
    """Per measure: (right, measured) over the corpus; a reader that raises is wrong."""
    totals = {measure: [0, 0] for measure in MEASURES}
    for path, truth in corpus().items():
        if paths is not None and path not in paths:
            continue
        try:
            reading: Reading | None = reader(path.read_bytes())
        except Exception:  # a parser that crashes on a message reads it wrong
            reading = None
        for measure, right in judge(reading, truth).items():
            if right is not None:
                totals[measure][0] += int(right)
                totals[measure][1] += 1
    return {measure: (right, measured) for measure, (right, measured) in totals.items()}


def table(ours: dict[str, tuple[int, int]], theirs: dict[str, tuple[int, int]]) -> str:
    """The score table, one row a measure and a last row overall."""
    rows = [f"{'measure':<16}{'intake':>12}{'email pkg':>12}"]
    for measure in (*MEASURES, "overall"):
        (right, total), (other, _) = _row(ours, measure), _row(theirs, measure)
        rows.append(f"{measure:<16}{right:>7}/{total:<4}{other:>7}/{total:<4}")
    return "\n".join(rows)


def _row(scores: dict[str, tuple[int, int]], measure: str) -> tuple[int, int]:
    if measure != "overall":
        return scores[measure]
    return sum(r for r, _ in scores.values()), sum(t for _, t in scores.values())


def test_every_public_and_real_world_message_has_its_expected_reading() -> None:
    on_disk = {p.relative_to(PUBLIC).as_posix() for p in PUBLIC.rglob("*") if p.is_file()}
    on_disk -= {f"{suite}/expected.json" for suite in SUITES}
    expected = set(PUBLIC_TRUTH) | {name for suite in SUITES for name in suite_truths(suite)}
    assert on_disk == expected
    assert {p.name for p in REAL_WORLD.glob("*.eml")} - {"c7-daticert-forbidden-chars.eml"} == set(
        REAL_WORLD_TRUTH
    )


def test_intake_reads_the_corpus_better_than_the_email_package_on_every_measure() -> None:
    ours, theirs = score(read_intake), score(read_email_package)
    print("\n" + table(ours, theirs))
    for measure in MEASURES:
        assert ours[measure][0] >= theirs[measure][0], (measure, ours, theirs)
    assert _row(ours, "overall")[0] > _row(theirs, "overall")[0]


@pytest.mark.parametrize("suite", SUITES)
def test_intake_reads_each_other_parsers_suite_at_least_as_well(suite: str) -> None:
    paths = {PUBLIC / name for name in suite_truths(suite)}
    ours, theirs = score(read_intake, paths), score(read_email_package, paths)
    print(f"\n{suite}\n" + table(ours, theirs))
    for measure in MEASURES:
        assert ours[measure][0] >= theirs[measure][0], (measure, ours, theirs)


if __name__ == "__main__":
    import django

    django.setup()
    print(table(score(read_intake), score(read_email_package)))
    for suite in SUITES:
        paths = {PUBLIC / name for name in suite_truths(suite)}
        print(f"\n{suite}\n" + table(score(read_intake, paths), score(read_email_package, paths)))
