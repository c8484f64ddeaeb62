"""The staff member's own profile page: settings, notices by e-mail, absences."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intranet.absences import absence_members, absence_remove, absence_set, absences_managed
from intranet.errors import AbsenceInvalid
from intranet.forms import AbsenceForm, ProfileForm
from intranet.models import UserProfile


def _page(request: HttpRequest, **forms: Any) -> TemplateResponse:
    """The profile page, with the forms given (bound, with their errors) or fresh ones."""
    profile, _created = UserProfile.objects.get_or_create(user=request.user)
    leads = absence_members(leader=request.user).exists()
    context = {
        "profile": profile,
        "form": forms.get("form") or ProfileForm(instance=profile),
        "absence_form": forms.get("absence_form") or AbsenceForm(me=request.user, prefix="absence"),
        "team_absence_form": (
            forms.get("team_absence_form")
            or AbsenceForm(me=request.user, leader=True, prefix="team")
        )
        if leads
        else None,
        "absences": absences_managed(user=request.user),
    }
    return TemplateResponse(request, "intranet/profile.html", context)


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Shows (GET) and saves (POST) the user's language, signature, signature image and
    the notices they want by e-mail."""
    profile, _created = UserProfile.objects.get_or_create(user=request.user)
    if request.method != "POST":
        return _page(request)
    form = ProfileForm(request.POST, request.FILES or None, instance=profile)
    if form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return _page(request, form=form)


@login_required
@require_POST
def profile_absence_add(request: HttpRequest) -> HttpResponse:
    """Records an absence: the user's own, or (``team-`` fields) a member's of a pool the
    user leads. Mistakes are shown beside the form, nothing is recorded."""
    leader = "team-starts_at" in request.POST
    prefix = "team" if leader else "absence"
    form = AbsenceForm(request.POST, me=request.user, leader=leader, prefix=prefix)
    if form.is_valid():
        data = form.cleaned_data
        try:
            absence_set(
                by=request.user,
                user=data.get("user") or request.user,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                substitute=data["substitute"],
                note=data["note"],
            )
        except AbsenceInvalid as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("The absence is recorded."))
            return redirect(reverse("profile") + "#absences")
    key = "team_absence_form" if leader else "absence_form"
    return _page(request, **{key: form})


@login_required
@require_POST
def profile_absence_remove(request: HttpRequest, absence_id: int) -> HttpResponse:
    """Removes an absence the user may change (AbsenceDenied answers 403 otherwise)."""
    absence_remove(by=request.user, absence_id=absence_id)
    messages.success(request, _("The absence is removed."))
    return redirect(reverse("profile") + "#absences")


@login_required
def profile_signature_image(request: HttpRequest) -> HttpResponse:
    """The user's own signature image, served as a JPEG whatever its name says."""
    profile = UserProfile.objects.filter(user=request.user).first()
    if profile is None or not profile.signature_image:
        raise Http404
    with profile.signature_image.open("rb") as handle:
        return HttpResponse(handle.read(), content_type="image/jpeg")
