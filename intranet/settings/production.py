"""Production: PostgreSQL, Redis, gunicorn; refuses to start without its required settings."""

import os

from django.core.exceptions import ImproperlyConfigured

from intranet.settings.base import *  # noqa: F403


def _required(name: str) -> str:
    value = os.environ.get(name, "")
    if not value:
        raise ImproperlyConfigured(f"Production settings need the environment variable {name}.")
    return value


SECRET_KEY = _required("DJANGO_SECRET_KEY")
ALLOWED_HOSTS = _required("DJANGO_ALLOWED_HOSTS").split(",")
_required("DATABASE_URL")
CORRISPONDENZA_SECRETS_KEY = _required("CORRISPONDENZA_SECRETS_KEY")
CELERY_BROKER_URL = _required("CELERY_BROKER_URL")
DEBUG = False
# Shared by every process: alert bookkeeping, sessions' cache-backed bits, throttles.
CACHES = {
    "default": {
        # Redis down is a cache miss there, not an error page (intranet/cache.py).
        "BACKEND": "intranet.cache.TolerantRedisCache",
        "LOCATION": os.environ.get("CACHE_URL", CELERY_BROKER_URL),
    }
}

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = os.environ.get("DJANGO_SECURE_SSL_REDIRECT", "1") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("DJANGO_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
# With stored files on a host of their own, the (HttpOnly) session cookie must reach it:
# e.g. ".corrispondenza.example". The CSRF cookie stays on the main host.
SESSION_COOKIE_DOMAIN = os.environ.get("DJANGO_SESSION_COOKIE_DOMAIN") or None
CSRF_COOKIE_SECURE = True
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
# Demo users with known passwords must never exist in production.
CORRISPONDENZA_ALLOW_DEMO = False
