"""Tests: PostgreSQL from DATABASE_URL (started by .ci/test), fast hashing, eager nothing."""

import os
import tempfile

from intranet.settings.base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-not-secret-" + "x" * 40
ALLOWED_HOSTS = ["*"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CELERY_BROKER_URL = os.environ.get("REDIS_URL", "memory://")
CELERY_TASK_ALWAYS_EAGER = False
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Processes a test starts (workers, watchers) share its media folder through this variable.
MEDIA_ROOT = os.environ.get("CORRISPONDENZA_TEST_MEDIA_ROOT") or tempfile.mkdtemp(
    prefix="corrispondenza-test-media-"
)
# Tests assert the English source texts; tests/intranet/test_languages.py checks the others.
LANGUAGE_CODE = "en"
# Django's test client logs in without a request, which django-axes refuses; the
# throttling tests (tests/intranet/test_login_security.py) switch it back on.
AXES_ENABLED = False
# A test's data is not committed, so other connections cannot see it: reports read on the
# test's own connection; tests/intranet/reports/test_parallel.py commits its data and
# checks the parallel reading gives the same report.
CORRISPONDENZA_REPORT_CONNECTIONS = 1
