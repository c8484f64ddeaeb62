"""Wagtail admin views of correspondence that are not plain snippet editing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from correspondence.intake.ingest import IngestResult
from correspondence.intake.quarantine import quarantine_dismiss, quarantine_retry
from correspondence.models import QuarantinedMessage
from correspondence.views import DOWNLOAD_POLICY

QUARANTINE_PERMISSION = "correspondence.change_quarantinedmessage"


def quarantine_action(request: HttpRequest, item_id: int, action: str) -> HttpResponse:
    """Confirms (GET) and performs (POST) a retry or a dismissal of a quarantined message."""
    if not request.user.has_perm(QUARANTINE_PERMISSION) or action not in ("retry", "dismiss"):
        raise PermissionDenied
    item = get_object_or_404(QuarantinedMessage, pk=item_id, status=QuarantinedMessage.Status.OPEN)
    if request.method != "POST":
        return TemplateResponse(
            request,
            "correspondence/admin/quarantine_confirm.html",
            {"item": item, "action": action},
        )
    if action == "retry":
        result = quarantine_retry(item_id=item.pk, user=request.user)
        _report_retry(request, result)
    else:
        quarantine_dismiss(item_id=item.pk, user=request.user)
        messages.success(request, _("The message was set aside."))
    return redirect("wagtailsnippets_correspondence_quarantinedmessage:list")


def _report_retry(request: HttpRequest, result: IngestResult) -> None:
    if result.case is not None:
        messages.success(
            request, _("The message is now on case %(number)s.") % {"number": result.case.number}
        )
    elif result.outcome == "quarantined":
        messages.warning(request, _("It failed again: %(reason)s") % {"reason": result.reason})
    else:
        messages.success(
            request,
            _("The message was processed, without a case: %(reason)s") % {"reason": result.reason},
        )


QUARANTINE_VIEW_PERMISSION = "correspondence.view_quarantinedmessage"


@never_cache
def quarantine_raw(request: HttpRequest, item_id: int) -> FileResponse:
    """The quarantined message's raw bytes, for whoever may see the quarantine: a
    download that never runs (as every stored file, see correspondence.views)."""
    if not request.user.has_perm(QUARANTINE_VIEW_PERMISSION):
        raise PermissionDenied
    item = get_object_or_404(QuarantinedMessage, pk=item_id)
    response = FileResponse(
        item.raw.open("rb"),
        as_attachment=True,
        filename=f"quarantined-{item.pk}.eml",
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response
