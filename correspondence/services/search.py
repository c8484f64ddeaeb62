"""The search document of a case: PostgreSQL full-text, filled in the case's own transaction.

On SQLite (the demo) there is no search vector; searches fall back to plain matching.
"""

from collections.abc import Iterable, Mapping

from django.db import connection

from correspondence.models import CasePage

MAX_TEXT = 20_000
_TABLE = CasePage._meta.db_table


def case_search_add(*, case_id: int, texts: Iterable[str]) -> None:
    """Adds words to the case's search document (the subject, a message's text…)."""
    cases_search_add(texts_of={case_id: texts})


def cases_search_add(*, texts_of: Mapping[int, Iterable[str]]) -> None:
    """Adds words to the search document of each case, in one UPDATE for all of them."""
    if connection.vendor != "postgresql" or not texts_of:
        return
    ids = list(texts_of)
    documents = [
        " ".join(t for t in texts_of[case_id] if t)[:MAX_TEXT].replace("\x00", "")
        for case_id in ids
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} AS c SET search_vector = "
            "coalesce(c.search_vector, ''::tsvector) || to_tsvector('simple', d.document) "
            "FROM unnest(%s::integer[], %s::text[]) AS d(case_id, document) "
            "WHERE c.page_ptr_id = d.case_id",
            [ids, documents],
        )


def cases_search_init(*, case_ids: list[int]) -> None:
    """Fills the search document of freshly created cases from their own columns."""
    if connection.vendor != "postgresql" or not case_ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET search_vector = to_tsvector('simple', "
            "number || ' ' || subject || ' ' || customer_name || ' ' || customer_email) "
            "WHERE page_ptr_id = ANY(%s)",
            [case_ids],
        )
