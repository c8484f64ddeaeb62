"""A case's state changes in one place: the lifecycle services and their transition table.

The source of every module is read and any write of a ``state`` (a keyword of
``update``/``create``, an assignment to ``.state``, an SQL ``SET state``) outside
``workflow/lifecycle*.py`` fails this test. The outbox's own ``OutgoingMail.state``
(queued, sending, sent) is another field and is recognised by its enum.
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# bench/ builds a million-case world with bulk SQL for measurements: data, not the product.
PACKAGES = ("correspondence", "workflow", "intranet")
WRITERS = {"update", "create", "update_or_create", "get_or_create", "bulk_create"}
SQL_STATE_WRITE = re.compile(r"\bSET\s+state\s*=", re.IGNORECASE)
# Take-next's one-statement SQL (PostgreSQL's SKIP LOCKED) writes the table's own target
# state, ``TAKEN_BY_TAKE = next_state(NEW, TAKE)``: tested in test_take_next_writes_*.
SQL_ALLOWED = {"workflow/taking.py"}


def _outbox_state(value: ast.expr) -> bool:
    """``_State.SENT`` or ``OutgoingMail.State.SENT``: the outbox row's state, not a case's;
    or take-next's ``TAKEN_BY_TAKE``, the transition table's own target for a take."""
    text = ast.unparse(value)
    return text.startswith(("_State.", "OutgoingMail.State.")) or text == "TAKEN_BY_TAKE"


def state_writes(source: str) -> list[str]:
    """Every line of ``source`` that writes a ``state``, as "line: code"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = node.func.attr if isinstance(node.func, ast.Attribute) else ""
            name = node.func.id if isinstance(node.func, ast.Name) else name
            for keyword in node.keywords:
                writer = name in WRITERS or name == "CasePage"
                if keyword.arg == "state" and writer and not _outbox_state(keyword.value):
                    found.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
        if isinstance(node, ast.Assign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                is_state = isinstance(target, ast.Attribute) and target.attr == "state"
                if is_state and not _outbox_state(node.value):
                    found.append(f"{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def _sources() -> list[Path]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    return [p for p in files if "migrations" not in p.parts]


def test_no_module_but_the_lifecycle_writes_a_case_state() -> None:
    offenders = []
    for path in _sources():
        relative = path.relative_to(ROOT).as_posix()
        if relative.startswith("workflow/lifecycle") or relative == "workflow/transitions.py":
            continue
        source = path.read_text()
        offenders += [f"{relative}:{line}" for line in state_writes(source)]
        if SQL_STATE_WRITE.search(source) and relative not in SQL_ALLOWED:
            offenders.append(f"{relative}: SQL writes state")
    assert offenders == []


def test_the_scan_sees_each_kind_of_write() -> None:
    source = (
        "CasePage.objects.filter(pk=1).update(state='new')\n"
        "case.state = 'closed'\n"
        "CasePage(state='taken')\n"
        "OutgoingMail.objects.filter(pk=1).update(state=_State.SENT)\n"
        "CasePage.objects.filter(state='new')\n"
    )
    assert sorted(line.split(":")[0] for line in state_writes(source)) == ["1", "2", "3"]


def test_take_next_writes_the_tables_target_state() -> None:
    from workflow.taking import TAKEN_BY_TAKE, _take_sql
    from workflow.transitions import Action, next_state

    assert next_state("new", Action.TAKE) == TAKEN_BY_TAKE
    assert "SET state = %(taken)s" in _take_sql(False)
