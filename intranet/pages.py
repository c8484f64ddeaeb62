"""What every intranet page shares: only logged-in staff with access may see it."""

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse


class StaffOnlyPageMixin:
    """Sends anonymous visitors to log in, then asks the page whether the user may see it."""

    def require_access(self, user: Any) -> None:
        """Raises PermissionDenied when the user may not see this page; any staff may by default."""

    def serve(self, request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.require_access(request.user)
        return super().serve(request, *args, **kwargs)  # type: ignore[misc]
