"""The Corrispondenza project: settings, URLs, the Celery app and the staff site."""

from intranet.celery import app as celery_app

__all__ = ["celery_app"]
