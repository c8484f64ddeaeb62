"""The staff member's own profile page."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _

from intranet.forms import ProfileForm
from intranet.models import UserProfile


@login_required
def profile_edit(request: HttpRequest) -> HttpResponse:
    """Shows (GET) and saves (POST) the user's language, signature and signature image."""
    profile, _created = UserProfile.objects.get_or_create(user=request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile is saved."))
        return redirect("profile")
    return TemplateResponse(request, "intranet/profile.html", {"form": form, "profile": profile})


@login_required
def profile_signature_image(request: HttpRequest) -> HttpResponse:
    """The user's own signature image, served as a JPEG whatever its name says."""
    profile = UserProfile.objects.filter(user=request.user).first()
    if profile is None or not profile.signature_image:
        raise Http404
    with profile.signature_image.open("rb") as handle:
        return HttpResponse(handle.read(), content_type="image/jpeg")
