"""What the top bar needs to know about the user: which menus to offer."""

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Exists
from django.http import HttpRequest

from correspondence.permissions import LEAD, REGISTER, pools_for
from intranet.board import board_pools
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
        **_lead_menus(user),
    }


def _lead_menus(user: Any) -> dict[str, bool]:
    """Routing rules (pools led) and the board (pools led or overseen), in one query."""
    flags = (
        get_user_model()
        .objects.filter(pk=user.pk)
        .values(menu_rules=Exists(pools_for(user, LEAD)), menu_board=Exists(board_pools(user)))
        .first()
    )
    return flags or {"menu_rules": False, "menu_board": False}
