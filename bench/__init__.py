"""The benchmark harness: Corrispondenza side by side with django-helpdesk (see README.md)."""
