"""Cases, and the year and month pages that hold them, are not part of the Wagtail admin.

Cases are worked in the intranet, where every query goes through the pool permissions
and every change through the services and the timeline. The admin knows nothing of
pools, so it shows none of these pages to anyone, a superuser included: not in the
explorer, page search, reports, history, the admin API or the choosers. Pool pages
(configuration) stay in the admin. Editing is refused separately, page by page
(intranet.pages.ClosedPagePermissionTester).
"""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, QuerySet
from wagtail.admin.views.reports.page_types_usage import PageTypesUsageReportView
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from correspondence.models import CasePage, MonthPage, YearPage

HIDDEN_PAGE_TYPES: tuple[type[Page], ...] = (CasePage, YearPage, MonthPage)


def hidden_content_type_ids() -> list[int]:
    """The content types of the pages the admin never shows."""
    return [ContentType.objects.get_for_model(model).pk for model in HIDDEN_PAGE_TYPES]


def pages_shown(pages: QuerySet[Any]) -> QuerySet[Any]:
    """The pages of a queryset that the admin may show."""
    return pages.exclude(content_type_id__in=hidden_content_type_ids())


def is_hidden(page: Model) -> bool:
    return getattr(page, "content_type_id", None) in hidden_content_type_ids()


class CaseHidingPagePermissionPolicy(PagePermissionPolicy):
    """Wagtail's page policy, less the hidden page types in every list it answers."""

    def explorable_instances(self, user: Any) -> QuerySet[Any]:
        return pages_shown(super().explorable_instances(user))

    def instances_user_has_any_permission_for(self, user: Any, actions: Any) -> QuerySet[Any]:
        return pages_shown(super().instances_user_has_any_permission_for(user, actions))

    def user_has_any_permission_for_instance(self, user: Any, actions: Any, instance: Any) -> bool:
        if is_hidden(instance):
            return False
        return bool(super().user_has_any_permission_for_instance(user, actions, instance))


def page_policy_install() -> None:
    """Makes Wagtail's one page permission policy hide cases.

    Wagtail's views hold the policy object itself (``page_permission_policy``), not a
    lookup in the registry, so the object's class is what must change; the subclass
    only narrows what the original answers.
    """
    from wagtail import permissions

    permissions.page_permission_policy.__class__ = CaseHidingPagePermissionPolicy


class PageTypesUsageWithoutCases(PageTypesUsageReportView):
    """Wagtail's page types report, without the hidden types (whose row names the case
    edited last). Routed in intranet.urls in front of Wagtail's own."""

    def get_queryset(self) -> QuerySet[Any]:
        return super().get_queryset().exclude(id__in=hidden_content_type_ids())
