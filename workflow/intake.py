"""The workflow's one seam for intake: what filing a batch of mail asks of the workflow.

Intake (``correspondence.intake.filing``) imports nothing else of the workflow.
"""

from collections.abc import Sequence

from correspondence.intake.understand import Understood
from correspondence.models import CasePage
from workflow.lifecycle import cases_customer_wrote
from workflow.models import RoutingRule
from workflow.rules.services import rules_apply, subject_from_understood


def cases_filed(
    *, wrote_back: Sequence[int], opened: Sequence[tuple[CasePage, Understood]]
) -> None:
    """In the caller's transaction: the customers' write-backs on the cases of ``wrote_back``
    (closed ones reopen, see ``cases_customer_wrote``), then the leaders' rules of each
    newly opened case's pool, applied to what intake understood of its message."""
    cases_customer_wrote(case_ids=wrote_back)
    pools = {case.pool_id for case, _understood in opened}
    ruled = set(
        RoutingRule.objects.filter(pool_id__in=pools, active=True).values_list("pool_id", flat=True)
    )
    for case, understood in opened:
        if case.pool_id in ruled:
            rules_apply(case=case, subject=subject_from_understood(understood, case))
