"""Operator presence: set by the operator, available at login and offline at logout."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from intranet.models import UserProfile


def presence_set(*, user: Any, presence: str) -> None:
    """Records the user's presence; rules that share work skip the absent."""
    if presence not in UserProfile.Presence.values:
        raise ValueError(f"unknown presence {presence!r}")
    UserProfile.objects.update_or_create(
        user=user, defaults={"presence": presence, "presence_changed_at": timezone.now()}
    )


@receiver(user_logged_in)
def _available_on_login(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    presence_set(user=user, presence=UserProfile.Presence.AVAILABLE)


@receiver(user_logged_out)
def _offline_on_logout(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        presence_set(user=user, presence=UserProfile.Presence.OFFLINE)


@login_required
@require_POST
def presence_change(request: HttpRequest) -> HttpResponse:
    presence = request.POST.get("presence", "")
    if presence in UserProfile.Presence.values:
        presence_set(user=request.user, presence=presence)
        messages.success(
            request,
            _("Your presence is now: %(presence)s")
            % {"presence": UserProfile.Presence(presence).label},
        )
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
