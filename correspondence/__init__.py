"""Mailboxes, pools, cases and their messages, permissions, intake, registration, outbox."""
