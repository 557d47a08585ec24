"""ChatSparks project package: settings, URLs, the Celery app, and the workspaces (tenancy) app."""

from chatsparks.celery import app as celery_app

__all__ = ["celery_app"]
