"""The page tree: intranet home → pool → year → month → case."""

from django import forms
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from wagtail.admin.panels import (
    FieldPanel,
    FieldRowPanel,
    HelpPanel,
    MultiFieldPanel,
    ObjectList,
    TabbedInterface,
    TitleFieldPanel,
)
from wagtail.models import Page

from intranet.pages import StaffOnlyPageMixin, WorkedOutsideAdminMixin

AUTO_REPLY_HELP = _(
    "The auto-reply's words, one variant per language, are edited under Texts → Mail "
    "texts, where drafts, history and preview are."
)


class PoolPage(StaffOnlyPageMixin, Page):
    """A topic pool ("Sinistri", "Pagamenti"): the unit of routing and of permissions."""

    code = models.CharField(
        _("code"),
        max_length=6,
        unique=True,
        help_text=_("2-6 capital letters that start every case number, e.g. SIN."),
    )
    description = models.TextField(_("description"), blank=True)
    addresses = models.TextField(
        _("addresses"),
        blank=True,
        help_text=_("Addresses that feed this pool, one per line (routing by recipient)."),
    )
    urgency_first = models.BooleanField(
        _("urgent cases first"),
        default=False,
        help_text=_("“Take next” hands out urgent cases before older ones."),
    )
    response_days = models.PositiveSmallIntegerField(_("response time (working days)"), default=5)
    worked_closes = models.BooleanField(
        _("“worked” closes the case"),
        default=False,
        help_text=_(
            "As PEC back offices work: to work → worked, closed with the resolution below."
        ),
    )
    worked_resolution = models.ForeignKey(
        "correspondence.ResolutionType",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolution of a worked case"),
    )
    auto_reply_enabled = models.BooleanField(_("send auto-reply"), default=True)
    language = models.CharField(
        _("language"),
        max_length=5,
        choices=settings.LANGUAGES,
        default="it",
        help_text=_(
            "Customers whose language cannot be told, or who write in a language without "
            "a text of its own, are answered in this one."
        ),
    )

    # A pool is not a public web page: one tab, in the words of pools (no SEO, no promote).
    edit_handler = TabbedInterface(
        [
            ObjectList(
                [
                    TitleFieldPanel(
                        "title",
                        heading=_("Pool name"),
                        help_text=_("How staff see the pool in lists, menus and case pages."),
                    ),
                    FieldRowPanel([FieldPanel("code"), FieldPanel("language")]),
                    FieldPanel(
                        "slug",
                        heading=_("Address in the intranet"),
                        help_text=_("The last part of the pool's intranet address."),
                    ),
                    FieldPanel("description"),
                    FieldPanel("addresses"),
                    FieldRowPanel([FieldPanel("response_days"), FieldPanel("urgency_first")]),
                    MultiFieldPanel(
                        [FieldPanel("worked_closes"), FieldPanel("worked_resolution")],
                        heading=_("Worked (LAVORATO)"),
                    ),
                    MultiFieldPanel(
                        [FieldPanel("auto_reply_enabled"), HelpPanel(content=AUTO_REPLY_HELP)],
                        heading=_("Auto-reply"),
                    ),
                ],
                heading=_("Pool"),
            ),
        ]
    )
    parent_page_types = ["intranet.IntranetHomePage"]
    subpage_types = ["correspondence.YearPage"]
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("pool")
        verbose_name_plural = _("pools")
        permissions = [
            ("view_pool_cases", _("See the cases of the pool")),
            ("work_pool_cases", _("Take and work the cases of the pool")),
            ("lead_pool", _("Route, reassign and approve in the pool")),
            ("register_pool_cases", _("Register phone, fax, post and counter requests")),
            ("export_pool_cases", _("Export the pool's reports")),
        ]

    def address_list(self) -> list[str]:
        return [a.strip().lower() for a in self.addresses.splitlines() if a.strip()]


class YearPage(WorkedOutsideAdminMixin, StaffOnlyPageMixin, Page):
    """Holds one pool's cases of one year, so no parent grows without bound."""

    year = models.PositiveSmallIntegerField(_("year"))
    parent_page_types = ["correspondence.PoolPage"]
    subpage_types = ["correspondence.MonthPage"]
    search_fields: list = []
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("year")


class MonthPage(WorkedOutsideAdminMixin, StaffOnlyPageMixin, Page):
    """Holds one pool's cases of one month."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    parent_page_types = ["correspondence.YearPage"]
    subpage_types = ["correspondence.CasePage"]
    search_fields: list = []
    wagtail_reference_index_ignore = True

    class Meta:
        verbose_name = _("month")


class PoolMembership(models.Model):
    """A user works in a pool; take-next serves pools by ascending priority number."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pool_memberships"
    )
    pool = models.ForeignKey(PoolPage, on_delete=models.CASCADE, related_name="memberships")
    priority = models.PositiveSmallIntegerField(
        _("priority"), default=1, help_text=_("1 is served first.")
    )
    needs_approval = models.BooleanField(
        _("replies need approval in this pool"),
        default=False,
        help_text=_("The profile's flag asks it in every pool; this one only here."),
    )

    panels = [
        FieldPanel("user"),
        FieldPanel("pool", widget=forms.Select),
        FieldPanel("priority"),
        FieldPanel("needs_approval"),
    ]

    class Meta:
        verbose_name = _("pool membership")
        verbose_name_plural = _("pool memberships")
        ordering = ["priority", "pool__title"]
        constraints = [
            models.UniqueConstraint(fields=["user", "pool"], name="unique_pool_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.pool} ({self.priority})"


class PoolUserObjectPermission(UserObjectPermissionBase):
    """django-guardian's per-pool permission of a user, with a real foreign key."""

    content_object = models.ForeignKey(PoolPage, on_delete=models.CASCADE)


class PoolGroupObjectPermission(GroupObjectPermissionBase):
    """django-guardian's per-pool permission of a group: the usual way pools are granted."""

    content_object = models.ForeignKey(PoolPage, on_delete=models.CASCADE)
