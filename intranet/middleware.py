"""Per-user interface language."""

from collections.abc import Callable

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
