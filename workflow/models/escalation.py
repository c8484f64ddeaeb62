"""Escalation rules of a pool, the escalations done (each once), and the notices they leave."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel

from correspondence.models import Urgency


class EscalationWhen(models.TextChoices):
    WARNING = "warning", _("When a case is about to be late")
    BREACH = "breach", _("When a case is late")


class EscalationRule(models.Model):
    """What happens to a pool's case at the warning or the breach of its next deadline."""

    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        related_name="escalation_rules",
        verbose_name=_("pool"),
    )
    name = models.CharField(_("name"), max_length=255)
    active = models.BooleanField(_("active"), default=True)
    when = models.CharField(_("when"), max_length=10, choices=EscalationWhen)
    notify_leaders = models.BooleanField(_("tell the team leaders"), default=True)
    raise_urgency_to = models.PositiveSmallIntegerField(
        _("raise urgency to"), choices=Urgency, null=True, blank=True
    )
    reassign_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reassign to"),
        help_text=_("An operator of the pool who takes over the case."),
    )

    panels = [
        FieldPanel("pool"),
        FieldPanel("name"),
        FieldPanel("active"),
        FieldPanel("when"),
        FieldPanel("notify_leaders"),
        FieldPanel("raise_urgency_to"),
        FieldPanel("reassign_to"),
    ]

    class Meta:
        verbose_name = _("escalation rule")
        verbose_name_plural = _("escalation rules")
        ordering = ["pool", "name"]

    def __str__(self) -> str:
        return self.name


class Escalation(models.Model):
    """One escalation done: the unique key makes a second worker's insert a no-op."""

    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, related_name="escalations"
    )
    rule = models.ForeignKey(EscalationRule, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=EscalationWhen)
    due_at = models.DateTimeField(help_text="The deadline escalated.")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["case", "rule", "kind", "due_at"], name="escalation_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.rule_id} {self.kind}"


class Notice(models.Model):
    """A message for one member of staff on the intranet (an escalation, for now)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notices"
    )
    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, null=True, related_name="+"
    )
    text = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "read_at", "-created_at"], name="notice_unread")]

    def __str__(self) -> str:
        return self.text
