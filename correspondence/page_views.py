"""How the pages of correspondence are served: who may see them and what they show.

The page models hold data only; this interface module answers their access and context
through the selectors and services, and is registered by ``CorrespondenceConfig.ready``.
"""

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone

from correspondence.models import CasePage, MonthPage, PoolPage, YearPage
from correspondence.permissions import (
    EXPORT,
    VIEW,
    may,
    require_case_visible,
    require_pool_permission,
)
from correspondence.selectors import case_timeline, pool_case_list
from correspondence.templatetags.mail_bodies import REMOTE_IMAGES_PARAM
from intranet.pages import PageView, page_view_register
from workflow.deadlines import lateness
from workflow.history import case_history
from workflow.selectors import case_panel
from workflow.viewing import case_viewers_touch


def pool_page_access(page: PoolPage, user: Any) -> None:
    """A pool's page is for the users who see its cases (403 otherwise)."""
    require_pool_permission(user, VIEW, page)


def pool_page_context(page: PoolPage, request: HttpRequest) -> dict[str, Any]:
    """The pool's list of cases, filtered, sorted and paged as the query string asks."""
    return pool_case_list(user=request.user, pool=page, params=request.GET.dict())


def pool_part_access(page: YearPage | MonthPage, user: Any) -> None:
    """A year or month page is seen by whoever sees its pool; to anyone else it does not
    exist (404: neither the pool's name nor the page's existence shows)."""
    pool = PoolPage.objects.ancestor_of(page).first()
    if pool is None or not may(user, VIEW, pool):
        raise Http404


def case_page_access(page: CasePage, user: Any) -> None:
    """A case's page is for the users who see its pool's cases, and for colleagues invited
    to it (403 otherwise)."""
    require_case_visible(user, page)


def case_page_context(page: CasePage, request: HttpRequest) -> dict[str, Any]:
    """The case's timeline, the actions offered to this user, and who else has it open
    (opening the page records this user as a viewer)."""
    return {
        "timeline": case_timeline(case=page, events=case_history(case=page)),
        "panel": case_panel(user=request.user, case=page),
        "others_viewing": case_viewers_touch(case=page, user=request.user),
        "may_export": may(request.user, EXPORT, page.pool),
        "lateness": lateness(now=timezone.now(), due=page.deadline_at, warning=page.warning_at),
    }


def case_page_respond(page: CasePage, request: HttpRequest, response: HttpResponse) -> None:
    """The reader asked for one message's remote images (see templatetags.mail_bodies):
    this response's policy lets images load from the web."""
    if request.GET.get(REMOTE_IMAGES_PARAM):
        response._csp_update = {"img-src": ["https:", "http:"]}  # type: ignore[attr-defined]


def page_views_register() -> None:
    """Registers how each page type of correspondence is served."""
    page_view_register(PoolPage, PageView(access=pool_page_access, context=pool_page_context))
    page_view_register(YearPage, PageView(access=pool_part_access))
    page_view_register(MonthPage, PageView(access=pool_part_access))
    page_view_register(
        CasePage,
        PageView(access=case_page_access, context=case_page_context, respond=case_page_respond),
    )
