"""The mailbox form of the Wagtail admin: passwords are typed, encrypted and never shown back."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms import WagtailAdminModelForm

from correspondence import secrets

# (form field, environment variable field, encrypted field) of each mailbox secret.
SECRET_FIELDS = (
    ("imap_password", "imap_secret_env", "imap_secret_encrypted"),
    ("smtp_password", "smtp_secret_env", "smtp_secret_encrypted"),
)


def _password_field(label: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Stored encrypted and never shown again. Leave empty to keep it as it is."),
    )


class MailboxAdminForm(WagtailAdminModelForm):
    """Write-only passwords: a typed one is encrypted into the mailbox; an empty field keeps
    what is stored; the form never renders a stored value."""

    imap_password = _password_field(_("IMAP password"))
    smtp_password = _password_field(_("SMTP password"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for form_field, _env, encrypted in SECRET_FIELDS:
            if form_field in self.fields and getattr(self.instance, encrypted, ""):
                self.fields[form_field].help_text = _(
                    "A password is stored (encrypted, not shown). Type a new one to replace it."
                )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean()
        for form_field, env_field, encrypted in SECRET_FIELDS:
            typed = cleaned.get(form_field)
            if not typed:
                continue
            if cleaned.get(env_field):
                self.add_error(
                    form_field,
                    _("Give either a password or the name of a variable, not both."),
                )
                continue
            setattr(self.instance, encrypted, secrets.secret_encrypt(typed))
        return cleaned
