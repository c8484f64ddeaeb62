"""What the top bar needs to know about the user: which menus to offer."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from correspondence.permissions import LEAD, REGISTER, pools_for
from intranet.models import UserProfile


def staff_menu(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    profile = getattr(user, "profile", None)
    return {
        "presence": profile.presence if profile else UserProfile.Presence.OFFLINE,
        "presences": UserProfile.Presence.choices,
        "menu_register": pools_for(user, REGISTER).exists(),
        "menu_rules": pools_for(user, LEAD).exists(),
        "notify_poll_seconds": getattr(settings, "CORRISPONDENZA_NOTIFY_POLL_SECONDS", 20),
    }
