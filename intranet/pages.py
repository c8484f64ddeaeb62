"""What every intranet page shares: only logged-in staff with access may see it."""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from wagtail.models import PagePermissionTester


class StaffOnlyPageMixin:
    """Sends anonymous visitors to log in, then asks the page whether the user may see it.

    What a staff page shows is personal and current: no browser or proxy keeps a copy.
    """

    def require_access(self, user: Any) -> None:
        """Raises PermissionDenied when the user may not see this page; any staff may by default."""

    def serve(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.require_access(request.user)
        response: HttpResponse = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        add_never_cache_headers(response)
        return response


class ClosedPagePermissionTester(PagePermissionTester):
    """Nobody, a superuser included, edits, publishes, reverts, copies, moves, locks or
    deletes this page in the Wagtail admin: it changes only through the services, which
    check pool permissions and write the timeline."""

    def can_add_subpage(self) -> bool:
        return False

    def can_edit(self) -> bool:
        return False

    def can_delete(self, ignore_bulk: bool = False) -> bool:
        return False

    def can_unpublish(self) -> bool:
        return False

    def can_publish(self) -> bool:
        return False

    def can_submit_for_moderation(self) -> bool:
        return False

    def can_set_view_restrictions(self) -> bool:
        return False

    def can_unschedule(self) -> bool:
        return False

    def can_lock(self) -> bool:
        return False

    def can_unlock(self) -> bool:
        return False

    def can_publish_subpage(self) -> bool:
        return False

    def can_reorder_children(self) -> bool:
        return False

    def can_move(self) -> bool:
        return False

    def can_copy(self) -> bool:
        return False

    def can_move_to(self, destination: Any) -> bool:
        return False

    def can_copy_to(self, destination: Any, recursive: bool = False) -> bool:
        return False

    def can_view_revisions(self) -> bool:
        return False


class WorkedOutsideAdminMixin:
    """A page the Wagtail admin may not change (see ClosedPagePermissionTester)."""

    def permissions_for_user(self, user: Any) -> PagePermissionTester:
        return ClosedPagePermissionTester(user, self)
