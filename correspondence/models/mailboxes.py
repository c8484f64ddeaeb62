"""Supervised mailboxes and the quarantine of messages that could not be processed."""

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, FieldRowPanel, MultiFieldPanel

from correspondence import secrets
from correspondence.admin_forms import MailboxAdminForm


def secret_env_validate(value: str) -> None:
    """Refuses a variable that may not hold a mailbox secret (see secrets.env_name_problem)."""
    if value and secrets.env_name_problem(value):
        raise ValidationError(
            _(
                "Only a variable whose name starts with %(prefix)s (capital letters, digits "
                "and _) may hold a mailbox password."
            ),
            params={"prefix": secrets.env_prefix()},
            code="secret_env_prefix",
        )


_SECRET_ENV_HELP = _(
    "Or the name of an environment variable of the server that holds the password; it "
    "must start with the prefix the deployment set (CORRISPONDENZA_MAILBOX_ by default)."
)


class Mailbox(models.Model):
    """A mailbox read by intake (IMAP, or a local folder for the demo) and its SMTP for replies.

    Secrets are never stored in clear: either typed in the admin and encrypted with the
    deployment's secrets key (write-only), or the name of an environment variable that
    carries the configured prefix.
    """

    class Kind(models.TextChoices):
        ORDINARY = "ordinary", _("Ordinary e-mail")
        PEC = "pec", _("PEC (certified e-mail)")

    class Protocol(models.TextChoices):
        IMAP = "imap", _("IMAP")
        DIRECTORY = "directory", _("Local folder of .eml files")

    class Security(models.TextChoices):
        TLS = "tls", _("TLS")
        STARTTLS = "starttls", _("STARTTLS")
        NONE = "none", _("None (loopback only)")

    class AfterProcessing(models.TextChoices):
        LEAVE = "leave", _("Leave it")
        FLAG = "flag", _("Mark it as seen")
        MOVE = "move", _("Move it to a folder")

    class StartFrom(models.TextChoices):
        NOW = "now", _("Only mail arriving from now on")
        DATE = "date", _("Mail since a date")
        ALL = "all", _("Everything in the folder")

    class AutoReply(models.TextChoices):
        POOL = "pool", _("As the pool says")
        ON = "on", _("Always (this mailbox's own text where it has one)")
        OFF = "off", _("Never")

    name = models.CharField(_("name"), max_length=255)
    slug = models.SlugField(_("slug"), unique=True)
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.PROTECT,
        related_name="mailboxes",
        verbose_name=_("default pool"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind, default=Kind.ORDINARY)
    protocol = models.CharField(
        _("protocol"), max_length=10, choices=Protocol, default=Protocol.IMAP
    )
    active = models.BooleanField(_("active"), default=True)
    address = models.EmailField(_("address"), help_text=_("The address customers write to."))
    directory = models.CharField(_("folder path"), max_length=500, blank=True)

    imap_host = models.CharField(_("IMAP host"), max_length=255, blank=True)
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993)
    imap_security = models.CharField(
        _("IMAP security"), max_length=10, choices=Security, default=Security.TLS
    )
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_secret_env = models.CharField(
        _("IMAP password variable"),
        max_length=100,
        blank=True,
        validators=[secret_env_validate],
        help_text=_SECRET_ENV_HELP,
    )
    imap_secret_encrypted = models.TextField(blank=True, editable=False)
    imap_folder = models.CharField(_("folder"), max_length=255, default="INBOX")
    after_processing = models.CharField(
        _("after processing"), max_length=10, choices=AfterProcessing, default=AfterProcessing.FLAG
    )
    processed_folder = models.CharField(_("processed folder"), max_length=255, blank=True)
    start_from = models.CharField(
        _("start from"), max_length=10, choices=StartFrom, default=StartFrom.NOW
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)

    sent_folder = models.CharField(
        _("Sent folder"),
        max_length=255,
        blank=True,
        default="Sent",
        help_text=_(
            "Where a copy of every mail sent from this mailbox is kept (IMAP mailboxes); "
            "the outbox also looks there before it ever sends a mail again. Empty: no copy."
        ),
    )

    smtp_host = models.CharField(_("SMTP host"), max_length=255, blank=True)
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=465)
    smtp_security = models.CharField(
        _("SMTP security"), max_length=10, choices=Security, default=Security.TLS
    )
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_secret_env = models.CharField(
        _("SMTP password variable"),
        max_length=100,
        blank=True,
        validators=[secret_env_validate],
        help_text=_SECRET_ENV_HELP,
    )
    smtp_secret_encrypted = models.TextField(blank=True, editable=False)

    auto_reply = models.CharField(
        _("auto-reply"), max_length=10, choices=AutoReply, default=AutoReply.POOL
    )
    auto_reply_daily_limit = models.PositiveSmallIntegerField(
        _("auto-replies per address per day"), default=3
    )

    uidvalidity = models.BigIntegerField(null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(default=0, editable=False)
    # The row lease of databases without advisory locks (SQLite): see intake.lease.
    locked_until = models.DateTimeField(null=True, blank=True, editable=False)
    lease_owner = models.CharField(max_length=100, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last success"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True, editable=False)

    base_form_class = MailboxAdminForm
    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldRowPanel(
            [FieldPanel("pool", widget=forms.Select), FieldPanel("kind"), FieldPanel("active")]
        ),
        FieldPanel("address"),
        FieldPanel("protocol"),
        FieldPanel("directory"),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("imap_host"), FieldPanel("imap_port"), FieldPanel("imap_security")]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("imap_user"),
                        FieldPanel("imap_password"),
                        FieldPanel("imap_secret_env"),
                    ]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("imap_folder"),
                        FieldPanel("after_processing"),
                        FieldPanel("processed_folder"),
                    ]
                ),
                FieldRowPanel([FieldPanel("start_from"), FieldPanel("start_date")]),
            ],
            heading=_("Reading (IMAP)"),
        ),
        MultiFieldPanel(
            [
                FieldRowPanel(
                    [FieldPanel("smtp_host"), FieldPanel("smtp_port"), FieldPanel("smtp_security")]
                ),
                FieldRowPanel(
                    [
                        FieldPanel("smtp_user"),
                        FieldPanel("smtp_password"),
                        FieldPanel("smtp_secret_env"),
                    ]
                ),
                FieldPanel("sent_folder"),
            ],
            heading=_("Sending (SMTP)"),
        ),
        MultiFieldPanel(
            [
                FieldPanel("auto_reply"),
                FieldPanel("auto_reply_daily_limit"),
            ],
            heading=_("Auto-reply"),
        ),
    ]

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def imap_password(self) -> str:
        return secrets.secret_read(
            env_name=self.imap_secret_env, encrypted=self.imap_secret_encrypted
        )

    def smtp_password(self) -> str:
        return secrets.secret_read(
            env_name=self.smtp_secret_env, encrypted=self.smtp_secret_encrypted
        )

    def set_imap_password(self, value: str) -> None:
        self.imap_secret_encrypted = secrets.secret_encrypt(value)

    def set_smtp_password(self, value: str) -> None:
        self.smtp_secret_encrypted = secrets.secret_encrypt(value)


class QuarantinedMessage(models.Model):
    """A message intake could not process, kept whole with the reason, until retried."""

    class Status(models.TextChoices):
        OPEN = "open", _("Waiting")
        RETRIED = "retried", _("Retried")
        DISMISSED = "dismissed", _("Dismissed")

    mailbox = models.ForeignKey(Mailbox, on_delete=models.CASCADE, related_name="quarantine")
    raw = models.FileField(_("raw message"), upload_to="quarantine/")
    raw_sha256 = models.CharField(max_length=64)
    imap_uidvalidity = models.BigIntegerField(null=True, blank=True)
    imap_uid = models.BigIntegerField(null=True, blank=True)
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=10, choices=Status, default=Status.OPEN)
    created_at = models.DateTimeField(_("quarantined at"), auto_now_add=True)

    class Meta:
        verbose_name = _("quarantined message")
        verbose_name_plural = _("quarantined messages")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.mailbox}: {self.reason[:60]}"
