"""Mailbox secrets: read from an environment variable, or decrypted from the database."""

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

from correspondence.errors import SecretUnavailable


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
    """Returns the secret; raises SecretUnavailable with a clear reason when it cannot."""
    if env_name:
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
