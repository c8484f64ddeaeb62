"""Production settings refuse to start half-configured and pass Django's deploy check."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "intranet.settings.production",
    "DJANGO_SECRET_KEY": "a-long-random-secret-key-for-the-deploy-check-0123456789abcdefgh",
    "DJANGO_ALLOWED_HOSTS": "corrispondenza.example.it",
    "DATABASE_URL": "postgres://u:p@127.0.0.1:5433/corrispondenza",
    "CELERY_BROKER_URL": "redis://127.0.0.1:6380/0",
    "CORRISPONDENZA_SECRETS_KEY": Fernet.generate_key().decode(),
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION_ENV and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    "missing",
    ["DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "CORRISPONDENZA_SECRETS_KEY"],
)
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != missing}
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert f"need the environment variable {missing}" in result.stderr


def test_production_refuses_demo_users() -> None:
    result = _manage("seed_demo", env=PRODUCTION_ENV)
    assert result.returncode != 0
    assert "do not allow demo users" in result.stderr


@pytest.mark.parametrize(("debug", "expected"), [(None, "False"), ("1", "True")])
def test_the_demo_runs_without_debug_unless_a_developer_asks(
    debug: str | None, expected: str, tmp_path: object
) -> None:
    env = {
        "DJANGO_SETTINGS_MODULE": "intranet.settings.dev",
        "CORRISPONDENZA_DATA_DIR": str(tmp_path),
        "PORT": "8123",
    }
    if debug:
        env["DJANGO_DEBUG"] = debug
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.WAGTAILADMIN_BASE_URL, s.WHITENOISE_USE_FINDERS)"
    )
    clean = {k: v for k, v in os.environ.items() if k not in ("DJANGO_DEBUG", "DATABASE_URL")}
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "--no-imports", "-c", code],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.split() == [expected, "http://127.0.0.1:8123", "True"], result.stderr
