"""Sharing cases among operators: round robin or least open work, skipping the absent.

Pure: the presence and open work it chooses by are read by the caller
(`workflow.rules.services`) and passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

ABSENT = frozenset({"away", "offline", "dnd"})


def is_present(presence: str | None) -> bool:
    """Whether someone with this presence may receive work (no profile counts as offline)."""
    return presence is not None and presence not in ABSENT


def round_robin_pick(
    candidates: Sequence[int], *, last: int | None, present: Collection[int]
) -> int | None:
    """The next present candidate after `last`, in ascending id order, wrapping round.

    When `last` is no longer a candidate, the turn passes to the first id above it, so
    removing someone from the rule does not send the turn back to the start. None when
    nobody is present.
    """
    order = sorted(set(candidates))
    start = 0 if last is None else next((i for i, c in enumerate(order) if c > last), 0)
    for candidate in order[start:] + order[:start]:
        if candidate in present:
            return candidate
    return None


def least_open_pick(
    candidates: Sequence[int], *, open_counts: Mapping[int, int], present: Collection[int]
) -> int | None:
    """The present candidate with the fewest open cases; ties go to the lowest id."""
    eligible = sorted(c for c in set(candidates) if c in present)
    if not eligible:
        return None
    return min(eligible, key=lambda c: (open_counts.get(c, 0), c))


def operator_pick(
    *,
    mode: str,
    candidates: Sequence[int],
    last: int | None,
    present: Collection[int],
    open_counts: Mapping[int, int],
) -> int | None:
    """Who gets the case under an assignment mode ("operator", "round_robin", "least_open").

    `candidates` are the operators allowed to work the case; "operator" means the single
    candidate, if present. None when nobody present may take it.
    """
    if mode == "operator":
        return candidates[0] if candidates and candidates[0] in present else None
    if mode == "round_robin":
        return round_robin_pick(candidates, last=last, present=present)
    if mode == "least_open":
        return least_open_pick(candidates, open_counts=open_counts, present=present)
    raise ValueError(f"unknown assignment mode {mode!r}")
