"""Choosing who gets a case: round robin and least open work, skipping the absent. Pure."""

import pytest

from workflow.rules.distribution import (
    is_present,
    least_open_pick,
    operator_pick,
    round_robin_pick,
)


@pytest.mark.parametrize(
    ("presence", "expected"),
    [
        ("available", True),
        ("busy", True),
        ("dnd", False),
        ("away", False),
        ("offline", False),
        (None, False),
    ],
)
def test_presence(presence: str | None, expected: bool) -> None:
    assert is_present(presence) is expected


def test_round_robin_cycles_in_id_order() -> None:
    picks, last = [], None
    for _ in range(5):
        last = round_robin_pick([30, 10, 20], last=last, present={10, 20, 30})
        picks.append(last)
    assert picks == [10, 20, 30, 10, 20]


def test_round_robin_skips_the_absent() -> None:
    assert round_robin_pick([10, 20, 30], last=10, present={10, 30}) == 30
    assert round_robin_pick([10, 20, 30], last=30, present={20}) == 20


def test_round_robin_after_someone_left_the_rule_goes_on_from_their_place() -> None:
    assert round_robin_pick([10, 30, 40], last=20, present={10, 30, 40}) == 30
    assert round_robin_pick([10, 30], last=50, present={10, 30}) == 10


def test_nobody_present_means_nobody() -> None:
    assert round_robin_pick([10, 20], last=None, present=set()) is None
    assert least_open_pick([10, 20], open_counts={}, present=set()) is None
    assert round_robin_pick([], last=None, present={1}) is None


def test_least_open_picks_the_fewest_open_cases_among_the_present() -> None:
    counts = {10: 4, 20: 1, 30: 0}
    assert least_open_pick([10, 20, 30], open_counts=counts, present={10, 20, 30}) == 30
    assert least_open_pick([10, 20, 30], open_counts=counts, present={10, 20}) == 20


def test_least_open_ties_go_to_the_lowest_id_and_unknown_counts_are_zero() -> None:
    assert least_open_pick([30, 20], open_counts={30: 2}, present={20, 30}) == 20
    assert least_open_pick([30, 20], open_counts={}, present={20, 30}) == 20


def test_operator_pick_by_mode() -> None:
    args = {"candidates": [10, 20], "last": 10, "present": {10, 20}, "open_counts": {10: 0, 20: 5}}
    assert operator_pick(mode="operator", **args) == 10  # type: ignore[arg-type]
    assert operator_pick(mode="round_robin", **args) == 20  # type: ignore[arg-type]
    assert operator_pick(mode="least_open", **args) == 10  # type: ignore[arg-type]
    assert (
        operator_pick(mode="operator", candidates=[10], last=None, present=set(), open_counts={})
        is None
    )
    with pytest.raises(ValueError):
        operator_pick(mode="lottery", **args)  # type: ignore[arg-type]
