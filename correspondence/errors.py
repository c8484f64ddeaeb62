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
    """A refusal: the user may not do this on this case (no permission in its pool, not its
    operator), or the case's state does not allow it now. Django answers 403 where it is
    not caught."""


class CaseActionInvalid(CorrespondenceError):
    """What the user sent cannot be used: a required field is blank, or a value is not one
    of those allowed. Shown with the form or as a message; never a 403."""
