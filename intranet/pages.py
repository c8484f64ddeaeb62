"""What every intranet page shares: only logged-in staff may see it."""

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class StaffOnlyPageMixin:
    """Sends anonymous visitors to the login page instead of serving the page."""

    def serve(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().serve(request, *args, **kwargs)  # type: ignore[misc]
