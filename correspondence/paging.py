"""Pages of a case listing: no count, and "next" and "previous" by keyset, not by OFFSET.

An OFFSET page reads and throws away every row before it (page 100 of a pool of a million
cases: ~90 ms; page 1,000: half a second). The pager's links carry the sort key of the
row at the page's edge instead, so any page costs what the first one does. A page asked
for by number alone (an old link) still works, by OFFSET.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

PAGE_SIZE = 50
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# Sort keys that are never empty; a list sorted by due date (often empty) pages by OFFSET.
KEYSET_FIELDS = ("received_at", "number")


@dataclass
class ListingPage:
    """One page of a listing, without counting the whole result (a count at a million
    rows costs more than the page itself)."""

    object_list: list[Any]
    number: int
    has_next: bool
    next_cursor: str = ""  # the last row's key, for the next page's link
    previous_cursor: str = ""  # the first row's key, for the previous page's link

    def __iter__(self) -> Iterator[Any]:
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def cursor_make(value: Any, pk: int) -> str:
    if isinstance(value, datetime):
        value = (value - EPOCH) // timedelta(microseconds=1)
    return f"{value}.{pk}"


def cursor_parse(text: str | None, field: str) -> tuple[Any, int] | None:
    """The (sort value, pk) of a cursor; None for a missing or malformed one."""
    value, _, pk = (text or "").rpartition(".")
    if not value or not pk.isdigit():
        return None
    if field.endswith("_at"):
        if not value.lstrip("-").isdigit():
            return None
        return EPOCH + timedelta(microseconds=int(value)), int(pk)
    return value, int(pk)


def _order(cases: QuerySet) -> tuple[str, bool]:
    """The sort field of a listing ordered by (field, -pk), and whether it descends."""
    first = str(cases.query.order_by[0])
    return first.lstrip("-"), first.startswith("-")


def _beyond(field: str, descending: bool, key: tuple[Any, int], forward: bool) -> Q:
    """Rows after (forward) or before the key in the order (field, -pk). The redundant
    bound on the field alone lets the index scan start at the key."""
    value, pk = key
    smaller = descending == forward
    bound = Q(**{f"{field}__{'lte' if smaller else 'gte'}": value})
    strictly = Q(**{f"{field}__{'lt' if smaller else 'gt'}": value})
    tie = Q(**{field: value, f"pk__{'lt' if forward else 'gt'}": pk})
    return bound & (strictly | tie)


def _number(page: str | None) -> int:
    return int(page) if page and page.isdigit() and int(page) > 0 else 1


def page_values(
    cases: QuerySet, params: Mapping[str, str], fields: tuple[str, ...]
) -> tuple[list[dict[str, Any]], ListingPage]:
    """The rows (``values(*fields)``) of the asked page and the page without its rows yet.

    ``cases`` must be ordered by (field, -pk); ``fields`` must hold the sort field.
    """
    number = _number(params.get("page"))
    field, descending = _order(cases)
    after = cursor_parse(params.get("after"), field) if field in KEYSET_FIELDS else None
    before = cursor_parse(params.get("before"), field) if field in KEYSET_FIELDS else None
    if before and not after:
        backwards = cases.filter(_beyond(field, descending, before, forward=False)).order_by(
            f"{'' if descending else '-'}{field}", "pk"
        )
        values = list(backwards.values(*fields)[:PAGE_SIZE])[::-1]
        has_next = True
    else:
        if after:
            cases, start = cases.filter(_beyond(field, descending, after, forward=True)), 0
        else:
            start = (number - 1) * PAGE_SIZE
        fetched = list(cases.values(*fields)[start : start + PAGE_SIZE + 1])
        values, has_next = fetched[:PAGE_SIZE], len(fetched) > PAGE_SIZE
    page = ListingPage([], number, has_next)
    if values and field in KEYSET_FIELDS:
        page.next_cursor = cursor_make(values[-1][field], values[-1]["pk"])
        page.previous_cursor = cursor_make(values[0][field], values[0]["pk"])
    return values, page
