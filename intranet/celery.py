"""The Celery app: intake, outbox, periodic and reports queues, JSON only, settings from Django."""

import os

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "intranet.settings.dev")

app = Celery("intranet")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.task_queues = (Queue("intake"), Queue("outbox"), Queue("periodic"), Queue("reports"))
app.autodiscover_tasks()
