"""Texts editors write for mail we send: checked placeholders, drafts, history, preview.

An editor saves a draft, compares revisions and publishes on their own; only the
published (live) version is ever sent. Moderation is optional: assign a workflow to
the snippet type in Settings → Workflows and publishing waits for it.
"""

import base64
from datetime import date, datetime
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, translation
from django.utils.functional import lazy
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, HelpPanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    PreviewableMixin,
    RevisionMixin,
    WorkflowMixin,
)

from correspondence.outbox.compose import bodies_signed
from correspondence.outbox.placeholders import (
    PLACEHOLDERS,
    PLACEHOLDERS_OF_KIND,
    placeholders_fill,
    placeholders_of,
)
from correspondence.outbox.placeholders import placeholders_problems as _problems

# The admin's list of placeholders: their descriptions are translated where shown.
PLACEHOLDER_LABELS: dict[str, Any] = {
    "case_number": _("the case number, e.g. SIN-2026-000123"),
    "subject": _("the subject of the customer's message"),
    "customer_name": _("the customer's name as they wrote it"),
    "customer_email": _("the customer's address"),
    "operator_name": _("the name of the operator who answers"),
    "pool": _("the pool's name"),
    "deadline": _("the date by which the case is answered"),
    "received_at": _("when the message arrived"),
}
assert set(PLACEHOLDER_LABELS) == set(PLACEHOLDERS)
# Those of some kinds of text only (see PLACEHOLDERS_OF_KIND).
KIND_PLACEHOLDER_LABELS: dict[str, Any] = {
    "department": _("the department's name (consultations and reminders)"),
    "question": _("the question asked (consultations and reminders)"),
    "sent_at": _("when the consultation was sent (reminders)"),
    "event": _("what happened, in a sentence (notifications)"),
    "link": _("the address of the case in the intranet (notifications)"),
}
assert set(KIND_PLACEHOLDER_LABELS) == {n for k in PLACEHOLDERS_OF_KIND.values() for n in k}


def _placeholder_help() -> str:
    labels = {**PLACEHOLDER_LABELS, **KIND_PLACEHOLDER_LABELS}
    rows = format_html_join(
        "", "<li><code>{{{}}}</code> — {}</li>", ((k, v) for k, v in labels.items())
    )
    intro = gettext("You may write these placeholders; each is replaced when the mail is sent:")
    outro = gettext("Write {{ or }} for a brace. Anything else between braces is refused on save.")
    return f"<p>{intro}</p><ul>{rows}</ul><p>{outro}</p>"


placeholder_help = lazy(_placeholder_help, str)


def placeholders_validate(*, kind: str = "", **fields: str) -> None:
    """Raises ``ValidationError`` naming, per field, each placeholder unknown to a text of
    ``kind`` (see ``placeholders_of``) or stray brace."""
    errors: dict[str, list[str]] = {}
    for field, text in fields.items():
        for problem in _problems(text or "", kind):
            if problem.kind == "unknown":
                message = gettext(
                    "Unknown placeholder %(token)s (character %(position)s). Use one of: %(known)s."
                )
            else:
                message = gettext(
                    "A lone brace “%(token)s” at character %(position)s: write {{ or }} "
                    "for a brace, or close the placeholder."
                )
            known = ", ".join(f"{{{name}}}" for name in placeholders_of(kind))
            errors.setdefault(field, []).append(
                message % {"token": problem.token, "position": problem.position, "known": known}
            )
    if errors:
        raise ValidationError(errors)


def sample_values(language: str, operator_name: str = "") -> dict[str, str]:
    """The values of a made-up case, as a preview shows them, dates in ``language``."""
    with translation.override(language or settings.LANGUAGE_CODE):
        return {
            "case_number": "SIN-2026-000123",
            "subject": gettext("Claim for the damage of 3 March"),
            "customer_name": "Maria Rossi",
            "customer_email": "maria.rossi@example.com",
            "operator_name": operator_name or "Ola Nowak",
            "pool": "Sinistri",
            "deadline": formats.date_format(date(2026, 3, 10), "DATE_FORMAT"),
            "received_at": formats.date_format(datetime(2026, 3, 3, 9, 41), "DATETIME_FORMAT"),
            "department": gettext("Legal department"),
            "question": gettext("Is the damage covered by the policy?"),
            "sent_at": formats.date_format(datetime(2026, 3, 4, 10, 5), "DATETIME_FORMAT"),
            "event": gettext("Case %(number)s was assigned to you.")
            % {"number": "SIN-2026-000123"},
            "link": "https://intranet.example.com/sinistri/2026/03/sin-2026-000123/",
        }


class PreviewedText(PreviewableMixin):
    """The preview of a text: a sample case's mail with the previewing user's signature."""

    # Quick replies go inside an operator's answer, which carries the signature.
    signed = False

    def preview_texts(self) -> tuple[str, str]:
        """The (subject, body) templates the preview fills in."""
        raise NotImplementedError

    def get_preview_template(self, request: Any, mode_name: str) -> str:
        return "correspondence/admin/mail_text_preview.html"

    def get_preview_context(self, request: Any, mode_name: str) -> dict[str, Any]:
        context = super().get_preview_context(request, mode_name)
        user = getattr(request, "user", None)
        name = (user.get_full_name() or user.get_username()) if user else ""
        values = sample_values(getattr(self, "language", ""), name)
        profile = getattr(user, "profile", None)
        signature, signature_html = (
            profile.signature_parts() if profile and self.signed else ("", "")
        )
        image = None
        if profile is not None and self.signed and profile.signature_image:
            with profile.signature_image.open("rb") as handle:
                image = "data:image/jpeg;base64," + base64.b64encode(handle.read()).decode()
        subject, body = self.preview_texts()
        kind = getattr(self, "kind", "")
        text = placeholders_fill(body, values, kind)
        plain, html = bodies_signed(text, signature, "signature" if image else None, signature_html)
        context.update(
            subject=placeholders_fill(subject, values, kind),
            plain=plain,
            html=html.replace('src="cid:signature"', f'src="{image}"') if image else html,
        )
        return context


class MailText(
    WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, PreviewedText, models.Model
):
    """A text we send: an auto-reply, a consultation, a reminder or a notification.

    One row per variant: kind, pool (empty: every pool), for auto-replies optionally a
    mailbox (which overrides its pool's), and language. Only the live version is sent.
    """

    class Kind(models.TextChoices):
        AUTO_REPLY = "auto_reply", _("Auto-reply to a new case")
        CONSULTATION = "consultation", _("Consultation of a department")
        REMINDER = "reminder", _("Reminder to a department")
        NOTIFICATION = "notification", _("Notification to staff")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind, default=Kind.AUTO_REPLY)
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mail_texts",
        verbose_name=_("pool"),
        help_text=_("Empty: every pool that has no text of its own."),
    )
    mailbox = models.ForeignKey(
        "correspondence.Mailbox",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="mail_texts",
        verbose_name=_("mailbox"),
        help_text=_("Auto-replies only: this mailbox's own text instead of its pool's."),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        help_text=_("Customers who write in this language receive this variant."),
    )
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("text"))

    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="mail_text",
        for_concrete_model=False,
    )
    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="mail_text",
        for_concrete_model=False,
    )

    panels = [
        FieldRowPanel([FieldPanel("kind"), FieldPanel("language")]),
        FieldRowPanel(
            [FieldPanel("pool", widget=forms.Select), FieldPanel("mailbox", widget=forms.Select)]
        ),
        MultiFieldPanel([FieldPanel("subject"), FieldPanel("body")], heading=_("The mail")),
        HelpPanel(content=placeholder_help, heading=_("Placeholders")),
    ]

    class Meta:
        verbose_name = _("mail text")
        verbose_name_plural = _("mail texts")
        ordering = ["kind", "pool__title", "language"]
        indexes = [models.Index(fields=["kind", "language"], name="mail_text_kind_language")]

    def __str__(self) -> str:
        where = self.mailbox or self.pool or gettext("every pool")
        return f"{self.get_kind_display()} · {where} · {self.language}"

    def preview_texts(self) -> tuple[str, str]:
        return self.subject, self.body

    def clean(self) -> None:
        super().clean()
        placeholders_validate(kind=self.kind, subject=self.subject, body=self.body)
        if self.mailbox_id and self.kind != self.Kind.AUTO_REPLY:
            raise ValidationError(
                {"mailbox": gettext("Only auto-replies can belong to a mailbox.")}
            )
        twins = MailText.objects.filter(
            kind=self.kind, pool=self.pool_id, mailbox=self.mailbox_id, language=self.language
        ).exclude(pk=self.pk)
        if twins.exists():
            raise ValidationError(
                {"language": gettext("This text already exists in this language: edit that one.")}
            )
