"""The audit trail of many cases at once: Wagtail's page log, written in one INSERT.

``wagtail.log_actions.log`` saves one entry with validation queries; intake and batch
creation write an entry per case for hundreds of cases, so they insert the same
entries (the action is registered, the ids exist) together.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone
from wagtail.models import PageLogEntry

from correspondence.models import CasePage
from correspondence.services.rows import rows_insert


def cases_log(
    *,
    cases: Sequence[CasePage],
    action: str,
    user: Any = None,
    data: dict[str, Any] | Callable[[CasePage], dict[str, Any]] | None = None,
    timestamp: datetime | None = None,
) -> None:
    """One log entry per case (a case listed twice is logged twice), as ``log()`` writes it.

    ``data`` is the entry's data, or a function giving it for each case.
    """
    if not cases:
        return
    content_type = ContentType.objects.get_for_model(CasePage)
    timestamp = timestamp or timezone.now()
    rows_insert(
        model=PageLogEntry,
        objs=[
            PageLogEntry(
                content_type=content_type,
                label=case.title,
                timestamp=timestamp,
                action=action,
                page_id=case.pk,
                user_id=getattr(user, "pk", None),
                content_changed=action == "correspondence.case.create",
                data=data(case) if callable(data) else (data or {}),
            )
            for case in cases
        ],
    )
