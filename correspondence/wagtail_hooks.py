"""The Wagtail admin for editors and administrators: snippets and log actions."""

from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.db import models
from django.db.models import ProtectedError, QuerySet
from django.db.models.deletion import Collector
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms.models import register_form_field_override
from wagtail.admin.menu import MenuItem as AdminMenuItem
from wagtail.admin.ui.menus import MenuItem
from wagtail.admin.ui.tables import BooleanColumn, LiveStatusTagColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet, SnippetViewSetGroup

from correspondence import admin_views, permissions
from correspondence.admin_pages import pages_shown
from correspondence.models import (
    Category,
    Department,
    Mailbox,
    MailText,
    PoolPage,
    QuarantinedMessage,
    Question,
    QuickReply,
    ResolutionType,
)


def _yes_no(model: type, field: str) -> BooleanColumn:
    """A tick or a cross, headed by the field's name in the reader's language (lazily:
    columns are built once, at import, in no one's language)."""
    verbose_name = model._meta.get_field(field).verbose_name
    return BooleanColumn(field, label=capfirst(verbose_name), sort_key=field)


STATUS = LiveStatusTagColumn(label=_("Status"))

# Every admin form picks a pool from a plain list, never with Wagtail's page chooser: its
# label "Choose a page (Pool)" is joined into one string when the form class is built,
# once per process, so everyone then read it in that first language ("Scegli una pagina
# (Coda)" in an English admin). Snippet choosers freeze their labels the same way, and
# Wagtail registers them after us: models pick mailboxes, categories and calendars with
# ``FieldPanel(..., widget=forms.Select)`` (tests/intranet/test_admin_english.py checks).
register_form_field_override(models.ForeignKey, to=PoolPage, override={"widget": forms.Select})


class QuarantinePermissionPolicy(ModelPermissionPolicy):
    """A quarantined message is the record of mail as it arrived: it is retried or
    dismissed (``admin_views``), never written, changed or deleted in the admin."""

    def user_has_permission(self, user: Any, action: str) -> bool:
        if action in ("add", "change", "delete"):
            return False
        return bool(super().user_has_permission(user, action))


register_permission_policy(QuarantinedMessage, QuarantinePermissionPolicy(QuarantinedMessage))


class MailboxViewSet(SnippetViewSet):
    model = Mailbox
    icon = "mail"
    list_display = [
        "name",
        "address",
        "pool",
        "kind",
        _yes_no(Mailbox, "active"),
        "last_success_at",
        "last_error",
    ]
    list_filter = ["kind", "active"]
    search_fields = ["name", "address"]


class QuarantineViewSet(SnippetViewSet):
    model = QuarantinedMessage
    icon = "warning"
    list_display = ["mailbox", "reason", "status", "created_at"]
    list_filter = ["status", "mailbox"]
    inspect_view_enabled = True
    # The raw file has no public URL: it is downloaded through quarantine_raw.
    inspect_view_fields_exclude = ["raw"]


class DepartmentViewSet(SnippetViewSet):
    model = Department
    icon = "group"
    list_display = [
        "name",
        "response_time",
        "response_unit",
        "reminder_max",
        _yes_no(Department, "active"),
    ]


class CategoryViewSet(SnippetViewSet):
    model = Category
    icon = "tag"
    list_display = ["name", "pool", _yes_no(Category, "active")]


class QuestionViewSet(SnippetViewSet):
    """Questions of a pool or a mailbox (a category's are edited with the category)."""

    model = Question
    icon = "help"
    menu_label = _("Questions of pools and mailboxes")
    list_display = ["label", "pool", "mailbox", "kind", "required", "asked"]
    list_filter = ["pool", "mailbox", "kind", "required"]

    panels = Question.snippet_panels

    def get_queryset(self, request: Any) -> Any:
        return Question.objects.filter(category__isnull=True)


class ResolutionTypeViewSet(SnippetViewSet):
    model = ResolutionType
    icon = "success"
    list_display = ["name", _yes_no(ResolutionType, "active")]


class QuickReplyViewSet(SnippetViewSet):
    model = QuickReply
    icon = "openquote"
    list_display = ["title", "pool", "language", _yes_no(QuickReply, "active"), STATUS]
    list_filter = ["language", "active", "live"]
    search_fields = ["title", "text"]


class MailTextViewSet(SnippetViewSet):
    model = MailText
    icon = "mail"
    list_display = ["__str__", "subject", "pool", "language", STATUS]
    list_filter = ["kind", "language", "live"]
    search_fields = ["subject", "body"]


class TextsViewSetGroup(SnippetViewSetGroup):
    items = (MailTextViewSet, QuickReplyViewSet)
    menu_icon = "doc-full"
    menu_label = _("Texts")
    menu_name = "texts"


class CorrespondenceViewSetGroup(SnippetViewSetGroup):
    items = (
        MailboxViewSet,
        QuarantineViewSet,
        DepartmentViewSet,
        CategoryViewSet,
        QuestionViewSet,
        ResolutionTypeViewSet,
    )
    menu_icon = "mail"
    menu_label = _("Correspondence")
    menu_name = "correspondence"


register_snippet(CorrespondenceViewSetGroup)
register_snippet(TextsViewSetGroup)


@hooks.register("register_admin_urls")
def register_quarantine_urls() -> list:
    return [
        path(
            "mailboxes/<int:mailbox_id>/test/",
            admin_views.mailbox_test,
            name="correspondence_mailbox_test",
        ),
        path(
            "quarantine/<int:item_id>/raw/",
            admin_views.quarantine_raw,
            name="correspondence_quarantine_raw",
        ),
        path(
            "quarantine/<int:item_id>/<str:action>/",
            admin_views.quarantine_action,
            name="correspondence_quarantine_action",
        ),
        path("pec-trust/", admin_views.pec_trust_import_view, name="correspondence_pec_trust"),
        path(
            "unmatched-receipts/",
            admin_views.unmatched_receipts_view,
            name="correspondence_unmatched_receipts",
        ),
    ]


class _PermittedMenuItem(AdminMenuItem):
    def __init__(self, *args: object, permission: str, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.permission = permission

    def is_shown(self, request: object) -> bool:
        return request.user.has_perm(self.permission)  # type: ignore[attr-defined]


@hooks.register("register_settings_menu_item")
def register_pec_trust_menu_item() -> AdminMenuItem:
    return _PermittedMenuItem(
        _("PEC trust list"),
        reverse("correspondence_pec_trust"),
        icon_name="lock",
        order=900,
        permission=admin_views.PEC_TRUST_PERMISSION,
    )


@hooks.register("register_settings_menu_item")
def register_unmatched_receipts_menu_item() -> AdminMenuItem:
    return _PermittedMenuItem(
        _("Receipts matching no sent mail"),
        reverse("correspondence_unmatched_receipts"),
        icon_name="warning",
        order=901,
        permission=admin_views.QUARANTINE_PERMISSION,
    )


@hooks.register("register_snippet_listing_buttons")
def mailbox_buttons(snippet: object, user: object, next_url: str | None = None) -> Iterator:
    if isinstance(snippet, Mailbox) and user.has_perm(admin_views.MAILBOX_PERMISSION):  # type: ignore[attr-defined]
        url = reverse("correspondence_mailbox_test", args=[snippet.pk])
        yield MenuItem(_("Test connection"), url, priority=10)


@hooks.register("register_snippet_listing_buttons")
def quarantine_buttons(snippet: object, user: object, next_url: str | None = None) -> Iterator:
    if not isinstance(snippet, QuarantinedMessage):
        return
    if user.has_perm(admin_views.QUARANTINE_VIEW_PERMISSION):  # type: ignore[attr-defined]
        url = reverse("correspondence_quarantine_raw", args=[snippet.pk])
        yield MenuItem(_("Download the message"), url, priority=5)
    if snippet.status != "open":
        return
    if not user.has_perm(admin_views.QUARANTINE_PERMISSION):  # type: ignore[attr-defined]
        return
    for action, label, priority in (("retry", _("Retry"), 10), ("dismiss", _("Dismiss"), 20)):
        url = reverse("correspondence_quarantine_action", args=[snippet.pk, action])
        yield MenuItem(label, url, priority=priority)


LOG_ACTIONS = {
    "correspondence.quarantine.retry": (_("Retried from quarantine"), _("Retried")),
    "correspondence.quarantine.dismiss": (_("Dismissed from quarantine"), _("Dismissed")),
    "correspondence.case.create": (_("Case created"), _("Case created")),
    "correspondence.case.message": (_("Message added"), _("Message added")),
    "correspondence.case.customer_wrote": (_("Customer wrote"), _("Customer wrote")),
    "correspondence.case.take": (_("Taken"), _("Taken")),
    "correspondence.case.release": (_("Returned to the pool"), _("Returned to the pool")),
    "correspondence.case.assign": (_("Assigned"), _("Assigned")),
    "correspondence.case.worked": (_("Marked as worked"), _("Marked as worked")),
    "correspondence.case.note": (_("Note added"), _("Note added")),
    "correspondence.case.classify": (_("Classification changed"), _("Classification changed")),
    "correspondence.case.transfer": (_("Moved to another pool"), _("Moved to another pool")),
    "correspondence.case.register": (_("Registered by hand"), _("Registered by hand")),
    "correspondence.case.answers": (_("Questions answered"), _("Questions answered")),
    "correspondence.case.reply": (_("Answer sent"), _("Answer sent")),
    "correspondence.case.close": (_("Closed"), _("Closed")),
    "correspondence.case.reopen": (_("Reopened"), _("Reopened")),
    "correspondence.case.export": (_("Record exported"), _("Record exported")),
}


@hooks.register("register_log_actions")
def register_case_log_actions(actions: object) -> None:
    for action, (label, message) in LOG_ACTIONS.items():
        actions.register_action(action, label, message)  # type: ignore[attr-defined]


@hooks.register("after_create_page")
def pool_roles_on_create(request: HttpRequest, page: Any) -> None:
    """A pool created in the admin comes with its roles: "<pool> operators", "<pool> team
    leaders" and the Managers' oversight, so adding people to groups is all that is left."""
    if isinstance(page.specific, PoolPage):
        permissions.pool_roles_grant(pool=page.specific)


@hooks.register("construct_explorer_page_queryset")
def explorer_without_cases(parent_page: object, pages: QuerySet, request: object) -> QuerySet:
    return pages_shown(pages)


@hooks.register("construct_page_chooser_queryset")
def chooser_without_cases(pages: QuerySet, request: object) -> QuerySet:
    return pages_shown(pages)


@hooks.register("before_delete_snippet")
def delete_refuse_when_protected(request: HttpRequest, instances: list) -> HttpResponse | None:
    """A mailbox with mail on record (or any snippet something protected refers to) is
    not deleted: a clear refusal instead of the database's error page."""
    collector = Collector(using="default")
    try:
        collector.collect(instances)
    except ProtectedError as exc:
        names = ", ".join(sorted({str(obj) for obj in instances}))
        messages.error(
            request,
            _(
                "%(names)s cannot be deleted: %(count)s record(s) that must be kept refer "
                "to it (for a mailbox: the mail it sent or received). Make it inactive instead."
            )
            % {"names": names, "count": len(exc.protected_objects)},
        )
        viewset = instances[0].snippet_viewset
        return redirect(reverse(viewset.get_url_name("list")))
    return None
