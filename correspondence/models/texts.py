"""Texts operators reuse: quick replies that editors manage, and reply drafts in progress."""

from django import forms
from django.conf import settings
from django.contrib.contenttypes.fields import GenericRelation
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, HelpPanel
from wagtail.models import DraftStateMixin, RevisionMixin

from correspondence.models.mail_texts import PreviewedText, placeholder_help, placeholders_validate


class QuickReply(DraftStateMixin, RevisionMixin, PreviewedText, models.Model):
    """A canned answer operators insert into a reply; per pool or for every pool.

    Editors publish it on their own; the composer offers only the live version, with its
    placeholders already filled for the case.
    """

    title = models.CharField(_("title"), max_length=255)
    text = models.TextField(_("text"))
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quick_replies",
        verbose_name=_("pool"),
        help_text=_("Empty: offered in every pool."),
    )
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Offered first to customers who write in it. Empty: any language."),
    )
    active = models.BooleanField(_("active"), default=True)

    revisions = GenericRelation(
        "wagtailcore.Revision",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="quick_reply",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("text"),
        FieldPanel("pool", widget=forms.Select),
        FieldPanel("language"),
        FieldPanel("active"),
        HelpPanel(content=placeholder_help, heading=_("Placeholders")),
    ]
    signed = True

    class Meta:
        verbose_name = _("quick reply")
        verbose_name_plural = _("quick replies")
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        super().clean()
        placeholders_validate(text=self.text)

    def preview_texts(self) -> tuple[str, str]:
        return "{subject}", self.text


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
