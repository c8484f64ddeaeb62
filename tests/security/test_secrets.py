"""Issue 11, hole 2: an editor cannot make the worker read a server secret."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from correspondence.errors import SecretUnavailable
from correspondence.models import Mailbox


def test_the_model_refuses_a_variable_without_the_prefix(folder_mailbox: Mailbox) -> None:
    for name in ("DJANGO_SECRET_KEY", "DATABASE_URL", "CORRISPONDENZA_SECRETS_KEY"):
        folder_mailbox.imap_secret_env = name
        with pytest.raises(ValidationError, match="CORRISPONDENZA_MAILBOX_"):
            folder_mailbox.full_clean()
        folder_mailbox.imap_secret_env = ""
        folder_mailbox.smtp_secret_env = name
        with pytest.raises(ValidationError):
            folder_mailbox.full_clean()
        folder_mailbox.smtp_secret_env = ""
    folder_mailbox.imap_secret_env = "CORRISPONDENZA_MAILBOX_SINISTRI"
    folder_mailbox.full_clean()


def test_the_reading_code_refuses_it_too(
    folder_mailbox: Mailbox, monkeypatch: pytest.MonkeyPatch, settings: object
) -> None:
    monkeypatch.setenv("DJANGO_SECRET_KEY", "the-server-secret")
    Mailbox.objects.filter(pk=folder_mailbox.pk).update(imap_secret_env="DJANGO_SECRET_KEY")
    folder_mailbox.refresh_from_db()
    with pytest.raises(SecretUnavailable, match="may not hold a mailbox secret"):
        folder_mailbox.imap_password()
    monkeypatch.setenv("CORRISPONDENZA_MAILBOX_SINISTRI", "imap-pw")
    folder_mailbox.imap_secret_env = "CORRISPONDENZA_MAILBOX_SINISTRI"
    assert folder_mailbox.imap_password() == "imap-pw"
    settings.CORRISPONDENZA_MAILBOX_ENV_PREFIX = "ACME_MAIL_"  # type: ignore[attr-defined]
    with pytest.raises(SecretUnavailable):
        folder_mailbox.imap_password()


def test_a_password_typed_in_the_admin_is_encrypted_and_never_shown_back(
    folder_mailbox: Mailbox, editor: object
) -> None:
    client = Client()
    client.force_login(editor)  # type: ignore[arg-type]
    url = f"/admin/snippets/correspondence/mailbox/edit/{folder_mailbox.pk}/"
    form = client.get(url)
    assert form.status_code == 200
    data = {
        k: v
        for k, v in Mailbox.objects.filter(pk=folder_mailbox.pk)
        .values(
            "name",
            "slug",
            "kind",
            "protocol",
            "address",
            "directory",
            "imap_port",
            "imap_security",
            "imap_folder",
            "after_processing",
            "start_from",
            "smtp_port",
            "smtp_security",
            "auto_reply",
            "auto_reply_daily_limit",
        )
        .first()
        .items()
    }
    data.update(pool=folder_mailbox.pool_id, active="on", imap_password="s3cret-typed")
    refused = client.post(url, {**data, "imap_secret_env": "DJANGO_SECRET_KEY"})
    assert refused.status_code == 200 and "CORRISPONDENZA_MAILBOX_" in refused.content.decode()
    data["imap_password"] = "s3cret-typed"
    saved = client.post(url, data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    folder_mailbox.refresh_from_db()
    assert (
        folder_mailbox.imap_secret_encrypted
        and "s3cret" not in folder_mailbox.imap_secret_encrypted
    )
    assert folder_mailbox.imap_password() == "s3cret-typed"
    again = client.get(url).content.decode()
    assert "s3cret-typed" not in again and folder_mailbox.imap_secret_encrypted not in again
    assert "A password is stored" in again
    # An empty field keeps the stored password.
    assert client.post(url, {**data, "imap_password": ""}).status_code == 302
    folder_mailbox.refresh_from_db()
    assert folder_mailbox.imap_password() == "s3cret-typed"
