import pytest

from workflow.transitions import Action, InvalidTransition, allowed_actions, next_state


@pytest.mark.parametrize(
    ("state", "action", "expected"),
    [
        ("new", Action.TAKE, "taken"),
        ("taken", Action.CONSULT, "consultation"),
        ("consultation", Action.CONSULTATION_ANSWERED, "taken"),
        ("taken", Action.SUBMIT_FOR_APPROVAL, "awaiting_approval"),
        ("awaiting_approval", Action.REJECT, "taken"),
        ("awaiting_approval", Action.APPROVE, "taken"),
        ("taken", Action.CLOSE, "closed"),
        ("closed", Action.REOPEN, "taken"),
        ("taken", Action.RELEASE, "new"),
    ],
)
def test_the_lifecycle_follows_the_table(state: str, action: Action, expected: str) -> None:
    assert next_state(state, action) == expected


@pytest.mark.parametrize(
    ("state", "action"),
    [
        ("new", Action.CLOSE),
        ("closed", Action.TAKE),
        ("consultation", Action.CLOSE),
        ("awaiting_approval", Action.CLOSE),
        ("new", Action.REOPEN),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(state: str, action: Action) -> None:
    with pytest.raises(InvalidTransition, match=f"'{action}' is not allowed"):
        next_state(state, action)


def test_a_closed_case_can_only_be_reopened() -> None:
    assert allowed_actions("closed") == [Action.REOPEN]
