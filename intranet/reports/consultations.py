"""Consultations as reports see them: the one place that knows where they are recorded.

Main has no consultation model yet (the `approval` branch is building one, with sent,
due and answered times and an on-time flag per case). Until it lands, a consultation is
read from the case's audit log, the source of every report (DESIGN decision 2): the
entry that sends it and the entry that records the answer, whose data carries
``"on_time": true|false`` as the consultation service decides it; the case's
``had_consultation`` flag counts too. When the model lands, only these two functions change.
"""

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, OuterRef, Q, Subquery
from wagtail.models import PageLogEntry

from correspondence.models import CasePage
from intranet.reports.scope import Scope

CONSULT_SENT = "correspondence.case.consult"
CONSULT_ANSWERED = "correspondence.case.consultation_answered"


def consulted_q() -> Q:
    """Cases that were sent for consultation at least once (to filter cases)."""
    sent = PageLogEntry.objects.filter(action=CONSULT_SENT).values("page_id")
    return Q(had_consultation=True) | Q(pk__in=sent)


def consultations_answered(*, scope: Scope, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Answers recorded in [start, end) on the scope's cases, counted per pool and operator
    of the case and on time or not: rows of pool_id, assignee_id, on_time, n."""
    case = CasePage.objects.filter(pk=OuterRef("page_id")).order_by()
    cases = CasePage.objects.filter(scope.cases_q()).values("pk")
    return list(
        PageLogEntry.objects.filter(
            action=CONSULT_ANSWERED, timestamp__gte=start, timestamp__lt=end, page_id__in=cases
        )
        .annotate(
            pool_id=Subquery(case.values("pool_id")[:1]),
            assignee_id=Subquery(case.values("assignee_id")[:1]),
            on_time=ExpressionWrapper(Q(data__on_time=True), output_field=BooleanField()),
        )
        .order_by()
        .values("pool_id", "assignee_id", "on_time")
        .annotate(n=Count("pk"))
    )
