"""A case's history: the timeline in words (``timeline``, with approval, consultation
and hand-over steps from ``steps``) and the whole record as one file (``dossier``).

Entries are read from Wagtail's audit log, which no screen edits or deletes.
"""

from workflow.history.dossier import case_dossier
from workflow.history.timeline import Event, case_history

__all__ = ["Event", "case_dossier", "case_history"]
