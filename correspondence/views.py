"""Views of correspondence that are not pages: attachment downloads."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from correspondence.models import Attachment
from correspondence.selectors import case_search
from workflow.permissions import cases_visible_to


@login_required
def attachment_download(request: HttpRequest, attachment_id: int) -> FileResponse:
    """Sends an attachment to a user who may see its case; 404 for anyone else."""
    attachment = get_object_or_404(
        Attachment.objects.select_related("message"),
        pk=attachment_id,
        message__case__in=cases_visible_to(request.user),
    )
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=not attachment.inline,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )


@login_required
def search(request: HttpRequest) -> HttpResponse:
    """Search across the user's pools, with the same limits as their pool lists."""
    return render(
        request,
        "correspondence/search.html",
        case_search(user=request.user, params=request.GET.dict()),
    )
