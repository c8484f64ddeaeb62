"""``python -m bench [--quick] [--only NAME] [--skip-1m] [--out results.json]``.

Prepares what it needs (databases, IMAP accounts, the peer's venv), runs each measure,
writes JSON and prints a short table. ``--quick`` uses small sizes and checks nothing.
"""

import argparse
import json
import subprocess
import sys
import time
import traceback
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from bench import config
from bench.context import Context
from bench.measures import board, ingest_files, ingestion, lists, memory, pickup, reports, take_next
from bench.report import table

MEASURES = {
    "ingestion": ingestion.run,
    "ingest_files": ingest_files.run,
    "pickup": pickup.run,
    "lists": lists.run,
    "take_next": take_next.run,
    "board": board.run,
    "memory": memory.run,
    "reports": reports.run,
}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="small sizes, about two minutes")
    parser.add_argument("--only", choices=list(MEASURES), action="append", help="run only this")
    parser.add_argument("--skip-1m", action="store_true", help="leave out lists at 1M cases")
    parser.add_argument("--out", default="", help="write the JSON results to this file")
    parser.add_argument("--reports-size", type=int, default=0, help="cases of the reports' year")
    return parser.parse_args()


def _commit() -> str:
    done = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=config.REPO, capture_output=True, text=True
    )
    return done.stdout.strip() or "unknown"


def main() -> int:
    args = _arguments()
    sizes = config.QUICK if args.quick else config.FULL
    if args.skip_1m:
        sizes = replace(sizes, lists=tuple(s for s in sizes.lists if s < 1_000_000))
    if args.reports_size:
        sizes = replace(sizes, reports=args.reports_size)
    ctx = Context(sizes=sizes, quick=args.quick)
    header: dict[str, Any] = {
        "commit": _commit(),
        "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
        "seed": config.SEED,
    }
    failed = []
    for name in args.only or list(MEASURES):
        started = time.perf_counter()
        print(f"[bench] {name} ...", file=sys.stderr, flush=True)
        try:
            ctx.results[name] = MEASURES[name](ctx)
        except Exception as exc:  # reported in the results and the exit code, never hidden
            traceback.print_exc()
            partial = ctx.results.get(name)
            kept = partial if isinstance(partial, dict) else {}
            ctx.results[name] = {**kept, "error": str(exc)[-2000:]}
            failed.append(name)
        print(
            f"[bench] {name} done in {time.perf_counter() - started:.0f}s",
            file=sys.stderr,
            flush=True,
        )
    output = {**header, "results": ctx.results}
    if args.out:
        with open(args.out, "w") as handle:
            json.dump(output, handle, indent=2)
    print(table(output))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
