"""Texts operators reuse: quick replies that editors manage, and reply drafts in progress."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class QuickReply(models.Model):
    """A canned answer operators insert into a reply; per pool or for every pool."""

    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"), help_text=_("{number} is replaced by the case number."))
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quick_replies",
        verbose_name=_("pool"),
        help_text=_("Empty: offered in every pool."),
    )
    language = models.CharField(_("language"), max_length=5, choices=settings.LANGUAGES, blank=True)
    active = models.BooleanField(_("active"), default=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("pool"),
        FieldPanel("language"),
        FieldPanel("active"),
    ]

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class ReplyDraft(models.Model):
    """What an operator has typed in a case's reply box, saved as they type."""

    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, related_name="reply_drafts"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    to = models.CharField(max_length=1000, blank=True)
    cc = models.CharField(max_length=1000, blank=True)
    text = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="unique_reply_draft")]

    def __str__(self) -> str:
        return f"draft of {self.user} on {self.case_id}"
