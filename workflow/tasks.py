"""Periodic work of the workflow, as thin Celery tasks."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from correspondence.errors import CaseActionDenied
from correspondence.models import ServiceLevelPolicy
from correspondence.services.deadlines import cases_deadlines_recompute
from workflow.consultation import consultations_remind
from workflow.escalation import escalations_run
from workflow.lifecycle import case_release
from workflow.selectors import cases_untouched


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


@shared_task(name="workflow.tasks.consultations_remind_task")
def consultations_remind_task() -> int:
    """Reminds the departments late with an answer, once per interval up to the maximum."""
    return consultations_remind(now=timezone.now())


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
