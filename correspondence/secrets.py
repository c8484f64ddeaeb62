"""Mailbox secrets: read from an environment variable, or decrypted from the database.

Only variables whose names carry the configured prefix (setting
CORRISPONDENZA_MAILBOX_ENV_PREFIX, by default ``CORRISPONDENZA_MAILBOX_``) can hold a
mailbox secret: an editor who may type a variable's name must never be able to name
DJANGO_SECRET_KEY, DATABASE_URL or any other secret of the server and have the worker
send it to a mail server of their choosing.
"""

import base64
import hashlib
import os
import re

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from correspondence.errors import SecretUnavailable

_VARIABLE_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")


def env_prefix() -> str:
    """The prefix every mailbox secret variable's name must start with."""
    return str(settings.CORRISPONDENZA_MAILBOX_ENV_PREFIX)


def env_name_problem(name: str) -> str | None:
    """Why this variable may not hold a mailbox secret, or None when it may."""
    prefix = env_prefix()
    if not prefix or not name.startswith(prefix) or len(name) == len(prefix):
        return f"the variable's name must start with {prefix} and go on after it"
    if not _VARIABLE_NAME.match(name):
        return "the variable's name may hold only capital letters, digits and _"
    return None


def _fernet() -> Fernet:
    key = settings.CORRISPONDENZA_SECRETS_KEY
    if not key:
        # Development only: production settings refuse to start without the key.
        key = base64.urlsafe_b64encode(hashlib.sha256(settings.SECRET_KEY.encode()).digest())
    return Fernet(key)


def secret_encrypt(value: str) -> str:
    """Returns the value encrypted with the deployment's secrets key."""
    return _fernet().encrypt(value.encode()).decode()


def secret_read(*, env_name: str, encrypted: str) -> str:
    """Returns the secret; raises SecretUnavailable with a clear reason when it cannot,
    among them a variable whose name lacks the prefix (see env_name_problem)."""
    if env_name:
        problem = env_name_problem(env_name)
        if problem:
            raise SecretUnavailable(f"{env_name} may not hold a mailbox secret: {problem}")
        value = os.environ.get(env_name)
        if value is None:
            raise SecretUnavailable(f"the environment variable {env_name} is not set")
        return value
    if not encrypted:
        return ""
    try:
        return _fernet().decrypt(encrypted.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnavailable("the stored secret cannot be decrypted with this key") from exc
