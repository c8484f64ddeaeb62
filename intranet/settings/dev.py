"""Local development and the one-command demo: SQLite and a broker that needs no server."""

import os

from intranet.settings.base import *  # noqa: F403
from intranet.settings.base import DATA_DIR

# The demo shows the product as it runs in production: its own error pages, static files
# through WhiteNoise. DJANGO_DEBUG=1 brings Django's debug pages back for developers.
DEBUG = os.environ.get("DJANGO_DEBUG", "0") == "1"
# Static files straight from the apps' folders: no collectstatic before the demo starts.
WHITENOISE_USE_FINDERS = True
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "dev-only-not-secret-" + "x" * 40)
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Links in the admin's notification mails point at the port the demo serves on.
WAGTAILADMIN_BASE_URL = os.environ.get(
    "WAGTAILADMIN_BASE_URL", f"http://127.0.0.1:{os.environ.get('PORT', '8000')}"
)

# The filesystem transport lets real worker and beat processes exchange tasks
# through a folder: no Redis needed for the demo.
_BROKER_DIR = DATA_DIR / "broker"
# Every command (the demo's processes, ingest_eml on a fresh checkout) finds the folders
# the broker writes to; kombu's filesystem transport does not create them.
for _folder in ("out", "processed", "control"):
    (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "data_folder_in": str(_BROKER_DIR / "out"),
    "data_folder_out": str(_BROKER_DIR / "out"),
    "processed_folder": str(_BROKER_DIR / "processed"),
    "control_folder": str(_BROKER_DIR / "control"),
    "store_processed": False,
}
EMAIL_BACKEND = os.environ.get(
    "DJANGO_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = str(DATA_DIR / "sent-mail")
