"""The peer, django-helpdesk, in its own virtual environment and Django project."""
