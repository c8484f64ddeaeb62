"""Cases with known histories around the EU daylight-saving change of 29 March 2026.

The period reported is Saturday 28 to Monday 30 March 2026 in Europe/Rome: it starts at
27 March 23:00 UTC and ends at 30 March 22:00 UTC (the clocks went forward at 02:00 on
the 29th). Every expected figure in the tests is worked out by hand in ``EXPECTED``'s
comments from the histories below.
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import Group, User
from wagtail.models import PageLogEntry

from correspondence import permissions
from correspondence.models import CasePage, Category, Department, Message, PoolPage, Question
from intranet.models import UserProfile
from workflow import handling, lifecycle
from workflow.models import Consultation

ROME = ZoneInfo("Europe/Rome")
FIRST, LAST = date(2026, 3, 28), date(2026, 3, 30)


def rome(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ROME)


def _set(case: CasePage, **fields: Any) -> None:
    CasePage.objects.filter(pk=case.pk).update(**fields)


def _message(
    case: CasePage,
    kind: str,
    when: datetime,
    author: User | None = None,
    pool: PoolPage | None = None,
) -> None:
    """A message stamped as intake or the outbox would have stamped it at ``when``: with
    the case's pool then (``pool`` if the case has moved since) and its operator if it had
    been taken by then."""
    case.refresh_from_db()
    held = case.taken_at is not None and case.taken_at <= when
    Message.objects.create(
        case=case,
        kind=kind,
        date=when,
        author=author,
        subject="x",
        pool_id=pool.pk if pool else case.pool_id,
        holder_id=case.assignee_id if held else None,
    )


@pytest.fixture
def world(
    sinistri: PoolPage,
    pagamenti: PoolPage,
    make_operator: Callable[..., User],
    make_case: Callable[..., CasePage],
) -> dict[str, Any]:
    op1 = make_operator("op1", sinistri)
    op2 = make_operator("op2", sinistri, pagamenti)
    leader = make_operator("leader", sinistri, role="team leaders")
    manager = User.objects.create_user("manager", password="pw")
    UserProfile.objects.create(user=manager)
    managers = Group.objects.create(name="Managers")
    for pool in (sinistri, pagamenti):
        for perm in (permissions.VIEW, permissions.EXPORT):
            permissions.pool_permission_grant(group=managers, perm=perm, pool=pool)
    manager.groups.add(managers)
    admin = User.objects.create_superuser("admin", password="pw")
    category = Category.objects.create(name="Sinistro")
    Question.objects.create(category=category, key="esito", label="Esito", kind="choice",
                            choices="sì\nno")  # fmt: skip
    Question.objects.create(category=category, key="note", label="Note", kind="text")

    def case(pool: PoolPage, email: str, received: datetime, **fields: Any) -> CasePage:
        made = make_case(pool, when=received, customer_email=email)
        _set(made, **fields)
        made.refresh_from_db()
        return made

    # A: on time without consultation (closed 28th 12:00, due 29th), answered, 2 answers.
    a = case(sinistri, "a@x.it", rome(28, 9), state="closed", assignee=op1,
             taken_at=rome(28, 9, 30), first_reply_at=rome(28, 10), due_at=rome(29, 18),
             closed_at=rome(28, 12),
             category=category, answers={"esito": "sì", "note": "ok"})  # fmt: skip
    # B: late without consultation (due 28th 12:00, closed 29th 09:00).
    b = case(sinistri, "b@x.it", rome(28, 10), state="closed", assignee=op1, taken_at=rome(28, 11),
             due_at=rome(28, 12), closed_at=rome(29, 9), category=category,
             answers={"esito": "no"})  # fmt: skip
    # C: arrives 01:00 CET on the night of the change, on time with consultation.
    c = case(sinistri, "c@x.it", rome(29, 1), state="closed", assignee=op2, taken_at=rome(29, 4),
             due_at=rome(29, 5), closed_at=rome(29, 4, 30), category=category,
             answers={"esito": "sì"}, had_consultation=True)  # fmt: skip
    # D: arrived before the period (27th 23:30), closed in it without a due time: on time;
    # the same customer as A (the address in capitals).
    d = case(sinistri, "A@X.IT", rome(27, 23, 30), state="closed", assignee=op1,
             taken_at=rome(28, 8), closed_at=rome(28, 8, 30), due_at=None)  # fmt: skip
    # E: the period's last minute, still new. F: the minute after the period.
    case(pagamenti, "e@x.it", rome(30, 23, 59), due_at=None)
    case(pagamenti, "f@x.it", rome(31, 0), due_at=None)
    # G: arrived before, closed just after the period: open on every day of it.
    g = case(pagamenti, "g@x.it", rome(20, 9), state="closed", assignee=op2, taken_at=rome(20, 10),
             closed_at=rome(31, 0, 30), due_at=None)  # fmt: skip
    # H: arrives in Sinistri, moved to Pagamenti, late with consultation (the case's flag).
    h = case(sinistri, "h@x.it", rome(28, 14))
    handling.case_transfer(case_id=h.pk, user=admin, pool=pagamenti, reason="wrong pool")
    # The transfer recomputes the due time from Pagamenti's rule (no policy: 5 working
    # days from Saturday 14:00, Friday 3 April 14:00 CEST), the same on both databases;
    # H is then made late by the due time its history needs, set after the transfer.
    h.refresh_from_db()
    assert h.due_at == rome(3, 14, month=4)
    _set(h, state="closed", assignee=op2, taken_at=rome(29, 9), first_reply_at=rome(30, 9, 30),
         closed_at=rome(30, 10), had_consultation=True, category=category,
         due_at=rome(30, 9), answers={"esito": ""})  # fmt: skip
    # R: closed before the period, reopened by the customer writing on the 28th, closed
    # again (late) on the 30th: counted once, by its last closing.
    r = case(sinistri, "r@x.it", rome(25, 10), state="closed", assignee=op1, taken_at=rome(25, 11),
             first_reply_at=rome(25, 12), due_at=rome(27, 10), closed_at=rome(26, 10))  # fmt: skip
    lifecycle.cases_customer_wrote(case_ids=[r.pk])
    _set(r, state="closed", closed_at=rome(30, 15))
    # K: closed one minute before the period.
    case(sinistri, "k@x.it", rome(27, 8), state="closed", assignee=op1, taken_at=rome(27, 9),
         closed_at=rome(27, 23, 59), due_at=None)  # fmt: skip

    # Consultations answered: C's on time, H's late, G's before the period and H's second
    # one after it; A's is still unanswered.
    department = Department.objects.create(name="Legale", emails="legale@x.it")
    for one, sent, due, answered in (
        (c, rome(29, 3, 10), rome(29, 5), rome(29, 4, 15)),
        (h, rome(28, 16), rome(29, 10), rome(29, 12)),
        (g, rome(20, 11), rome(27, 18), rome(27, 12)),
        (h, rome(30, 9), rome(31, 12), rome(31, 0, 1)),
        (a, rome(28, 10), rome(28, 11), None),
    ):
        Consultation.objects.create(case=one, department=department, question="?",
                                    asked_by=admin, sent_at=sent, due_at=due,
                                    answered_at=answered)  # fmt: skip
    # Marked as worked (LAVORATO): A by op1 and H by op2 in the period, C by op2 in its last
    # minute, B by op1 the evening before it.
    for one, who, when in ((a, op1, rome(28, 11)), (h, op2, rome(29, 10)),
                           (c, op2, rome(30, 23, 59)), (b, op1, rome(27, 20))):  # fmt: skip
        _set(one, worked_at=when, worked_by=who)
    # Messages from customers (D's before the period) and answers of staff. Each arrived
    # before its case was taken, except R's write-back (op1 held R); H's arrived while H
    # was in Sinistri, before its transfer.
    for one, when in ((a, rome(28, 9)), (b, rome(28, 10)), (c, rome(29, 1)), (d, rome(27, 23, 30)),
                      (r, rome(28, 10)), (r, rome(25, 10))):  # fmt: skip
        _message(one, Message.Kind.INBOUND, when)
    _message(h, Message.Kind.INBOUND, rome(28, 14), pool=sinistri)
    e = CasePage.objects.get(customer_email="e@x.it")
    _message(e, Message.Kind.INBOUND, rome(30, 23, 59))
    _message(a, Message.Kind.AUTO_REPLY, rome(28, 9, 1))
    _message(a, Message.Kind.OUTBOUND, rome(28, 10), op1)
    _message(b, Message.Kind.OUTBOUND, rome(28, 16), op1)
    _message(h, Message.Kind.OUTBOUND, rome(30, 9, 30), op2)
    _message(r, Message.Kind.OUTBOUND, rome(25, 12), op1)
    _message(b, Message.Kind.OUTBOUND, rome(28, 17))  # no author: not staff work
    assert PageLogEntry.objects.filter(action="correspondence.case.reopen").count() == 1
    return {"op1": op1, "op2": op2, "leader": leader, "manager": manager, "admin": admin,
            "sinistri": sinistri, "pagamenti": pagamenti}  # fmt: skip
