"""The staff member's own settings: interface language and signature."""

from django import forms

from intranet.models import UserProfile


class ProfileForm(forms.ModelForm):
    """What a member of staff may change of their own profile (not the approval flag)."""

    class Meta:
        model = UserProfile
        fields = ["language", "signature", "signature_image"]
        widgets = {"signature": forms.Textarea(attrs={"rows": 4})}
