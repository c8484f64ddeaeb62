"""Small statistics shared by both sides (no Django here: the peer's venv imports it too)."""

import statistics


def percentiles(values: list[float]) -> dict[str, float]:
    """p50 and p95 (nearest rank) and the maximum; zeros for no values."""
    if not values:
        return {"p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)
    rank95 = max(0, min(len(ordered) - 1, round(0.95 * len(ordered)) - 1))
    return {"p50": statistics.median(ordered), "p95": ordered[rank95], "max": ordered[-1]}
