"""Operator presence: set by the operator, available at login and offline at logout,
away after a while without activity and back on the next activity."""

from datetime import datetime, timedelta
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
    now = timezone.now()
    UserProfile.objects.update_or_create(
        user=user,
        defaults={
            "presence": presence,
            "presence_changed_at": now,
            "presence_auto_away": False,
            "last_active_at": now,
        },
    )


def presence_touch(*, user: Any) -> None:
    """The user is active now; if idleness had made them away, they are available again
    (an away they chose themselves stays)."""
    now = timezone.now()
    profiles = UserProfile.objects.filter(user_id=user.pk)
    profiles.update(last_active_at=now)
    profiles.filter(presence=UserProfile.Presence.AWAY, presence_auto_away=True).update(
        presence=UserProfile.Presence.AVAILABLE, presence_auto_away=False, presence_changed_at=now
    )


def presences_idle_away(*, now: datetime, minutes: int) -> int:
    """Available or busy users without activity for ``minutes`` go away; returns how many."""
    idle = UserProfile.objects.filter(
        presence__in=[UserProfile.Presence.AVAILABLE, UserProfile.Presence.BUSY],
        last_active_at__lt=now - timedelta(minutes=minutes),
    )
    return idle.update(
        presence=UserProfile.Presence.AWAY, presence_auto_away=True, presence_changed_at=now
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
