"""The search document of a case, filled in the case's own transaction.

PostgreSQL: a full-text vector (``to_tsvector('simple', …)``) with a GIN index. SQLite (the
demo) has no such type: the same column holds the document's distinct words, lower-cased
and separated by spaces, which ``words_filter`` matches by prefix as PostgreSQL's
``word:*`` does. Both are chosen by the connection's vendor.
"""

import re
from collections.abc import Iterable, Mapping

from django.contrib.postgres.search import SearchQuery
from django.db import connection
from django.db.models import Q

from correspondence.models import CasePage

MAX_TEXT = 20_000
_TABLE = CasePage._meta.db_table
WORD = re.compile(r"\w+")


def case_search_add(*, case_id: int, texts: Iterable[str]) -> None:
    """Adds words to the case's search document (the subject, a message's text…)."""
    cases_search_add(texts_of={case_id: texts})


def _document(texts: Iterable[str]) -> str:
    return " ".join(t for t in texts if t)[:MAX_TEXT].replace("\x00", "")


def cases_search_add(*, texts_of: Mapping[int, Iterable[str]]) -> None:
    """Adds words to the search document of each case, in one UPDATE for all of them."""
    if not texts_of:
        return
    ids = list(texts_of)
    documents = [_document(texts_of[case_id]) for case_id in ids]
    if connection.vendor != "postgresql":
        _words_add(dict(zip(ids, documents, strict=True)))
        return
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
    if not case_ids:
        return
    if connection.vendor != "postgresql":
        columns = ("pk", "number", "subject", "customer_name", "customer_email")
        rows = CasePage.objects.filter(pk__in=case_ids).values_list(*columns)
        _words_add({pk: _document(texts) for pk, *texts in rows}, fresh=True)
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_TABLE} SET search_vector = to_tsvector('simple', "
            "number || ' ' || subject || ' ' || customer_name || ' ' || customer_email) "
            "WHERE page_ptr_id = ANY(%s)",
            [case_ids],
        )


def _words(text: str) -> list[str]:
    return WORD.findall(text.lower())


def _words_add(documents: Mapping[int, str], *, fresh: bool = False) -> None:
    """SQLite: merges each document's words into the case's word list (`` w1 w2 … ``)."""
    known: dict[int, str] = {}
    if not fresh:
        known = dict(
            CasePage.objects.filter(pk__in=list(documents)).values_list("pk", "search_vector")
        )
    rows = []
    for case_id, document in documents.items():
        words = dict.fromkeys(_words(known.get(case_id) or "") + _words(document))
        rows.append((f" {' '.join(words)} ", case_id))
    with connection.cursor() as cursor:
        cursor.executemany(f"UPDATE {_TABLE} SET search_vector = %s WHERE page_ptr_id = %s", rows)


def words_filter(words: list[str]) -> Q:
    """Cases whose search document holds a word starting with each of these words."""
    if connection.vendor == "postgresql":
        query = " & ".join(f"{w.lower()}:*" for w in words)
        return Q(search_vector=SearchQuery(query, search_type="raw", config="simple"))
    return Q(*(Q(search_vector__contains=f" {w.lower()}") for w in words))
