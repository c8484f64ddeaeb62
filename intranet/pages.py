"""What every intranet page shares: only logged-in staff with access may see it.

The page models are data: what a page shows and who may see it are decided in the
interface layer (``correspondence.page_views``, ``intranet.page_views``), which registers
one ``PageView`` per page type when the apps are ready. A page type served without one
raises ImproperlyConfigured rather than being shown unchecked. What a staff page shows
is personal and current: no browser or proxy keeps a copy. No page that mixes in
``WorkedOutsideAdminMixin`` can be changed from the Wagtail admin's page editor.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers
from wagtail.models import PagePermissionTester


def _anyone(page: Any, user: Any) -> None:
    """Any logged-in staff member may see the page."""


def _nothing(page: Any, request: HttpRequest) -> dict[str, Any]:
    return {}


def _as_is(page: Any, request: HttpRequest, response: HttpResponse) -> None:
    """The response goes out as the page rendered it."""


@dataclass(frozen=True)
class PageView:
    """How one page type is served: ``access`` raises PermissionDenied (or Http404) for a
    user who may not see the page; ``context`` adds to the template's context;
    ``respond`` may adjust the response (its headers) before it leaves."""

    access: Callable[[Any, Any], None] = _anyone
    context: Callable[[Any, HttpRequest], dict[str, Any]] = _nothing
    respond: Callable[[Any, HttpRequest, HttpResponse], None] = _as_is


_VIEWS: dict[type, PageView] = {}


def page_view_register(model: type, view: PageView) -> None:
    """Declares how pages of this type are served (called from an app's ``ready``)."""
    _VIEWS[model] = view


def page_view_of(page: object) -> PageView:
    """The page type's registered view; ImproperlyConfigured when there is none."""
    try:
        return _VIEWS[type(page)]
    except KeyError:
        raise ImproperlyConfigured(f"no PageView registered for {type(page).__name__}") from None


class StaffOnlyPageMixin:
    """Sends anonymous visitors to log in, then asks the page's view whether the user may
    see it, and takes the page's context from that view."""

    def serve(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        view = page_view_of(self)
        view.access(self, request.user)
        response: HttpResponse = super().serve(request, *args, **kwargs)  # type: ignore[misc]
        view.respond(self, request, response)
        add_never_cache_headers(response)
        return response

    def get_context(self, request: HttpRequest, *args: object, **kwargs: object) -> dict:
        context: dict = super().get_context(request, *args, **kwargs)  # type: ignore[misc]
        context.update(page_view_of(self).context(self, request))
        return context


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
