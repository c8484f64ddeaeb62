"""Immutable, content-addressed file storage for raw messages and attachments."""

import hashlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def content_store(*, prefix: str, content: bytes, suffix: str = "") -> tuple[str, str]:
    """Stores the bytes once under their hash; returns (storage name, sha256).

    Storing the same bytes again is harmless: the existing file is kept, never rewritten.
    """
    sha = sha256_of(content)
    name = f"{prefix}/{sha[:2]}/{sha[2:4]}/{sha}{suffix}"
    if not default_storage.exists(name):
        saved = default_storage.save(name, ContentFile(content))
        if saved != name:
            # A concurrent writer stored the same bytes first; ours is a duplicate.
            default_storage.delete(saved)
    return name, sha


def db_text(value: str) -> str:
    """The text without NUL characters, which PostgreSQL cannot store and mail may carry."""
    return value.replace("\x00", "")
