"""Runs one measure of ours and prints its result as JSON on the last line of stdout.

``python -m bench.ours NAME '{"arg": ...}'`` with DJANGO_SETTINGS_MODULE and DATABASE_URL
set by the harness (bench.config.ours_env). The result carries the process's peak
resident memory, so the harness reads a worker's and a web process's peak from here.
"""

import json
import resource
import sys
from collections.abc import Callable
from typing import Any

import django


def _measures() -> dict[str, Callable[..., dict[str, Any]]]:
    from bench.ours import board, ingest, lists, pickup, reports, takes, world

    def setup() -> dict[str, Any]:
        world.world_build()
        return {}

    return {
        "setup": setup,
        "ingest": ingest.ingest_measure,
        "ingest_files": ingest.ingest_files_measure,
        "folder_mailbox": ingest.folder_mailbox_measure,
        "mailbox_import": ingest.mailbox_import_measure,
        "pickup": pickup.pickup_measure,
        "lists_build": lists.lists_build,
        "lists": lists.lists_measure,
        "takes": takes.takes_measure,
        "reports_build": reports.reports_build,
        "reports": reports.reports_measure,
        "reports_export": reports.reports_export,
        "board_build": board.board_build,
        "board": board.board_measure,
    }


def main() -> None:
    django.setup()
    name, args = sys.argv[1], json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}")
    result = _measures()[name](**args)
    result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
