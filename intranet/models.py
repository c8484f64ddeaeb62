"""The intranet home page and the staff's profiles."""

import html
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page
from wagtail.rich_text import expand_db_html

from correspondence.intake.decoding import html_to_text, sanitise_html
from intranet.pages import StaffOnlyPageMixin


class IntranetHomePage(StaffOnlyPageMixin, Page):
    """The staff's start page: their pools and their work."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["correspondence.PoolPage"]
    max_count = 1

    class Meta:
        verbose_name = _("intranet home page")


def jpeg_validate(value: Any) -> None:
    """Refuses a signature image that is not a JPEG (its first bytes say so)."""
    value.seek(0)
    head = value.read(3)
    value.seek(0)
    if head != b"\xff\xd8\xff":
        raise ValidationError(_("The signature image must be a JPG file."))


class NotificationKind(models.TextChoices):
    """What a member of staff may choose to be told of by e-mail (workflow.notifications)."""

    ASSIGNED = "assigned", _("New work assigned to me")
    CONSULTATION_ANSWERED = "consultation_answered", _("A consultation of mine was answered")
    REPLY_REJECTED = "reply_rejected", _("A reply of mine was rejected")
    REPLY_APPROVED = "reply_approved", _("A reply of mine was approved")
    APPROVAL_WAITING = "approval_waiting", _("A reply awaits my approval (team leaders)")
    CONSULTATION_REMINDER = (
        "consultation_reminder",
        _("A department was reminded of a late answer (team leaders)"),
    )
    ESCALATION = "escalation", _("A case escalated (team leaders)")


# Stored in ``UserProfile.notify_by_email`` for "every kind, those added later too".
NOTIFY_ALL = "all"


class UserProfile(models.Model):
    """What the intranet knows of a member of staff beyond their login."""

    class Presence(models.TextChoices):
        AVAILABLE = "available", _("Available")
        BUSY = "busy", _("Busy")
        DO_NOT_DISTURB = "dnd", _("Do not disturb")
        AWAY = "away", _("Away")
        OFFLINE = "offline", _("Offline")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    needs_approval = models.BooleanField(
        _("replies need approval"),
        default=False,
        help_text=_("Replies of this operator leave only after a team leader approves them."),
    )
    signature = RichTextField(
        _("signature"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("Added below every answer, as written here."),
    )
    signature_image = models.ImageField(
        _("signature image (JPG)"),
        upload_to="signatures/",
        blank=True,
        validators=[jpeg_validate],
        help_text=_("A JPG image sent inline below the signature of every answer."),
    )
    language = models.CharField(
        _("interface language"),
        max_length=5,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Empty: the browser's language."),
    )
    presence = models.CharField(
        _("presence"), max_length=10, choices=Presence, default=Presence.OFFLINE
    )
    presence_changed_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(_("last active at"), null=True, blank=True)
    # Away because of idleness (intranet.presence): the next activity makes them available.
    presence_auto_away = models.BooleanField(default=False, editable=False)
    notifications_seen_at = models.DateTimeField(
        _("notifications seen at"), null=True, blank=True, editable=False
    )
    # The NotificationKind values to be e-mailed about, or [NOTIFY_ALL]; empty: none.
    notify_by_email = models.JSONField(
        _("notifications by e-mail"), default=list, blank=True, editable=False
    )

    panels = [
        FieldPanel("user", read_only=True),
        FieldPanel("language"),
        FieldPanel("needs_approval"),
        FieldPanel("signature"),
        FieldPanel("signature_image"),
    ]

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)

    def wants_email(self, kind: str) -> bool:
        """Whether this member of staff chose to be e-mailed about notices of ``kind``."""
        chosen = self.notify_by_email or []
        return NOTIFY_ALL in chosen or kind in chosen

    def signature_parts(self) -> tuple[str, str]:
        """The signature as (plain text, sanitised HTML); a signature written before it
        was rich text (no tags) keeps its lines."""
        source = self.signature.strip()
        if not source:
            return "", ""
        if "<" not in source:
            return source, "<p>" + html.escape(source).replace("\n", "<br>") + "</p>"
        rich = sanitise_html(expand_db_html(source))
        plain = re.sub(r"\n{2,}", "\n", html_to_text(rich.replace("</p>", "</p>\n\n")))
        return plain.strip(), rich


class ReportExport(models.Model):
    """A workbook asked for by a manager or team leader, written in the background.

    The worker advances ``done`` of ``total`` case rows while it writes; the file is
    downloadable only by the user who asked, while they may still report on its pools.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being written")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="report_exports"
    )
    first_day = models.DateField(_("from"))
    last_day = models.DateField(_("to"))
    pool_slug = models.CharField(_("pool"), max_length=255, blank=True)
    operator = models.CharField(_("operator"), max_length=150, blank=True)
    language = models.CharField(_("language"), max_length=5, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    file = models.FileField(upload_to="reports/", blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("report export")
        verbose_name_plural = _("report exports")

    def __str__(self) -> str:
        return f"{self.user} {self.first_day}..{self.last_day} ({self.status})"


class Absence(models.Model):
    """A member of staff away from ``starts_at`` to ``ends_at``, with who stands in.

    While it lasts the substitute may act in their place (approve for an absent team
    leader).
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="absences",
        verbose_name=_("absent"),
    )
    starts_at = models.DateTimeField(_("from"))
    ends_at = models.DateTimeField(_("to"))
    substitute = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="substitutions",
        verbose_name=_("substitute"),
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        indexes = [
            models.Index(fields=["substitute", "ends_at"], name="absence_substitute_ends"),
            # "Is this user away now?", asked by take-next on every press.
            models.Index(fields=["user", "ends_at"], name="absence_user_ends"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="absence_ends_after"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user}: {self.starts_at:%Y-%m-%d} to {self.ends_at:%Y-%m-%d}"
