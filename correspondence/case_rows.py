"""The lines of a case listing, worked out once per page instead of once per template tag.

A listing of fifty cases rendered from model instances spent most of its time in the
template: a Site lookup per ``{% pageurl %}``, the state's label translated anew on every
row, a model with forty fields built for eight columns. Here a row is made from the few
columns shown, with its link, dates and labels already done; the template only prints.
"""

import re
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.text import Truncator

from correspondence.models import PoolPage, State
from workflow.deadlines import lateness

# What a row needs, for QuerySet.values(): nothing else is read.
ROW_FIELDS = (
    "pk",
    "number",
    "url_path",
    "pool_id",
    "subject",
    "customer_name",
    "customer_email",
    "received_at",
    "due_at",
    "deadline_at",
    "warning_at",
    "state",
    "worked_at",
    "colleagues_asked_at",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)
SUBJECT_LENGTH = 80
FORMAT_LETTER = re.compile(r"(?<!\\)([a-zA-Z])")  # as django.utils.dateformat reads them
# Letters of Django's date format that depend on the day alone.
DAY_LETTERS = frozenset("bdDEFjlLmMnNoStwWyYz")
SUB_MINUTE_LETTERS = frozenset("crsuU")  # seconds, microseconds, timestamps


@dataclass(frozen=True)
class CaseRow:
    """One line of a case table, every cell already a string."""

    pk: int
    number: str
    url: str
    pool: str
    subject: str
    customer: str
    received: str
    due: str
    state: str
    state_label: str
    assignee: str  # empty when nobody holds the case
    worked: bool = False  # marked as worked (LAVORATO)
    colleagues: bool = False  # waiting for colleagues' answers (workflow.colleagues)
    lateness: str = ""  # "overdue", "soon" (about to be late) or ""
    deadline: str = ""  # the next deadline pending, for the mark's text


@dataclass(frozen=True)
class PoolLink:
    """Where a pool's pages live: its title, its tree path and its URL."""

    title: str
    url_path: str
    url: str


def pool_link(pool: PoolPage) -> PoolLink:
    return PoolLink(pool.title, pool.url_path, pool.get_url() or "")


def page_url(pool: PoolLink, url_path: str) -> str:
    """The URL of a page under the pool, as ``{% pageurl %}`` gives it, without a Site lookup.

    A case lives under its pool in the tree, so its URL is the pool's URL followed by the
    rest of its tree path.
    """
    if not pool.url or not url_path.startswith(pool.url_path):
        return ""
    tail = url_path[len(pool.url_path) :]
    if pool.url.endswith("/"):
        return pool.url + tail
    # WAGTAIL_APPEND_SLASH off: URLs carry no trailing slash.
    return (pool.url + "/" + tail).rstrip("/")


def _cache_key(fmt: str) -> Callable[[datetime], Hashable] | None:
    """What a formatted date depends on, when less than the whole value: the day, or the
    minute (with the offset, for the hour repeated when clocks go back)."""
    letters = set(FORMAT_LETTER.findall(fmt))
    if letters <= DAY_LETTERS:
        return lambda local: local.date()
    if not letters & SUB_MINUTE_LETTERS:
        return lambda local: (local.replace(second=0, microsecond=0), local.utcoffset())
    return None


def when_formatter(fmt: str) -> Callable[[datetime | None], str]:
    """Formats as the |date filter does (in the current time zone, nothing for no date),
    once per day or minute of the page when the format reads nothing finer."""
    key_of, zone = _cache_key(fmt), timezone.get_current_timezone()
    done: dict[Hashable, str] = {}

    def when(value: datetime | None) -> str:
        if not value:
            return ""
        local = value.astimezone(zone) if timezone.is_aware(value) else value
        if key_of is None:
            return dateformat.format(local, fmt)
        key = key_of(local)
        if key not in done:
            done[key] = dateformat.format(local, fmt)
        return done[key]

    return when


def _subject(text: str) -> str:
    # As |truncatechars, which translates its ellipsis on every call: most subjects fit.
    text = unicodedata.normalize("NFC", text)
    return text if len(text) <= SUBJECT_LENGTH else Truncator(text).chars(SUBJECT_LENGTH)


def _assignee(row: Mapping[str, Any]) -> str:
    if row["assignee__username"] is None:
        return ""
    full = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
    return full or row["assignee__username"]


def case_rows(values: Iterable[Mapping[str, Any]], pools: Mapping[int, PoolLink]) -> list[CaseRow]:
    """Rows from ``values(*ROW_FIELDS)``, formatted in the active language and time zone.

    ``pools`` maps every pool id of the rows to its link.
    """
    labels = {value: str(label) for value, label in State.choices}
    now = timezone.now()
    received = when_formatter(get_format("SHORT_DATETIME_FORMAT"))
    due = when_formatter(get_format("SHORT_DATE_FORMAT"))
    rows = []
    for row in values:
        pool = pools[row["pool_id"]]
        rows.append(
            CaseRow(
                pk=row["pk"],
                number=row["number"],
                url=page_url(pool, row["url_path"]),
                pool=pool.title,
                subject=_subject(row["subject"]),
                customer=row["customer_name"] or row["customer_email"],
                received=received(row["received_at"]),
                due=due(row["due_at"]),
                state=row["state"],
                state_label=labels.get(row["state"], row["state"]),
                assignee=_assignee(row),
                worked=row["worked_at"] is not None,
                colleagues=row["colleagues_asked_at"] is not None and row["state"] != State.CLOSED,
                lateness=lateness(now=now, due=row["deadline_at"], warning=row["warning_at"]),
                deadline=received(row["deadline_at"]),
            )
        )
    return rows
