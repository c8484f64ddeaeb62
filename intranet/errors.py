"""Errors of the intranet (reports, absences): a refusal is not bad input."""

from django.core.exceptions import PermissionDenied


class ReportDenied(PermissionDenied):
    """The user may not see this report: no pool to report on, or a pool or operator
    outside their pools. Django answers 403 where it is not caught."""


class ReportInvalid(ValueError):
    """The request cannot be reported: a date that is not a date, a period that ends
    before it starts or is too long, an unknown pool or operator."""


class AbsenceDenied(PermissionDenied):
    """The user may not set or remove this absence: it is neither theirs nor that of a
    member of a pool they lead."""


class AbsenceInvalid(ValueError):
    """The absence cannot be recorded: it ends before it starts, overlaps another of the
    same person, or its substitute is themselves, no colleague, or away at the same time."""
