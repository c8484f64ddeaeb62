"""Wagtail admin views of correspondence that are not plain snippet editing."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from correspondence.intake.ingest import IngestResult
from correspondence.intake.probe import mailbox_connection_test
from correspondence.intake.quarantine import quarantine_dismiss, quarantine_retry
from correspondence.models import (
    Mailbox,
    Message,
    PecRevocationList,
    PecTrustedCertificate,
    QuarantinedMessage,
)
from correspondence.services.pec_trust import pec_crl_import, pec_trust_import
from correspondence.views import DOWNLOAD_POLICY

QUARANTINE_PERMISSION = "correspondence.change_quarantinedmessage"
MAILBOX_PERMISSION = "correspondence.change_mailbox"


def mailbox_test(request: HttpRequest, mailbox_id: int) -> HttpResponse:
    """Logs in to the mailbox's servers (POST) and shows what each one answered."""
    if not request.user.has_perm(MAILBOX_PERMISSION):
        raise PermissionDenied
    mailbox = get_object_or_404(Mailbox, pk=mailbox_id)
    results = mailbox_connection_test(mailbox=mailbox) if request.method == "POST" else None
    return TemplateResponse(
        request,
        "correspondence/admin/mailbox_test.html",
        {"mailbox": mailbox, "results": results},
    )


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


PEC_TRUST_PERMISSION = "correspondence.add_pectrustedcertificate"


def pec_trust_import_view(request: HttpRequest) -> HttpResponse:
    """Lists the PEC trust list and its CRLs; imports a trust list file (a PEM bundle or
    AgID's XML) or a provider's CRL (PEM or DER, verified against the trust list)."""
    if not request.user.has_perm(PEC_TRUST_PERMISSION):
        raise PermissionDenied
    if request.method == "POST":
        _pec_trust_upload(request)
        return redirect("correspondence_pec_trust")
    now = timezone.now()
    return TemplateResponse(
        request,
        "correspondence/admin/pec_trust.html",
        {
            "certificates": PecTrustedCertificate.objects.all(),
            "crls": [
                (crl, crl.next_update is not None and crl.next_update < now)
                for crl in PecRevocationList.objects.defer("der")
            ],
        },
    )


def _pec_trust_upload(request: HttpRequest) -> None:
    upload, crl = request.FILES.get("trust_list"), request.FILES.get("crl")
    try:
        if upload is not None:
            added = pec_trust_import(data=upload.read(), source=upload.name or "")
            message = _("%(count)d new certificates added to the trust list.") % {"count": added}
        elif crl is not None:
            row = pec_crl_import(data=crl.read(), source=crl.name or "")
            message = _("CRL of %(issuer)s imported: %(count)d revoked certificates.") % {
                "issuer": row.issuer,
                "count": row.revoked_count,
            }
        else:
            raise ValueError(_("no file was sent"))
    except ValueError as error:
        messages.error(request, _("The file was not imported: %(error)s") % {"error": error})
    else:
        messages.success(request, message)


def unmatched_receipts_view(request: HttpRequest) -> HttpResponse:
    """PEC receipts and bounces that certify no outgoing mail of ours, newest first:
    nobody sees them on a case, so administrators see them here."""
    if not request.user.has_perm(QUARANTINE_PERMISSION):
        raise PermissionDenied
    receipts = (
        Message.objects.filter(kind=Message.Kind.RECEIPT, certifies__isnull=True)
        .select_related("mailbox")
        .order_by("-date")[:500]
    )
    return TemplateResponse(
        request, "correspondence/admin/unmatched_receipts.html", {"receipts": receipts}
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
