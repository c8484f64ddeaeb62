"""The workflow's one seam for intake: what filing a batch of mail asks of the workflow.

Intake (``correspondence.intake.filing``) imports nothing else of the workflow.
"""

from collections.abc import Sequence

from correspondence.intake.understand import Understood
from correspondence.models import CasePage
from workflow.consultation import consultation_answers_record
from workflow.lifecycle import cases_customer_wrote
from workflow.models import RoutingRule
from workflow.rules.services import rules_apply, subject_from_understood


def cases_filed(
    *,
    threaded: Sequence[tuple[CasePage, Understood]],
    opened: Sequence[tuple[CasePage, Understood]],
) -> None:
    """In the caller's transaction: the messages of people (not machines) ``threaded`` on
    existing cases are either a department's answer to a consultation (recorded, see
    ``consultation_answers_record``) or the customer writing back (closed cases reopen, see
    ``cases_customer_wrote``); then the leaders' rules of each newly opened case's pool,
    applied to what intake understood of its message."""
    answers = consultation_answers_record(threaded=threaded)
    cases_customer_wrote(
        case_ids=[case.pk for i, (case, _understood) in enumerate(threaded) if i not in answers]
    )
    pools = {case.pool_id for case, _understood in opened}
    ruled = set(
        RoutingRule.objects.filter(pool_id__in=pools, active=True).values_list("pool_id", flat=True)
    )
    for case, understood in opened:
        if case.pool_id in ruled:
            rules_apply(case=case, subject=subject_from_understood(understood, case))
