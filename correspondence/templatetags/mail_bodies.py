"""`{% message_body m %}`: a message's body as the reader may see it (see reading.py);
`{% attachment_url a %}`: where a stored file is downloaded."""

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils.safestring import mark_safe

from correspondence.models import Attachment, Message
from correspondence.reading import html_for_reading

register = template.Library()

# The query parameter by which a reader asks for one message's remote images.
REMOTE_IMAGES_PARAM = "images"


@register.simple_tag
def attachment_url(attachment: Attachment) -> str:
    """The download URL of a stored file: on CORRISPONDENZA_FILES_ORIGIN when the
    deployment serves files from an origin of their own (README, Security)."""
    origin = str(getattr(settings, "CORRISPONDENZA_FILES_ORIGIN", "")).rstrip("/")
    return origin + reverse("attachment_download", args=[attachment.pk])


@register.inclusion_tag("correspondence/includes/message_body.html", takes_context=True)
def message_body(context: dict[str, Any], message: Message) -> dict[str, Any]:
    """The body of a message, without remote images unless the reader asked for them."""
    request = context.get("request")
    asked = request is not None and request.GET.get(REMOTE_IMAGES_PARAM) == str(message.pk)
    if not message.html:
        return {"message": message, "html": "", "remote_blocked": False}
    cid_urls = {
        a.content_id.strip("<>").lower(): attachment_url(a)
        for a in message.attachments.all()
        if a.content_id
    }
    reading = html_for_reading(message.html, cid_urls=cid_urls, remote=asked)
    return {
        "message": message,
        "html": mark_safe(reading.html),  # sanitised by nh3 just above
        "remote_blocked": reading.remote_blocked,
        "param": REMOTE_IMAGES_PARAM,
    }
