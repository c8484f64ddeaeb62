"""What every intranet page shares: only logged-in staff with access may see it.

The page models are data: what a page shows and who may see it are decided in the
interface layer (``correspondence.page_views``, ``intranet.page_views``), which registers
one ``PageView`` per page type when the apps are ready. A page type served without one
raises ImproperlyConfigured rather than being shown unchecked.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse


def _anyone(page: Any, user: Any) -> None:
    """Any logged-in staff member may see the page."""


def _nothing(page: Any, request: HttpRequest) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class PageView:
    """How one page type is served: ``access`` raises PermissionDenied for a user who may
    not see the page; ``context`` adds to the template's context."""

    access: Callable[[Any, Any], None] = _anyone
    context: Callable[[Any, HttpRequest], dict[str, Any]] = _nothing


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
        page_view_of(self).access(self, request.user)
        return super().serve(request, *args, **kwargs)  # type: ignore[misc]

    def get_context(self, request: HttpRequest, *args: object, **kwargs: object) -> dict:
        context: dict = super().get_context(request, *args, **kwargs)  # type: ignore[misc]
        context.update(page_view_of(self).context(self, request))
        return context
