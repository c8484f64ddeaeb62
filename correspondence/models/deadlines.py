"""Working calendars and service-level policies: what a case's deadlines are computed from.

Administrators edit them in the Wagtail admin; `correspondence.services.deadlines` turns
them into the due times stored on each case.
"""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from correspondence.models.cases import Channel, Urgency
from workflow.deadlines import Unit, WorkCalendar, hours_parse

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _hours_valid(value: str) -> None:
    try:
        hours_parse(value)
    except ValueError as exc:
        raise ValidationError(str(exc)) from None


def _zone_valid(value: str) -> None:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(_("%(zone)s is not a known time zone.") % {"zone": value}) from None


def _hours_field(label: str, default: str) -> models.CharField:
    return models.CharField(
        label,
        max_length=100,
        blank=True,
        default=default,
        validators=[_hours_valid],
        help_text=_('Opening hours, e.g. "08:30-13:00, 14:00-17:30"; empty when closed.'),
    )


class Country(models.TextChoices):
    NONE = "", _("No public holidays")
    ITALY = "IT", _("Italy")
    POLAND = "PL", _("Poland")
    ROMANIA = "RO", _("Romania")


class WorkingCalendar(ClusterableModel):
    """Opening hours per weekday, a country's public holidays and the organisation's own
    closures, in the organisation's time zone."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    country = models.CharField(
        _("public holidays of"), max_length=2, choices=Country, blank=True, default=""
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default=settings.TIME_ZONE, validators=[_zone_valid]
    )
    monday = _hours_field(_("Monday"), "09:00-13:00, 14:00-18:00")
    tuesday = _hours_field(_("Tuesday"), "09:00-13:00, 14:00-18:00")
    wednesday = _hours_field(_("Wednesday"), "09:00-13:00, 14:00-18:00")
    thursday = _hours_field(_("Thursday"), "09:00-13:00, 14:00-18:00")
    friday = _hours_field(_("Friday"), "09:00-13:00, 14:00-18:00")
    saturday = _hours_field(_("Saturday"), "")
    sunday = _hours_field(_("Sunday"), "")

    panels = [
        FieldPanel("name"),
        FieldPanel("country"),
        FieldPanel("time_zone"),
        MultiFieldPanel([FieldPanel(day) for day in WEEKDAYS], heading=_("Opening hours")),
        InlinePanel("closures", label=_("Own closures")),
    ]

    class Meta:
        verbose_name = _("working calendar")
        verbose_name_plural = _("working calendars")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def work_calendar(self) -> WorkCalendar:
        """The calendar as the pure deadline arithmetic reads it."""
        week = tuple(hours_parse(getattr(self, day)) for day in WEEKDAYS)
        public = holidays.country_holidays(self.country) if self.country else frozenset()
        return WorkCalendar(
            zone=ZoneInfo(self.time_zone),
            week=week,  # type: ignore[arg-type]
            holidays=public,
            closures=frozenset(self.closures.values_list("day", flat=True)),
        )


class CalendarClosure(Orderable):
    """A day the organisation is closed beyond public holidays (a patron saint, a move)."""

    calendar = ParentalKey(WorkingCalendar, on_delete=models.CASCADE, related_name="closures")
    day = models.DateField(_("day"))
    name = models.CharField(_("reason"), max_length=255, blank=True)

    panels = [FieldPanel("day"), FieldPanel("name")]

    class Meta(Orderable.Meta):
        verbose_name = _("closure")
        verbose_name_plural = _("closures")


class ServiceLevelPolicy(models.Model):
    """How long cases of a pool, category, channel and urgency may take.

    Empty criteria match anything; a case gets the active policy matching most of its
    criteria. Times are in the policy's unit, counted from the case's arrival.
    """

    name = models.CharField(_("name"), max_length=255)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Where the times come from: law, contract.")
    )
    active = models.BooleanField(_("active"), default=True)
    pool = models.ForeignKey(
        "correspondence.PoolPage",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("pool"),
    )
    category = models.ForeignKey(
        "correspondence.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel, blank=True)
    urgency = models.PositiveSmallIntegerField(_("urgency"), choices=Urgency, null=True, blank=True)
    calendar = models.ForeignKey(
        WorkingCalendar, on_delete=models.PROTECT, verbose_name=_("calendar")
    )
    unit = models.CharField(
        _("unit"),
        max_length=20,
        choices=[
            (Unit.BUSINESS_HOURS.value, _("Business hours")),
            (Unit.CALENDAR_DAYS.value, _("Calendar days (legal terms)")),
            (Unit.MONTHS.value, _("Months (legal terms)")),
        ],
        default=Unit.BUSINESS_HOURS.value,
    )
    take_within = models.PositiveIntegerField(_("time to take"), null=True, blank=True)
    reply_within = models.PositiveIntegerField(_("time to first answer"), null=True, blank=True)
    close_within = models.PositiveIntegerField(_("time to close"), null=True, blank=True)
    warning_percent = models.PositiveSmallIntegerField(
        _("warning at (percent of the time)"),
        default=80,
        help_text=_("A case is marked as about to be late once this share of its time is gone."),
    )
    pause_on_consultation = models.BooleanField(
        _("clock stops during a consultation"), default=False
    )
    pause_on_customer = models.BooleanField(
        _("clock stops while waiting for the customer"), default=False
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("description"),
        FieldPanel("active"),
        MultiFieldPanel(
            [
                FieldPanel("pool"),
                FieldPanel("category", widget=forms.Select),
                FieldPanel("channel"),
                FieldPanel("urgency"),
            ],
            heading=_("Applies to"),
        ),
        # Plain lists: a chooser's label would stay in one language (correspondence's hooks).
        FieldPanel("calendar", widget=forms.Select),
        FieldPanel("unit"),
        MultiFieldPanel(
            [FieldPanel(f) for f in ("take_within", "reply_within", "close_within")],
            heading=_("Times"),
        ),
        FieldPanel("warning_percent"),
        FieldPanel("pause_on_consultation"),
        FieldPanel("pause_on_customer"),
    ]

    class Meta:
        verbose_name = _("service-level policy")
        verbose_name_plural = _("service-level policies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.warning_percent > 100:
            raise ValidationError({"warning_percent": _("At most 100.")})


class CaseClockPause(models.Model):
    """A stretch when a case's clock stood still (consultation, waiting for the customer)."""

    case = models.ForeignKey(
        "correspondence.CasePage", on_delete=models.CASCADE, related_name="clock_pauses"
    )
    reason = models.CharField(max_length=20)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            # One open pause per case: a second "pause" while paused changes nothing.
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(ended_at__isnull=True), name="one_open_pause"
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.reason} {self.started_at:%Y-%m-%d %H:%M}"
