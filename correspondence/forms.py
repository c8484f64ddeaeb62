"""Forms of the intranet pages of correspondence."""

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from correspondence.models import Category, PoolPage, Urgency
from correspondence.registration import MANUAL_CHANNELS, ManualRequest

MAX_SCAN = 20 * 1024 * 1024


class ManualRequestForm(forms.Form):
    """A request that arrived by phone, fax, post or at the counter."""

    pool = forms.ModelChoiceField(label=_("Pool"), queryset=PoolPage.objects.none())
    channel = forms.ChoiceField(
        label=_("Arrived by"), choices=[(c.value, c.label) for c in MANUAL_CHANNELS]
    )
    received_at = forms.DateTimeField(
        label=_("Arrived at"),
        initial=lambda: timezone.localtime().replace(second=0, microsecond=0),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    customer_name = forms.CharField(label=_("Customer name"), max_length=255)
    customer_email = forms.EmailField(label=_("Customer e-mail"), required=False)
    customer_address = forms.CharField(
        label=_("Customer address"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    subject = forms.CharField(label=_("Subject"), max_length=998)
    text = forms.CharField(label=_("What the customer asks"), widget=forms.Textarea)
    category = forms.ModelChoiceField(
        label=_("Category"), required=False, queryset=Category.objects.filter(active=True)
    )
    urgency = forms.TypedChoiceField(
        label=_("Urgency"), choices=Urgency.choices, coerce=int, initial=Urgency.NORMAL
    )
    scan = forms.FileField(label=_("Scanned document"), required=False)

    def __init__(self, *args: Any, pools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["pool"].queryset = pools
        if len(pools) == 1:
            self.fields["pool"].initial = pools[0]

    def clean_scan(self) -> Any:
        scan = self.cleaned_data.get("scan")
        if scan is not None and scan.size > MAX_SCAN:
            raise forms.ValidationError(_("The scan may be 20 MB at most."))
        return scan

    def manual_request(self) -> ManualRequest:
        data = self.cleaned_data
        scan = data.get("scan")
        return ManualRequest(
            channel=data["channel"],
            subject=data["subject"],
            text=data["text"],
            received_at=data["received_at"],
            customer_name=data["customer_name"],
            customer_email=data.get("customer_email") or "",
            customer_address=data.get("customer_address") or "",
            urgency=data["urgency"],
            category_id=data["category"].pk if data.get("category") else None,
            scan_name=scan.name if scan else "",
            scan_type=scan.content_type if scan else "",
            scan=scan.read() if scan else b"",
        )
