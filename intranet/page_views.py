"""How the intranet home page is served: any staff member, with their pools and work."""

from typing import Any

from django.http import HttpRequest

from correspondence.selectors import home_overview
from intranet.models import IntranetHomePage
from intranet.pages import PageView, page_view_register
from workflow.colleagues import colleague_questions_open


def home_page_context(page: IntranetHomePage, request: HttpRequest) -> dict[str, Any]:
    """The user's pools with their counts, the cases assigned to them, and the questions
    colleagues asked them that wait for their answer."""
    asked = list(colleague_questions_open(user=request.user))
    return {**home_overview(user=request.user), "asked": asked}


def page_views_register() -> None:
    """Registers how the home page is served."""
    page_view_register(IntranetHomePage, PageView(context=home_page_context))
