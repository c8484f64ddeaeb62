"""Tests on the demo's database: the test settings on an SQLite file configured as the demo's.

`.ci/test` runs the suite a second time with these settings; tests that hold only on
PostgreSQL are marked ``postgresql`` and skipped here with their reason (tests/conftest.py).
"""

import tempfile
from pathlib import Path

from intranet.settings.base import sqlite_database
from intranet.settings.test import *  # noqa: F403

# A file, not SQLite's in-memory database: threads and the live server then meet the same
# locking, WAL journal and timeouts as the demo's processes.
_FOLDER = Path(tempfile.mkdtemp(prefix="corrispondenza-test-sqlite-"))
DATABASES = {"default": sqlite_database(_FOLDER / "corrispondenza.sqlite3")}
DATABASES["default"]["TEST"] = {"NAME": str(_FOLDER / "test-corrispondenza.sqlite3")}
