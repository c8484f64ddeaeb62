"""Mailboxes, pools, cases and their messages, the intake pipeline and the outbox."""
