"""What every page says about work the system has not done yet: mail waiting to leave."""

from datetime import timedelta
from typing import Any

from django.http import HttpRequest
from django.utils import timezone

from correspondence.models import OutgoingMail

# A mail normally leaves within seconds; one still waiting after this is late, and the
# people writing replies should know (the task queue or the SMTP server is down).
OUTBOX_LATE_AFTER = timedelta(minutes=1)


def outbox_status(request: HttpRequest) -> dict[str, Any]:
    """``outbox_late``: how many mails wait longer than OUTBOX_LATE_AFTER to be sent.

    One query on the partial index of waiting mail; nothing for anonymous visitors.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    late = OutgoingMail.objects.filter(
        state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.SENDING],
        created_at__lt=timezone.now() - OUTBOX_LATE_AFTER,
    ).count()
    return {"outbox_late": late}
