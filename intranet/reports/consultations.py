"""Consultations as reports see them, read from the consultation model (workflow).

``consultation_send`` records each consultation with its sent, due and answered times and
sets the case's ``had_consultation`` flag in the same transaction; the reports read those
two and nothing of the audit log.
"""

from datetime import datetime
from typing import Any

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q

from intranet.reports.scope import Scope
from workflow.models import Consultation


def consulted_q() -> Q:
    """Cases that were sent for consultation at least once (to filter cases)."""
    return Q(had_consultation=True)


def consultations_answered(*, scope: Scope, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Answers recorded in [start, end) on the scope's cases, counted per pool and operator
    of the case and on time (answered at or before the consultation's due time) or not:
    rows of pool_id, assignee_id, on_time, n."""
    on_time = ExpressionWrapper(Q(answered_at__lte=F("due_at")), output_field=BooleanField())
    return list(
        Consultation.objects.filter(
            scope.cases_q("case__"), answered_at__gte=start, answered_at__lt=end
        )
        .order_by()
        .values(pool_id=F("case__pool_id"), assignee_id=F("case__assignee_id"))
        .annotate(on_time=on_time, n=Count("pk"))
        .values("pool_id", "assignee_id", "on_time", "n")
    )
