"""What every page says about work the system has not done yet: mail waiting to leave."""

from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest
from django.utils import timezone

from correspondence.models import OutgoingMail

# A mail normally leaves within seconds; one still waiting after this is late, and the
# people writing replies should know (the task queue or the SMTP server is down).
OUTBOX_LATE_AFTER = timedelta(minutes=1)
# Counted once for every page of every user in this window, not on each page.
OUTBOX_COUNT_CACHE_SECONDS = 30
CACHE_KEY = "correspondence:outbox-late"


def outbox_status(request: HttpRequest) -> dict[str, Any]:
    """``outbox_late``: how many mails wait longer than OUTBOX_LATE_AFTER to be sent.

    Counted on the partial index of waiting mail at most every
    OUTBOX_COUNT_CACHE_SECONDS (and on every page while the cache is unreachable);
    nothing for anonymous visitors.
    """
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    late = cache.get(CACHE_KEY)
    if late is None:
        late = OutgoingMail.objects.filter(
            state__in=[OutgoingMail.State.QUEUED, OutgoingMail.State.SENDING],
            created_at__lt=timezone.now() - OUTBOX_LATE_AFTER,
        ).count()
        cache.set(CACHE_KEY, late, OUTBOX_COUNT_CACHE_SECONDS)
    return {"outbox_late": late}
