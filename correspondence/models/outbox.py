"""The outbox: every mail we send is a row first, written with the action that caused it."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from correspondence.models.messages import raw_upload_to


class OutgoingMail(models.Model):
    """One outgoing mail: its built bytes, where it goes, and how far sending got.

    Written in the same transaction as the reply, auto-reply or reminder that
    caused it; a Celery task sends it through ``mailbox``'s SMTP with bounded
    retries. ``message_id`` (without angle brackets, like every stored
    Message-ID) is the mail's identity: the case's timeline row
    ``timeline_message`` carries the same one, so answers, PEC receipts and bounces find it.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, related_name="outgoing_mails"
    )
    mailbox = models.ForeignKey(
        "correspondence.Mailbox",
        on_delete=models.PROTECT,
        related_name="outgoing_mails",
        help_text=_("Whose SMTP sends it: for a PEC case, the PEC mailbox."),
    )
    timeline_message = models.OneToOneField(
        "correspondence.Message",
        on_delete=models.CASCADE,
        related_name="outgoing",
        help_text=_("The row that shows this mail on the case's timeline."),
    )
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    raw = models.FileField(_("message as sent"), upload_to=raw_upload_to)
    raw_sha256 = models.CharField(max_length=64)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    recipient = models.CharField(
        _("first recipient"),
        max_length=320,
        help_text=_("The first To address, lower-cased: what loop protection counts."),
    )
    automatic = models.BooleanField(_("automatic"), default=False)
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_error = models.TextField(_("last error"), blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("outgoing mail")
        verbose_name_plural = _("outgoing mails")
        ordering = ["-created_at"]
        indexes = [
            # The retry sweep: rows waiting for their next attempt, or whose sender died.
            models.Index(
                fields=["next_attempt_at"],
                name="outgoing_due",
                condition=models.Q(state__in=["queued", "sending"]),
            ),
            # Loop protection: automatic mails to one address since midnight.
            models.Index(
                fields=["recipient", "created_at"],
                name="outgoing_auto_recipient",
                condition=models.Q(automatic=True),
            ),
            models.Index(fields=["case", "created_at"], name="outgoing_case_created"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.get_state_display()})"
