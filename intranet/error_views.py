"""The server error page with the intranet's navigation (Django's own 500 view renders
without the request, so without the user's menus and language)."""

import logging

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views import defaults

logger = logging.getLogger(__name__)


def server_error(request: HttpRequest) -> HttpResponse:
    """templates/500.html with the request's context; Django's plain rendering of the same
    template when that fails too (the database being what broke, say)."""
    try:
        return render(request, "500.html", status=500)
    except Exception:  # the page about an error must not fail: the plain one instead
        logger.exception("the error page could not be rendered with the user's context")
        return defaults.server_error(request)
