"""URLs: the Wagtail admin for editors, login, case files, and the intranet pages.

Stored files (raw mail, attachments, quarantine) have no URL of their own in any
settings module, the demo's included: they are read only through views that check the
user's pools (attachment_download).
"""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from correspondence import views as correspondence_views
from correspondence.admin_pages import PageTypesUsageWithoutCases
from intranet import board_views, presence
from intranet import views as intranet_views
from intranet.reports import views as report_views

urlpatterns = [
    # In front of Wagtail's own: the page types report without cases (admin_pages).
    path(
        "admin/reports/page-types-usage/",
        PageTypesUsageWithoutCases.as_view(),
        name="page_types_usage_without_cases",
    ),
    path(
        "admin/reports/page-types-usage/results/",
        PageTypesUsageWithoutCases.as_view(results_only=True),
        name="page_types_usage_without_cases_results",
    ),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path(
        "login/",
        auth_views.LoginView.as_view(template_name="intranet/login.html"),
        name="login",
    ),
    path("presence/", presence.presence_change, name="presence"),
    path("profile/", intranet_views.profile_edit, name="profile"),
    path("profile/absences/", intranet_views.profile_absence_add, name="profile_absence_add"),
    path(
        "profile/absences/<int:absence_id>/remove/",
        intranet_views.profile_absence_remove,
        name="profile_absence_remove",
    ),
    path(
        "profile/signature.jpg",
        intranet_views.profile_signature_image,
        name="profile_signature_image",
    ),
    path("board/", board_views.board, name="board"),
    path("board/figures/", board_views.board_fragment, name="board_fragment"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "attachments/<int:attachment_id>/",
        correspondence_views.attachment_download,
        name="attachment_download",
    ),
    path("search/", correspondence_views.search, name="search"),
    path(
        "cases/<int:case_id>/dossier/",
        correspondence_views.case_dossier_download,
        name="case_dossier",
    ),
    path("register/", correspondence_views.register, name="register"),
    path("reports/", report_views.report_page, name="report"),
    path("reports/export/", report_views.report_export, name="report_export"),
    path(
        "reports/exports/<int:export_id>/",
        report_views.report_export_status,
        name="report_export_status",
    ),
    path(
        "reports/exports/<int:export_id>/download/",
        report_views.report_export_download,
        name="report_export_download",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("work/", include("workflow.urls")),
]

urlpatterns += [path("", include(wagtail_urls))]

# 403 and 404 are Django's views rendering templates/403.html and 404.html.
handler500 = "intranet.error_views.server_error"
