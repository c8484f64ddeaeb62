"""The intranet home page and the staff's profiles."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.models import Page

from intranet.pages import StaffOnlyPageMixin


class IntranetHomePage(StaffOnlyPageMixin, Page):
    """The staff's start page: their pools and their work."""

    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["correspondence.PoolPage"]
    max_count = 1

    class Meta:
        verbose_name = _("intranet home page")


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
    signature = models.TextField(_("signature"), blank=True)
    signature_image = models.ImageField(
        _("signature image (JPG)"), upload_to="signatures/", blank=True
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
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

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)


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
