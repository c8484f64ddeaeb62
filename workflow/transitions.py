"""The one transition table of a case's lifecycle. Pure: states and actions in, state out.

The state names are spelled here and only here; ``correspondence.models.State`` gives
them their labels, and every other module uses one of the two.
"""

from enum import StrEnum


class InvalidTransition(ValueError):
    """The action is not allowed in the case's current state."""

    def __init__(self, state: str, action: str) -> None:
        super().__init__(f"'{action}' is not allowed on a case in state '{state}'")
        self.state = state
        self.action = action


class Action(StrEnum):
    TAKE = "take"  # an operator takes a new case (by hand or with take-next)
    ASSIGN = "assign"  # a team leader or a routing rule gives it to an operator
    HAND_OVER = "hand_over"  # its operator hands it to a colleague, with a reason
    TRANSFER = "transfer"  # moved to another pool, untaken there
    RELEASE = "release"  # back to the pool: anti-hoarding, or the operator lets it go
    CONSULT = "consult"  # sent to another department
    CONSULTATION_ANSWERED = "consultation_answered"
    SUBMIT_FOR_APPROVAL = "submit_for_approval"
    APPROVE = "approve"  # the reply leaves
    REJECT = "reject"  # the reply goes back to its author
    CLOSE = "close"
    REOPEN = "reopen"  # reactivated by staff, or the customer wrote back


NEW = "new"
TAKEN = "taken"
CONSULTATION = "consultation"
AWAITING_APPROVAL = "awaiting_approval"
CLOSED = "closed"
STATES = (NEW, TAKEN, CONSULTATION, AWAITING_APPROVAL, CLOSED)
# Someone is working on it: counted as an operator's open work.
OPEN_STATES = (TAKEN, CONSULTATION, AWAITING_APPROVAL)

TRANSITIONS: dict[tuple[str, Action], str] = {
    (NEW, Action.TAKE): TAKEN,
    (NEW, Action.ASSIGN): TAKEN,
    (TAKEN, Action.ASSIGN): TAKEN,  # reassignment by a team leader
    (TAKEN, Action.HAND_OVER): TAKEN,
    (NEW, Action.TRANSFER): NEW,
    (TAKEN, Action.TRANSFER): NEW,
    (TAKEN, Action.RELEASE): NEW,
    (TAKEN, Action.CONSULT): CONSULTATION,
    (CONSULTATION, Action.CONSULT): CONSULTATION,  # a further department asked
    (CONSULTATION, Action.CONSULTATION_ANSWERED): TAKEN,
    (TAKEN, Action.SUBMIT_FOR_APPROVAL): AWAITING_APPROVAL,
    (AWAITING_APPROVAL, Action.APPROVE): TAKEN,
    (AWAITING_APPROVAL, Action.REJECT): TAKEN,
    (TAKEN, Action.CLOSE): CLOSED,
    (CLOSED, Action.REOPEN): TAKEN,
}


def next_state(state: str, action: Action) -> str:
    """Returns the state the action leads to; raises InvalidTransition when not allowed."""
    try:
        return TRANSITIONS[(state, action)]
    except KeyError:
        raise InvalidTransition(state, action) from None


def allowed_actions(state: str) -> list[Action]:
    """The actions the table allows in this state, in table order."""
    return [action for (source, action) in TRANSITIONS if source == state]
