"""What each figure of a report means, written once for the page and the workbook."""

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# (key, name, definition): the order in which the page and the summary sheet show them.
DEFINITIONS: list[tuple[str, Promise, Promise]] = [
    (
        "period",
        _("Period"),
        _(
            "From midnight of the first day to midnight after the last day, in the "
            "intranet's time zone; a day of a daylight-saving change lasts 23 or 25 hours."
        ),
    ),
    (
        "received",
        _("Cases received"),
        _(
            "Cases that arrived in the period (arrival time; for PEC the certified time), "
            "counted in the pool they are in now."
        ),
    ),
    (
        "messages_received",
        _("Messages received"),
        _(
            "Every message from outside that reached a case in the period (the first "
            "message of a case and every later one), by its arrival time, in the pool the "
            "case was in when it arrived and for the operator who held the case then. A "
            "later transfer does not move it; one that arrived while the case waited in "
            "the pool counts for the pool and no operator."
        ),
    ),
    (
        "closed",
        _("Cases closed"),
        _(
            "Cases whose last closing falls in the period. A reopened case counts once, "
            "in the period of its last closing; while it is open again it counts nowhere. "
            "A case moved between pools counts in the pool it was closed in, and for the "
            "operator who held it when it was closed."
        ),
    ),
    (
        "on_time",
        _("On time / late"),
        _(
            "On time: closed at or before the case's due time. Late: closed after it. "
            "A case without a due time counts as on time."
        ),
    ),
    (
        "with_consultation",
        _("With consultation"),
        _(
            "The case was sent to another department for consultation at least once "
            "before it was closed."
        ),
    ),
    (
        "consultations",
        _("Consultations answered on time / late"),
        _(
            "Consultation answers that arrived in the period, on time when the department "
            "answered by the consultation's due time."
        ),
    ),
    (
        "wrote_back",
        _("Customers who wrote back after closing"),
        _(
            "Among the customers (by e-mail address; a case without one is its own "
            "customer) of the cases closed in the period, those who wrote again on a case "
            "after it had been closed, which reopened it; the percentage is of all those "
            "customers."
        ),
    ),
    (
        "worked",
        _("Messages worked"),
        _(
            "Answers written by staff and sent to customers (automatic replies not "
            "included), by the day, week or month they were sent, for the operator who "
            "wrote them, in the pool the case was in when they were sent."
        ),
    ),
    (
        "marked_worked",
        _("Cases marked as worked"),
        _(
            "Cases an operator marked as worked (LAVORATO) in the period, by the day of "
            "the mark, for the user who marked them, in the pool the case is in now. A case "
            "marked again counts once, at its last mark; marking does not close a case "
            "unless its pool says so, and then it is also counted as closed."
        ),
    ),
    (
        "durations",
        _("Time to take, to first answer, to close"),
        _(
            "Over the cases closed in the period: from arrival to being taken by the "
            "operator who holds it, to the first answer sent, and to the last closing. "
            "Median and 90th percentile (interpolated, as PostgreSQL's percentile_cont)."
        ),
    ),
    (
        "backlog",
        _("Backlog at the end of the day"),
        _(
            "Cases that had arrived by midnight at the end of the day and were not yet "
            "closed for the last time then."
        ),
    ),
    (
        "answers",
        _("Questionnaire answers"),
        _(
            "The answers given to each category question on the cases closed in the "
            "period; free-text questions are counted as answered or not."
        ),
    ),
]
