"""Periodic work of the workflow, as thin Celery tasks."""

from datetime import datetime, timedelta

from celery import shared_task
from django.conf import settings
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from correspondence.errors import CaseActionDenied
from correspondence.models import CasePage, State
from workflow.escalation import escalations_run
from workflow.lifecycle import case_release
from workflow.models import ServiceLevelPolicy
from workflow.sla import cases_deadlines_recompute


def cases_untouched(*, now: datetime, minutes: int) -> list[int]:
    """Ids of taken cases nobody has worked on for `minutes` (anti-hoarding)."""
    limit = now - timedelta(minutes=minutes)
    return list(
        CasePage.objects.filter(state=State.TAKEN)
        .annotate(last=Coalesce("touched_at", "taken_at"))
        .filter(Q(last__lt=limit) | Q(last__isnull=True))
        .values_list("pk", flat=True)
    )


@shared_task(name="workflow.tasks.cases_release_untouched_task")
def cases_release_untouched_task() -> int:
    """Returns hoarded cases to their pools; the release is logged for the team leader."""
    minutes = getattr(settings, "CORRISPONDENZA_HOARDING_MINUTES", 240)
    released = 0
    for case_id in cases_untouched(now=timezone.now(), minutes=minutes):
        try:
            case_release(case_id=case_id, user=None, reason="untouched")
        except CaseActionDenied:
            continue  # it moved on meanwhile: closed, consulted or released by hand
        released += 1
    return released


@shared_task(name="workflow.tasks.policy_cases_recompute_task")
def policy_cases_recompute_task(policy_id: int) -> int:
    """Recomputes the due times of the open cases a changed policy may concern."""
    policy = ServiceLevelPolicy.objects.filter(pk=policy_id).first()
    return cases_deadlines_recompute(policy=policy) if policy else 0


@shared_task(name="workflow.tasks.escalations_run_task")
def escalations_run_task() -> int:
    """Escalates the cases whose warning or deadline has come (each once, however many
    workers run this at the same time)."""
    return escalations_run()
