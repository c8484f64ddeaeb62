"""Routing rules: what a pool's team leaders decide should happen to a new case."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from correspondence.models import Urgency


class SenderTest(models.TextChoices):
    ANY = "", _("Any sender")
    ADDRESS_EQUALS = "address_equals", _("Address is")
    ADDRESS_CONTAINS = "address_contains", _("Address contains")
    DOMAIN_EQUALS = "domain_equals", _("Domain is")
    DOMAIN_CONTAINS = "domain_contains", _("Domain contains")


class Assignment(models.TextChoices):
    NONE = "", _("Leave in the pool")
    OPERATOR = "operator", _("Assign to one operator")
    ROUND_ROBIN = "round_robin", _("Share in turn (round robin)")
    LEAST_OPEN = "least_open", _("Share by least open work")


class RoutingRule(models.Model):
    """One rule of a pool: conditions on a new message, actions on its case.

    A pool's active rules are tried by ascending `position`; the first that matches
    acts, and the next ones are tried only when it says `continue_after`. Empty
    conditions match anything. Changed only through `workflow.rules.services`.
    """

    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        related_name="routing_rules",
        verbose_name=_("pool"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    name = models.CharField(_("name"), max_length=255)
    active = models.BooleanField(_("active"), default=True)
    continue_after = models.BooleanField(
        _("continue to the next rule"),
        default=False,
        help_text=_("When this rule matches, try the following rules too."),
    )

    sender_test = models.CharField(
        _("sender"), max_length=20, choices=SenderTest, default=SenderTest.ANY, blank=True
    )
    sender_value = models.CharField(_("sender address or domain"), max_length=320, blank=True)
    recipient = models.CharField(
        _("sent to the address"),
        max_length=320,
        blank=True,
        help_text=_("Matches when this address is among the recipients (To, Cc)."),
    )
    subject_words = models.TextField(
        _("subject contains"),
        blank=True,
        help_text=_("Any of these words or phrases, separated by commas; capitals ignored."),
    )
    body_words = models.TextField(
        _("text contains"),
        blank=True,
        help_text=_("Any of these words or phrases, separated by commas; capitals ignored."),
    )
    is_pec = models.BooleanField(_("PEC"), null=True, blank=True)
    has_attachments = models.BooleanField(_("has attachments"), null=True, blank=True)
    category = models.ForeignKey(
        "correspondence.Category",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("category is"),
    )

    set_category = models.ForeignKey(
        "correspondence.Category",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("set the category"),
    )
    set_urgency = models.PositiveSmallIntegerField(
        _("set the urgency"), choices=Urgency, null=True, blank=True
    )
    move_to_pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("move to the pool"),
        help_text=_("The case then follows that pool's rules; no further rule here is tried."),
    )
    assignment = models.CharField(
        _("assignment"), max_length=20, choices=Assignment, default=Assignment.NONE, blank=True
    )
    operators = models.ManyToManyField(
        settings.AUTH_USER_MODEL, blank=True, related_name="+", verbose_name=_("operators")
    )
    last_assigned = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        help_text=_("Round robin: who received the last case."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        ordering = ["pool", "position", "pk"]
        indexes = [models.Index(fields=["pool", "position"], name="rule_pool_position")]

    def __str__(self) -> str:
        return self.name
