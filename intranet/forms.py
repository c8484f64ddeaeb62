"""The staff member's own settings: interface language and signature."""

import html
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from intranet.models import UserProfile


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

    class Meta:
        model = UserProfile
        fields = ["language", "signature", "signature_image"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.signature_plain = self.instance.signature_parts()[0]
        self.initial["signature"] = self.signature_plain

    def clean_signature(self) -> str:
        text = self.cleaned_data["signature"].strip()
        if text == self.signature_plain:
            return str(self.instance.signature)
        paragraphs = (p.strip() for p in text.replace("\r\n", "\n").split("\n\n"))
        return "".join(
            "<p>" + html.escape(p).replace("\n", "<br/>") + "</p>" for p in paragraphs if p
        )
