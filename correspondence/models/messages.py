"""Messages of a case and their attachments; raw mail is kept immutably with its hash."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def raw_upload_to(instance: models.Model, filename: str) -> str:
    sha = getattr(instance, "raw_sha256", "") or "unknown"
    return f"raw/{sha[:2]}/{sha[2:4]}/{sha}.eml"


def attachment_upload_to(instance: "Attachment", filename: str) -> str:
    return f"attachments/{instance.sha256[:2]}/{instance.sha256[2:4]}/{instance.sha256}"


class Message(models.Model):
    """One message on a case's timeline: mail in or out, a note, a consultation, a receipt."""

    class Kind(models.TextChoices):
        INBOUND = "inbound", _("Inbound")
        OUTBOUND = "outbound", _("Outbound")
        NOTE = "note", _("Internal note")
        CONSULTATION_OUT = "consultation_out", _("Consultation sent")
        CONSULTATION_IN = "consultation_in", _("Consultation answer")
        RECEIPT = "receipt", _("Receipt")
        AUTO_REPLY = "auto_reply", _("Auto-reply")
        # The same message received again by another watched mailbox (To one
        # pool, Cc another): kept as evidence on the case the first copy opened.
        COPY = "copy", _("Copy from another mailbox")
        # An e-mail telling a member of staff about the case (workflow.notifications).
        NOTIFICATION = "notification", _("Notification to staff")

    case = models.ForeignKey(
        "correspondence.CasePage",
        on_delete=models.CASCADE,
        related_name="messages",
        null=True,
        blank=True,
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    mailbox = models.ForeignKey(
        "correspondence.Mailbox", on_delete=models.SET_NULL, null=True, blank=True
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True
    )
    message_id = models.CharField(_("Message-ID"), max_length=998, blank=True, db_index=True)
    in_reply_to = models.TextField(_("In-Reply-To"), blank=True)
    references = models.TextField(_("References"), blank=True)
    from_address = models.CharField(_("from"), max_length=320, blank=True)
    from_name = models.CharField(_("sender name"), max_length=255, blank=True)
    to = models.JSONField(_("to"), default=list, blank=True)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    date = models.DateTimeField(
        _("date"),
        help_text=_(
            "When the message reached our server (IMAP INTERNALDATE, topmost Received "
            "header, certified time for PEC), or when we sent it."
        ),
    )
    claimed_date = models.DateTimeField(
        _("sender's date"),
        null=True,
        blank=True,
        help_text=_("The Date header: what the sender claims, kept and shown, never used."),
    )
    subject = models.CharField(_("subject"), max_length=998, blank=True)
    text = models.TextField(_("text"), blank=True)
    html = models.TextField(_("sanitised HTML"), blank=True)
    raw = models.FileField(_("raw message"), upload_to=raw_upload_to, blank=True)
    raw_sha256 = models.CharField(_("SHA-256 of the raw message"), max_length=64, blank=True)
    pec = models.JSONField(_("PEC certified data"), null=True, blank=True)
    certifies = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="receipts",
        help_text=_("For a receipt: the outgoing message it certifies."),
    )
    # The case's pool and operator when the message was filed, sent or entered: reports
    # count messages by these, never by joining the cases (a transfer does not move them).
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
    )
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["date", "pk"]
        constraints = [
            # A re-fetch of the same UID, or the same Message-ID in the same mailbox,
            # can never add a second copy.
            models.UniqueConstraint(
                fields=["mailbox", "imap_uidvalidity", "imap_uid"],
                name="unique_message_uid",
                condition=models.Q(imap_uid__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["mailbox", "message_id"],
                name="unique_inbound_message_id",
                condition=models.Q(kind__in=["inbound", "receipt"]) & ~models.Q(message_id=""),
            ),
        ]
        indexes = [
            models.Index(fields=["case", "date"], name="message_case_date"),
            # Reports count messages received and answers sent in a period by their
            # stamps: the range is read from the index alone.
            models.Index(
                fields=["kind", "date", "pool", "holder", "author"], name="message_kind_date_stamp"
            ),
            # Intake asks "already received?" by content hash for every fetched message.
            models.Index(fields=["mailbox", "raw_sha256"], name="message_mailbox_sha"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.subject}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Saves the row, first stamping a new message with its case's pool and operator."""
        if self.pk is None:
            self.stamp()
        super().save(*args, **kwargs)

    def stamp(self) -> None:
        """Sets ``pool`` and ``holder`` from the case as it is now, unless already set.
        Paths that insert in bulk (``bulk_create`` skips ``save``) call it themselves."""
        case = self.case
        if case is not None and self.pool_id is None:
            self.pool_id, self.holder_id = case.pool_id, case.assignee_id

    @property
    def pec_certified_at(self) -> datetime | None:
        """The certified time of a PEC message, as the provider's daticert.xml gives it."""
        value = (self.pec or {}).get("certified_at")
        return datetime.fromisoformat(value) if value else None


class Attachment(models.Model):
    """A file of a message, stored once per content hash."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to=attachment_upload_to)
    filename = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("type"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    sha256 = models.CharField(max_length=64)
    content_id = models.CharField(max_length=255, blank=True)
    inline = models.BooleanField(default=False)
    evidence = models.BooleanField(
        _("evidence"),
        default=False,
        help_text=_("PEC envelope, signature or daticert.xml kept as proof."),
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self) -> str:
        return self.filename
