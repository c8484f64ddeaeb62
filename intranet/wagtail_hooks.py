"""The administrators' screens for staff: profiles (language, signature, approval) and
pool memberships with their take-next priority."""

from django.utils.translation import gettext_lazy as _
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from correspondence.models import PoolMembership
from intranet.models import UserProfile


class UserProfileViewSet(SnippetViewSet):
    model = UserProfile
    icon = "user"
    list_display = ["user", "language", "needs_approval", "presence"]
    list_filter = ["language", "needs_approval"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    add_to_admin_menu = False


class PoolMembershipViewSet(SnippetViewSet):
    model = PoolMembership
    icon = "group"
    list_display = ["user", "pool", "priority"]
    list_filter = ["pool"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]


class StaffViewSetGroup(SnippetViewSetGroup):
    items = (UserProfileViewSet, PoolMembershipViewSet)
    menu_icon = "group"
    menu_label = _("Staff")
    menu_name = "staff"


register_snippet(StaffViewSetGroup)
