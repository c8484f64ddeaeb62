"""The report's choices: a period (from and to, or a quick choice), a pool, an operator."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from intranet.reports.periods import (
    MAX_DAYS,
    Grain,
    Period,
    PeriodInvalid,
    Quick,
    period_make,
    period_quick,
)

QUICK_CHOICES = [
    (Quick.TODAY.value, _("Today")),
    (Quick.THIS_WEEK.value, _("This week")),
    (Quick.LAST_MONTH.value, _("Last month")),
    (Quick.THIS_YEAR.value, _("This year")),
]


class ReportForm(forms.Form):
    """Read from the query string; a quick choice wins over the dates."""

    quick = forms.ChoiceField(label=_("Period"), choices=QUICK_CHOICES, required=False)
    first = forms.DateField(
        label=_("From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    last = forms.DateField(
        label=_("To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    # Any slug passes the form: a pool outside the user's is refused by the scope (403).
    pool = forms.CharField(label=_("Pool"), required=False, widget=forms.Select)
    operator = forms.CharField(label=_("Operator (user name)"), required=False, max_length=150)
    grain = forms.ChoiceField(
        label=_("Trend by"),
        required=False,
        choices=[
            ("", _("Automatic")),
            (Grain.DAY.value, _("Day")),
            (Grain.WEEK.value, _("Week")),
            (Grain.MONTH.value, _("Month")),
        ],
    )

    def __init__(self, *args: Any, pools: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].widget.choices = [("", _("All my pools")), *pools]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        zone = timezone.get_current_timezone()
        today = timezone.localdate()
        first, last = data.get("first"), data.get("last")
        try:
            if data.get("quick") or not (first or last):
                choice = Quick(data.get("quick") or Quick.LAST_MONTH)
                data["period"] = period_quick(choice=choice, today=today, zone=zone)
            else:
                data["period"] = period_make(first=first or last, last=last or first, zone=zone)
        except PeriodInvalid:
            raise forms.ValidationError(
                _("Choose a period that ends after it starts and lasts at most %(days)s days.")
                % {"days": MAX_DAYS}
            ) from None
        return data

    def period(self) -> Period:
        return self.cleaned_data["period"]

    def trend_grain(self) -> Grain | None:
        return Grain(self.cleaned_data["grain"]) if self.cleaned_data.get("grain") else None


def period_query(period: Period, pool: str, operator: str) -> dict[str, str]:
    """The query string that names this report exactly (for the export and links)."""
    query = {"first": period.first.isoformat(), "last": period.last.isoformat()}
    if pool:
        query["pool"] = pool
    if operator:
        query["operator"] = operator
    return query
