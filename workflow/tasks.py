"""Periodic work of the workflow, as thin Celery tasks."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from correspondence.errors import CaseActionDenied
from workflow.consultation import consultations_remind
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
