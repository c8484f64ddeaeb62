"""What the top bar needs to know about the user: which menus to offer."""

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from correspondence.permissions import EXPORT, LEAD, REGISTER, held_anywhere
from intranet.models import UserProfile


def staff_menu(request: HttpRequest) -> dict[str, Any]:
    """The presence choice and the menus, from one query of the permissions held: the
    board is for pools led or overseen (managers hold the export permission)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    profile = getattr(user, "profile", None)
    held = held_anywhere(user, (REGISTER, LEAD, EXPORT))
    return {
        "presence": profile.presence if profile else UserProfile.Presence.OFFLINE,
        "presences": UserProfile.Presence.choices,
        "menu_register": REGISTER in held,
        "menu_rules": LEAD in held,
        "menu_reports": EXPORT in held,
        "menu_board": LEAD in held or EXPORT in held,
        "notify_poll_seconds": getattr(settings, "CORRISPONDENZA_NOTIFY_POLL_SECONDS", 20),
    }
