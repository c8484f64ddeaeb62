"""Views of correspondence that are not pages: attachment downloads, search, registration."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from wagtail.log_actions import log

from correspondence.errors import CaseActionDenied, CaseActionInvalid
from correspondence.forms import ManualRequestForm
from correspondence.models import Attachment
from correspondence.permissions import EXPORT, REGISTER, cases_visible_to, may, pools_for
from correspondence.reading import MAGIC_BYTES_NEEDED, raster_image_type
from correspondence.registration import case_register
from correspondence.selectors import case_search
from workflow.history import case_dossier

# Served files never run: no script, no plug-in, no form, no same-origin access.
DOWNLOAD_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


@never_cache
@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Sends an attachment to a user who may see its case; 404 for anyone else.

    Only a PNG, JPEG, GIF or WebP image, recognised by its bytes, is shown inline, with
    the type its bytes prove; every other file (HTML, SVG, anything the sender called
    an image) is a download of type application/octet-stream, whatever the sender said.
    """
    attachment = get_object_or_404(
        Attachment.objects.select_related("message"),
        pk=attachment_id,
        message__case__in=cases_visible_to(request.user),
    )
    handle = attachment.file.open("rb")
    image_type = raster_image_type(handle.read(MAGIC_BYTES_NEEDED))
    handle.seek(0)
    response = FileResponse(
        handle,
        as_attachment=image_type is None,
        filename=attachment.filename,
        content_type=image_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    return response


@never_cache
@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search across the user's pools, with the same limits as their pool lists."""
    return render(
        request,
        "correspondence/search.html",
        case_search(user=request.user, params=request.GET.dict()),
    )


@login_required
def register(request: HttpRequest) -> HttpResponse:
    """Registers a request that came by phone, fax, post or at the counter."""
    pools = pools_for(request.user, REGISTER)
    if not pools.exists():
        raise PermissionDenied
    form = ManualRequestForm(request.POST or None, request.FILES or None, pools=pools)
    if request.method == "POST" and form.is_valid():
        try:
            case = case_register(
                pool=form.cleaned_data["pool"], request=form.manual_request(), user=request.user
            )
        except (CaseActionDenied, CaseActionInvalid) as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Registered as case %(number)s.") % {"number": case.number})
            return redirect(case.url)
    return render(request, "correspondence/register.html", {"form": form})


@never_cache
@login_required
def case_dossier_download(request: HttpRequest, case_id: int) -> HttpResponse:
    """The case's whole record as one zip, for whoever may export its pool; 404 for those
    who may not see it, 403 for those who see it but may not export it."""
    case = get_object_or_404(cases_visible_to(request.user), pk=case_id)
    if not may(request.user, EXPORT, case.pool):
        raise PermissionDenied
    content = case_dossier(case=case, exported_by=request.user.get_username())
    log(instance=case, action="correspondence.case.export", user=request.user)
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{case.number}.zip"'
    return response
