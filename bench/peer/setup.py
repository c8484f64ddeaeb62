"""Installs django-helpdesk in its own venv and writes the minimal project that runs it.

The venv and the project live under the harness's state directory, never in the repo.
"""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import config

VENV = config.STATE / "peer-venv"
PROJECT = config.STATE / "peer-project"
SIDE = Path(__file__).with_name("side.py")
STATS = Path(__file__).resolve().parent.parent / "stats.py"
# Its migrations need pinax-teams (the "teams" extra), as its own install guide says.
REQUIREMENTS = [f"django-helpdesk[teams]=={config.PEER_VERSION}", "psycopg[binary]"]

SETTINGS = """
import os
SECRET_KEY = "bench-peer-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["*"]
INSTALLED_APPS = [
    "django.contrib.admin", "django.contrib.auth", "django.contrib.contenttypes",
    "django.contrib.sessions", "django.contrib.messages", "django.contrib.staticfiles",
    "django.contrib.sites", "django.contrib.humanize", "rest_framework", "account",
    "pinax.invitations", "pinax.teams", "reversion", "helpdesk",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "peer_urls"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates", "DIRS": [], "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request", "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]
DATABASES = {"default": {
    "ENGINE": "django.db.backends.postgresql", "NAME": os.environ["BENCH_PEER_DB"],
    "USER": os.environ["BENCH_PG_USER"], "PASSWORD": os.environ["BENCH_PG_PASSWORD"],
    "HOST": os.environ["BENCH_PG_HOST"], "PORT": os.environ["BENCH_PG_PORT"],
}}
SITE_ID = 1
USE_TZ = True
TIME_ZONE = "Europe/Rome"
STATIC_URL = "/static/"
MEDIA_ROOT = os.environ.get("BENCH_PEER_MEDIA", "/tmp/corrispondenza-bench/peer-media")
LOGIN_URL = "/login/"
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "ERROR"}}
"""
URLS = """
from django.urls import include, path
urlpatterns = [path("helpdesk/", include("helpdesk.urls", namespace="helpdesk"))]
"""


def peer_install() -> None:
    """Creates the venv and installs the peer once (a stamp file records the version)."""
    stamp = VENV / ".bench-installed"
    if stamp.exists() and stamp.read_text() == json.dumps(REQUIREMENTS):
        return
    if VENV.exists():
        shutil.rmtree(VENV)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run(
        [str(VENV / "bin" / "python"), "-m", "pip", "install", "-q", *REQUIREMENTS], check=True
    )
    stamp.write_text(json.dumps(REQUIREMENTS))


def project_write() -> None:
    PROJECT.mkdir(parents=True, exist_ok=True)
    (PROJECT / "peer_settings.py").write_text(SETTINGS)
    (PROJECT / "peer_urls.py").write_text(URLS)
    shutil.copy(SIDE, PROJECT / "side.py")
    shutil.copy(STATS, PROJECT / "bench_stats.py")


def peer_version() -> str:
    out = subprocess.run(
        [
            str(VENV / "bin" / "python"),
            "-c",
            "import importlib.metadata as m; print(m.version('django-helpdesk'))",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def peer_env(database: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "PYTHON"))}
    env.update(
        DJANGO_SETTINGS_MODULE="peer_settings",
        PYTHONPATH=str(PROJECT),
        BENCH_PEER_DB=database,
        BENCH_PG_USER=config.PG_USER,
        BENCH_PG_PASSWORD=config.PG_PASSWORD,
        BENCH_PG_HOST=config.PG_HOST,
        BENCH_PG_PORT=str(config.PG_PORT),
        BENCH_IMAP_HOST=config.IMAP_HOST,
        BENCH_IMAP_PORT=str(config.IMAP_PORT),
        BENCH_IMAP_USER=config.PEER_IMAP_USER,
        BENCH_IMAP_PASSWORD=config.IMAP_PASSWORD,
    )
    return env


def peer_run(database: str, name: str, **args: Any) -> dict[str, Any]:
    """Runs one step of the peer's side in its venv; its JSON result."""
    from bench.process import json_run

    return json_run(
        [str(VENV / "bin" / "python"), str(PROJECT / "side.py"), name, json.dumps(args)],
        peer_env(database),
        cwd=PROJECT,
    )
