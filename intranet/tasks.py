"""Periodic work of the intranet, as thin Celery tasks."""

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from intranet.presence import presences_idle_away


@shared_task(name="intranet.tasks.presences_idle_away_task")
def presences_idle_away_task() -> int:
    """Sets away whoever has been idle longer than CORRISPONDENZA_IDLE_AWAY_MINUTES."""
    minutes = getattr(settings, "CORRISPONDENZA_IDLE_AWAY_MINUTES", 15)
    return presences_idle_away(now=timezone.now(), minutes=minutes)
