"""Our settings for the benchmark: the test settings, quiet logs."""

import os

from intranet.settings.test import *  # noqa: F403

MEDIA_ROOT = os.environ.get("BENCH_MEDIA_ROOT", "/tmp/corrispondenza-bench/media")
CELERY_BROKER_URL = "memory://"
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
