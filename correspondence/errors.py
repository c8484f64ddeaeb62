"""Errors of correspondence: bad input is reported and kept; a broken system raises."""

from django.core.exceptions import PermissionDenied


class CorrespondenceError(Exception):
    """Base of this app's errors."""


class SecretUnavailable(CorrespondenceError):
    """A mailbox secret cannot be read: the variable is unset or the key is wrong."""


class MailboxUnavailable(CorrespondenceError):
    """The mail server cannot be reached or refuses us; intake retries later."""


class MailboxBusy(CorrespondenceError):
    """Another worker is reading this mailbox now."""


class CaseActionDenied(PermissionDenied):
    """The user may not do this on this case, or the case's state does not allow it."""
