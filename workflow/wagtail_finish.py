"""What Wagtail does when a workflow ends successfully (``WAGTAIL_FINISH_WORKFLOW_ACTION``).

Wagtail resolves that setting while ``wagtail.models`` itself is loading, so this module
imports nothing at load time; the work is ``workflow.approval.approval_workflow_finish``.
"""

from typing import Any


def workflow_finish(workflow_state: Any, user: Any = None) -> None:
    """A reply is published and sent; any other object is published as usual."""
    from workflow.approval import approval_workflow_finish

    approval_workflow_finish(workflow_state, user=user)
