"""Services that move a case through the transition table, each logged."""

from django.db import transaction
from django.db.models import F
from wagtail.log_actions import log

from correspondence.models import CasePage, State
from workflow.transitions import Action, next_state


@transaction.atomic
def case_customer_wrote(*, case: CasePage) -> CasePage:
    """Records a customer's new message; a closed case reopens and counts the write-back."""
    case = CasePage.objects.select_for_update().get(pk=case.pk)
    if case.state == State.CLOSED:
        new_state = next_state(case.state, Action.REOPEN)
        CasePage.objects.filter(pk=case.pk).update(
            state=new_state, closed_at=None, writes_after_close=F("writes_after_close") + 1
        )
        case.refresh_from_db()
        log(instance=case, action="correspondence.case.reopen", data={"by": "customer"})
    log(instance=case, action="correspondence.case.customer_wrote")
    return case
