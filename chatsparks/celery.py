"""The Celery app, its queues, and the one way product code enqueues work."""

import os
from typing import Any

from celery import Celery
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsparks.settings.local")

app = Celery("chatsparks")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Named queues so a flood on one (webhooks) never starves another (sends); a deployment can
# give each its own workers with `-Q`.
app.conf.task_queues = [Queue(name) for name in ("webhooks", "sends", "sync", "default")]
# Each task's queue is chosen here, by its name, in one table (Celery 5.7 deprecates the
# per-task ``queue=`` attribute). Anything unlisted goes to ``default``.
app.conf.task_routes = {
    "webhooks.*": {"queue": "webhooks"},
    "sends.*": {"queue": "sends"},
    "sync.*": {"queue": "sync"},
}
app.autodiscover_tasks()


def enqueue_on_commit(task: Any, /, **kwargs: Any) -> None:
    """Publish ``task`` with keyword arguments once the current transaction commits.

    A task published inside a transaction could run before the rows it needs are visible, or
    for rows a rollback then discards; deferring to ``on_commit`` rules out both. Outside a
    transaction Django runs the callback at once.
    """
    from django.db import transaction

    transaction.on_commit(lambda: task.apply_async(kwargs=kwargs))
