"""The short table printed after a run (and pasted into RESULTS.md)."""

from typing import Any


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _rows(results: dict[str, Any]) -> list[tuple[str, Any, Any, Any]]:
    rows: list[tuple[str, Any, Any, Any]] = []
    ing = results.get("ingestion", {})
    rows.append(
        (
            "ingestion, messages/s",
            _get(ing, "ours", "per_second"),
            _get(ing, "peer", "per_second"),
            _get(ing, "ratio"),
        )
    )
    rows.append(("replies threaded", _fraction(ing, "ours"), _fraction(ing, "peer"), None))
    if "ours_import" in ing:
        rows.append(_speed("mailbox_import (IMAP)", ing, "ours_import", "ratio_import"))
        rows.append(("replies threaded (import)", _fraction(ing, "ours_import"), None, None))
    files = results.get("ingest_files", {})
    if files:
        rows.append(_speed("ingest_eml of a folder", files, "ours", "ratio"))
        rows.append(
            ("replies threaded (files)", _fraction(files, "ours"), _fraction(files, "peer"), None)
        )
        rows.append(_speed("ingest_eml of listed files", files, "ours_listed", "ratio_listed"))
        rows.append(
            _speed("folder mailbox (demo)", files, "ours_folder_mailbox", "ratio_folder_mailbox")
        )
    pick = results.get("pickup", {})
    for mode in ("idle", "poll"):
        rows.append((f"pickup {mode} p50/p95 s", _pair(_get(pick, mode)), "n/a", None))
    for key, value in sorted(results.get("lists", {}).items()):
        if key.startswith(("ours_", "peer_")):
            side, size = key.split("_")
            for name in ("operator_list", "search_by_sender", "leader_list"):
                stats = _get(value, name, "ms")
                cells = (_pair(stats), None) if side == "ours" else (None, _pair(stats))
                rows.append(
                    (
                        f"{name} at {int(size):,} p50/p95 ms",
                        *cells,
                        _get(results, "lists", "ratio_p95", name) if side == "peer" else None,
                    )
                )
    for key, value in sorted(results.get("board", {}).items()):
        if key.startswith("ours_"):
            size = int(key.split("_")[1])
            for name in ("leader_figures", "leader_page", "manager_figures", "manager_page"):
                rows.append(
                    (f"{name} at {size:,} p50/p95 ms", _pair(_get(value, name, "ms")), "n/a", None)
                )
    takes = _get(results, "take_next", "ours")
    if takes:
        rows.append(
            (
                "take-next/s (16 operators), double-takes",
                f"{takes.get('per_second')} / {takes.get('double_takes')}",
                "n/a",
                None,
            )
        )
    rep = results.get("reports", {})
    if rep.get("cases"):
        size = f"{rep['cases']:,}"
        rows.append(
            (
                f"year's report at {size} cases p50/max ms",
                _pair_max(_get(rep, "report_ms")),
                "n/a",
                None,
            )
        )
        rows.append(
            (
                f"year's report page at {size} cases p50/max ms",
                _pair_max(_get(rep, "page_ms")),
                "n/a",
                None,
            )
        )
        export = rep.get("export", {})
        rows.append(
            (
                f"Excel of {export.get('cases_listed', 0):,} cases: s / peak RSS MB",
                f"{export.get('seconds')} / {export.get('peak_rss_mb')}",
                "n/a",
                None,
            )
        )
    mem = results.get("memory", {})
    rows.append(
        ("peak RSS worker MB", _get(mem, "worker_mb", "ours"), _get(mem, "worker_mb", "peer"), None)
    )
    rows.append(("peak RSS web MB", _get(mem, "web_mb", "ours"), _get(mem, "web_mb", "peer"), None))
    return rows


def _speed(label: str, section: Any, side: str, ratio: str) -> tuple[str, Any, Any, Any]:
    """A row of messages per second, ours against the peer's one run of that measure."""
    return (
        f"{label}, messages/s",
        _get(section, side, "per_second"),
        _get(section, "peer", "per_second"),
        _get(section, ratio),
    )


def _fraction(section: Any, side: str) -> str | None:
    data = _get(section, side)
    return (
        f"{data['replies_threaded']}/{data['replies']}"
        if isinstance(data, dict) and "replies" in data
        else None
    )


def _pair(stats: Any) -> str | None:
    return (
        f"{stats['p50']} / {stats['p95']}" if isinstance(stats, dict) and "p50" in stats else None
    )


def _pair_max(stats: Any) -> str | None:
    return (
        f"{stats['p50']} / {stats['max']}" if isinstance(stats, dict) and "max" in stats else None
    )


def _cell(value: Any, suffix: str = "") -> str:
    return "" if value is None else f"{value}{suffix}"


def table(output: dict[str, Any]) -> str:
    """A Markdown table: measure, ours, peer, ratio."""
    lines = [
        f"commit {output['commit']}, {'quick' if output['quick'] else 'full'} run, "
        f"{output['started']}",
        "",
        "| measure | ours | django-helpdesk | ratio |",
        "|---|---|---|---|",
    ]
    for name, ours, peer, ratio in _rows(output["results"]):
        lines.append(f"| {name} | {_cell(ours)} | {_cell(peer)} | {_cell(ratio, suffix='x')} |")
    errors = {
        k: v["error"][:200]
        for k, v in output["results"].items()
        if isinstance(v, dict) and "error" in v
    }
    lines += [f"\nERROR in {k}: {v}" for k, v in errors.items()]
    return "\n".join(lines)
