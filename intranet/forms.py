"""The staff member's own settings: interface language, signature, notices by e-mail,
absences."""

import html
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from intranet.absences import absence_colleagues, absence_members
from intranet.models import NOTIFY_ALL, NotificationKind, UserProfile


class ProfileForm(forms.ModelForm):
    """What a member of staff may change of their own profile (not the approval flag).

    The signature is typed as lines here; bold, italic and links are set in the
    administration, and they stay as long as the lines are not changed here.
    """

    signature = forms.CharField(
        label=_("signature"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Added below every answer, as written here."),
    )

    notify_by_email = forms.MultipleChoiceField(
        label=_("Tell me by e-mail too"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(NOTIFY_ALL, _("Everything, kinds added later too")), *NotificationKind.choices],
        help_text=_(
            "The intranet's counter always tells you; tick what you also want to receive "
            "by e-mail, at the address of your account."
        ),
    )

    class Meta:
        model = UserProfile
        fields = ["language", "signature", "signature_image"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signature_plain = self.instance.signature_parts()[0]
        self.initial["signature"] = self.signature_plain
        self.initial["notify_by_email"] = list(self.instance.notify_by_email or [])

    def clean_notify_by_email(self) -> list[str]:
        chosen = list(self.cleaned_data["notify_by_email"])
        return [NOTIFY_ALL] if NOTIFY_ALL in chosen else chosen

    def save(self, commit: bool = True) -> UserProfile:
        self.instance.notify_by_email = self.cleaned_data["notify_by_email"]
        return super().save(commit=commit)

    def clean_signature(self) -> str:
        text = self.cleaned_data["signature"].strip()
        if text == self.signature_plain:
            return str(self.instance.signature)
        paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
        return "".join(
            "<p>" + html.escape(p).replace("\n", "<br/>") + "</p>" for p in paragraphs if p
        )


def _person(user: Any) -> str:
    return str(user.get_full_name() or user.get_username())


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _person(obj)


class AbsenceForm(forms.Form):
    """An absence: from, to, who stands in. A team leader's (``leader=True``) also says
    whose: themselves or a member of a pool they lead."""

    user = PersonChoiceField(label=_("Who is away"), queryset=None, required=True)
    starts_at = forms.DateTimeField(
        label=_("From"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    ends_at = forms.DateTimeField(
        label=_("To"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    substitute = PersonChoiceField(
        label=_("Substitute"),
        queryset=None,
        required=False,
        empty_label=_("Nobody"),
        help_text=_("A colleague of the same pools who works the cases meanwhile."),
    )
    note = forms.CharField(label=_("Note"), max_length=255, required=False)

    def __init__(self, *args: Any, me: Any, leader: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_field = self.fields["user"]
        substitute_field = self.fields["substitute"]
        assert isinstance(user_field, PersonChoiceField)
        assert isinstance(substitute_field, PersonChoiceField)
        if leader:
            user_field.queryset = absence_members(leader=me)
            substitute_field.queryset = absence_members(leader=me)
        else:
            del self.fields["user"]
            # The user is offered too, so that choosing oneself gets a clear refusal.
            colleagues = absence_colleagues(user=me).values("pk")
            substitute_field.queryset = (
                get_user_model()
                .objects.filter(Q(pk__in=colleagues) | Q(pk=me.pk))
                .order_by("first_name", "last_name", "username")
            )
