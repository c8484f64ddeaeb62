"""The administrators' screens for staff: profiles (language, signature, approval) and
pool memberships with their take-next priority."""

from typing import Any

from django.db.models.signals import post_save
from django.dispatch import receiver
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup
from wagtail.users.models import UserProfile as WagtailUserProfile

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


@receiver(post_save, sender=UserProfile)
def admin_language_follow(sender: Any, instance: UserProfile, **kwargs: Any) -> None:
    """One language per person: Wagtail's admin preference follows the profile's, so the
    admin never mixes the two (its own preference would win inside admin views only)."""
    WagtailUserProfile.objects.update_or_create(
        user_id=instance.user_id, defaults={"preferred_language": instance.language}
    )


@hooks.register("register_log_actions")
def register_absence_log_actions(actions: Any) -> None:
    """The absences set and removed from the profile page (intranet.absences)."""
    actions.register_action("intranet.absence.set", _("Absence recorded"), _("Absence recorded"))
    actions.register_action("intranet.absence.remove", _("Absence removed"), _("Absence removed"))
