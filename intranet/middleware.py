"""Per-user interface language, security headers, idle sessions."""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils import translation


class UserLanguageMiddleware:
    """Activates the language chosen in the user's profile, after authentication."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        profile = getattr(user, "profile", None) if user and user.is_authenticated else None
        if profile is None or not profile.language:
            return self.get_response(request)
        request.LANGUAGE_CODE = profile.language
        # override, not activate: the thread's language comes back after the response.
        with translation.override(profile.language):
            return self.get_response(request)


# The Wagtail admin's own needs: some of its widgets (date pickers, inline panels) write
# inline scripts, its pages set inline styles, previews are same-origin frames and
# uploads are previewed from blob: URLs. It shows no sender's content (cases are kept
# out of it, see correspondence.admin_pages), and it still loads nothing remote.
ADMIN_POLICY = {
    "script-src": ["'self'", "'unsafe-inline'"],
    "style-src": ["'self'", "'unsafe-inline'"],
    "style-src-elem": ["'self'", "'unsafe-inline'"],
    "img-src": ["'self'", "data:", "blob:"],
    "frame-src": ["'self'"],
    "frame-ancestors": ["'self'"],
}


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; the admin's allowances in its CSP (which
    django-csp's middleware, placed before this one, writes)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", settings.PERMISSIONS_POLICY)
        if request.path_info.startswith("/admin/") and not hasattr(response, "_csp_replace"):
            response._csp_replace = ADMIN_POLICY  # type: ignore[attr-defined]
        return response


# Requests a page makes by itself while open (the "who else is here" refresh): they
# must not keep an abandoned session alive.
BACKGROUND_HEADER = "HTTP_X_CORRISPONDENZA_BACKGROUND"
LAST_ACTIVE = "corrispondenza_last_active"
# Activity is written to the session at most this often: not one write per request.
_ACTIVITY_GRANULARITY = 60


class SessionIdleMiddleware:
    """Logs out a user idle for CORRISPONDENZA_SESSION_IDLE_MINUTES (shared PCs).

    The time of the last activity is set at login (intranet.auth) and moved on by
    the user's own requests, never by a page's background refreshes.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get(LAST_ACTIVE, now)
            if now - last > settings.CORRISPONDENZA_SESSION_IDLE_MINUTES * 60:
                logout(request)
            elif not request.META.get(BACKGROUND_HEADER) and (
                LAST_ACTIVE not in request.session or now - last >= _ACTIVITY_GRANULARITY
            ):
                request.session[LAST_ACTIVE] = now
        return self.get_response(request)
