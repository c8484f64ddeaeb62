"""The live board's page and the fragment its script fetches every few seconds."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.cache import never_cache

from intranet.board import board_context, board_pools

REFRESH_SECONDS = 5


def _context(request: HttpRequest) -> dict:
    pools = list(board_pools(request.user))
    if not pools:
        raise PermissionDenied  # only team leaders and managers have a board
    return board_context(user=request.user, pools=pools)


@login_required
@never_cache
def board(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    context["refresh_ms"] = REFRESH_SECONDS * 1000
    return render(request, "intranet/board.html", context)


@login_required
@never_cache
def board_fragment(request: HttpRequest) -> HttpResponse:
    """The board's figures alone, swapped in place by board.js (rendered without the top
    bar's context processors: none of it is shown)."""
    return HttpResponse(render_to_string("intranet/includes/board_body.html", _context(request)))
