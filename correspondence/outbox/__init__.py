"""The outbox: compose outgoing mail, queue it with the action that caused it, send it."""
