"""Who has a case open: a write (the viewer's row is refreshed) that answers who else is on it."""

from datetime import timedelta
from typing import Any

from django.utils import timezone

from correspondence.models import CasePage, CaseViewer

VIEWER_WINDOW = timedelta(seconds=45)


def case_viewers_touch(*, case: CasePage, user: Any) -> list[Any]:
    """Records that the user has the case open; returns the others who have it open now."""
    now = timezone.now()
    CaseViewer.objects.update_or_create(case=case, user=user, defaults={"seen_at": now})
    others = (
        CaseViewer.objects.filter(case=case, seen_at__gte=now - VIEWER_WINDOW)
        .exclude(user=user)
        .select_related("user")
    )
    return [viewer.user for viewer in others]
