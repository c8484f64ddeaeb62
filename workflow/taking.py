"""Take next: the oldest untaken case of the operator's highest-priority pool that has one.

Concurrency is settled by PostgreSQL: the candidate row is locked with
FOR UPDATE SKIP LOCKED, so two operators pressing the button at once get two
different cases and nobody waits on a row someone else is taking.
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.models import CasePage, PoolMembership, State
from workflow.permissions import WORK, pools_for


def _membership_order(user: Any) -> list[tuple[int, bool]]:
    """(pool id, urgency first?) of the pools the user works in, by priority."""
    allowed = pools_for(user, WORK).values("pk")
    return list(
        PoolMembership.objects.filter(user=user, pool__in=allowed)
        .order_by("priority", "pool_id")
        .values_list("pool_id", "pool__urgency_first")
    )


def _claim_in_pool(pool_id: int, urgency_first: bool) -> int | None:
    order = ["-urgency"] if urgency_first else []
    candidates = (
        CasePage.objects.filter(pool_id=pool_id, state=State.NEW, assignee__isnull=True)
        .order_by(*order, "received_at", "pk")
        .select_for_update(skip_locked=True, of=("self",))
        .values_list("pk", flat=True)
    )
    return next(iter(candidates[:1]), None)


@transaction.atomic
def case_take_next(*, user: Any) -> CasePage | None:
    """Hands the user the next case and marks it taken; None when every pool is empty."""
    for pool_id, urgency_first in _membership_order(user):
        case_id = _claim_in_pool(pool_id, urgency_first)
        if case_id is None:
            continue
        now = timezone.now()
        CasePage.objects.filter(pk=case_id).update(
            state=State.TAKEN, assignee=user, taken_at=now, touched_at=now
        )
        case = CasePage.objects.get(pk=case_id)
        # The hot path of the product: the same entry `log()` makes, inserted without the
        # validation queries its save() runs (the action is registered, the ids exist).
        PageLogEntry.objects.bulk_create(
            [
                PageLogEntry(
                    content_type=ContentType.objects.get_for_model(CasePage),
                    label=case.title,
                    action="correspondence.case.take",
                    page_id=case.pk,
                    user_id=user.pk,
                    data={"by": "take_next"},
                    timestamp=now,
                )
            ]
        )
        return case
    return None
