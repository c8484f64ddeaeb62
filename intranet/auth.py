"""Who may log in: staff with a password, never a demo user where the settings forbid
them; the client's address as django-axes counts failed logins by it."""

import time
from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest
from django.shortcuts import render

from intranet.middleware import LAST_ACTIVE

# seed_demo puts every demo user (known user names, known password) in this group.
DEMO_GROUP = "Demo users"


class StaffBackend(ModelBackend):
    """Django's model backend; refuses members of the demo group unless the settings
    allow demo users (production does not: CORRISPONDENZA_ALLOW_DEMO = False)."""

    def user_can_authenticate(self, user: Any) -> bool:
        if not super().user_can_authenticate(user):
            return False
        if getattr(settings, "CORRISPONDENZA_ALLOW_DEMO", False):
            return True
        return not user.groups.filter(name=DEMO_GROUP).exists()


def client_address(request: HttpRequest) -> str | None:
    """The client's address: REMOTE_ADDR, or with CORRISPONDENZA_PROXY_COUNT proxies in
    front, the address the outermost of them saw (X-Forwarded-For, read from the right,
    so a client cannot forge it by sending the header itself)."""
    proxies = settings.CORRISPONDENZA_PROXY_COUNT
    forwarded = [a.strip() for a in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [a for a in forwarded if a]
    if proxies > 0 and len(forwarded) >= proxies:
        return forwarded[-proxies]
    return request.META.get("REMOTE_ADDR")


def lockout_response(request: HttpRequest, original_response: Any, credentials: Any) -> Any:
    """django-axes' answer to a locked-out login: a page in the user's language (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "intranet/locked_out.html", {"lockout_minutes": minutes}, status=429)


@receiver(user_logged_in)
def _active_on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    """A login is activity: the idle clock (SessionIdleMiddleware) starts from it."""
    if request is not None and hasattr(request, "session"):
        request.session[LAST_ACTIVE] = int(time.time())
