"""Writes of correspondence: every change goes through these services."""
