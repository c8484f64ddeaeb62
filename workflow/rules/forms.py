"""The form a team leader writes a routing rule with."""

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from correspondence.models import Category, PoolPage, Urgency
from correspondence.permissions import LEAD, pools_for
from workflow.models import RoutingRule
from workflow.rules.services import RuleInvalid, rule_check


class OperatorChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.get_username()


def _tri_state() -> forms.NullBooleanSelect:
    widget = forms.NullBooleanSelect()
    widget.choices = [("unknown", _("Either")), ("true", _("Yes")), ("false", _("No"))]
    return widget


class RuleForm(forms.ModelForm):
    """Conditions, actions and order flags of one rule of `pool`, checked by `rule_check`."""

    operators = OperatorChoiceField(
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Operators"),
        help_text=_("One for “assign”, several to share the cases among them."),
    )

    class Meta:
        model = RoutingRule
        fields = [
            "name",
            "active",
            "continue_after",
            "sender_test",
            "sender_value",
            "recipient",
            "subject_words",
            "body_words",
            "is_pec",
            "has_attachments",
            "category",
            "set_category",
            "set_urgency",
            "move_to_pool",
            "assignment",
            "operators",
        ]
        widgets = {
            "subject_words": forms.TextInput,
            "body_words": forms.TextInput,
            "is_pec": _tri_state(),
            "has_attachments": _tri_state(),
        }

    def __init__(self, *args: Any, user: Any, pool: PoolPage, **kwargs: Any) -> None:
        kwargs.setdefault("instance", RoutingRule(pool=pool))
        super().__init__(*args, **kwargs)
        self.user = user
        led = pools_for(user, LEAD)
        offered = Q(pool__isnull=True) | Q(pool=pool) | Q(pool__in=led)
        categories = Category.objects.filter(offered, active=True).order_by("name")
        self.fields["category"].queryset = categories
        self.fields["set_category"].queryset = categories
        self.fields["move_to_pool"].queryset = led.exclude(pk=pool.pk).order_by("title")
        members = Q(pool_memberships__pool=pool) | Q(pool_memberships__pool__in=led)
        self.fields["operators"].queryset = (
            get_user_model().objects.filter(members, is_active=True).distinct().order_by("username")
        )
        self.fields["set_urgency"].choices = [("", _("Leave as it is")), *Urgency.choices]
        self.fields["category"].empty_label = _("Any")
        self.fields["set_category"].empty_label = _("Leave as it is")
        self.fields["move_to_pool"].empty_label = _("Stay in this pool")

    def operator_ids(self) -> list[int]:
        """The chosen operators' ids, ascending; valid only after `is_valid()`."""
        return sorted(u.pk for u in self.cleaned_data.get("operators", []))

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        try:
            rule_check(user=self.user, rule=self.instance, operator_ids=self.operator_ids())
        except RuleInvalid as exc:
            self.add_error(exc.field, exc.message)
