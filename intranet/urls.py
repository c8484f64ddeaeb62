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
from intranet import presence

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
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "attachments/<int:attachment_id>/",
        correspondence_views.attachment_download,
        name="attachment_download",
    ),
    path("search/", correspondence_views.search, name="search"),
    path("register/", correspondence_views.register, name="register"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("work/", include("workflow.urls")),
]

urlpatterns += [path("", include(wagtail_urls))]

# 403 and 404 are Django's views rendering templates/403.html and 404.html.
handler500 = "intranet.error_views.server_error"
