import random
from collections.abc import Iterator
from contextlib import contextmanager

from celery import Task, shared_task

from integrations import emails, reconcile, services, sync, tokens
from integrations.clients.errors import (
    RateLimited,
    Rejected,
    TokenExpired,
    TokenInvalid,
    Transient,
)
from integrations.models import Connection
from integrations.webhooks import ingest


def _usable_connection(workspace_id: int, connection_id: int) -> Connection | None:
    """The connection, re-read, if TikTok still accepts it."""
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    usable = (Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION)
    return connection if connection is not None and connection.status in usable else None


@contextmanager
def honour_retry_after(task: Task) -> Iterator[None]:
    """A 429 pauses this work for as long as TikTok asked, plus jitter so that many tasks
    throttled together do not return together; other transient errors use the task's own
    exponential backoff."""
    try:
        yield
    except RateLimited as error:
        raise task.retry(exc=error, countdown=error.retry_after + random.uniform(0, 5)) from error  # noqa: S311


@shared_task(name="webhooks.events_drain", acks_late=True, reject_on_worker_lost=True)
def webhook_events_drain() -> str:
    return f"handled {ingest.events_drain()}"


@shared_task(name="webhooks.events_purge")
def webhook_events_purge() -> str:
    return f"purged {ingest.events_purge()}"


@shared_task(
    name="sync.connection_revoke",
    autoretry_for=(Transient,),
    retry_backoff=30,
    retry_jitter=True,
    max_retries=8,
)
def connection_revoke(*, workspace_id: int, connection_id: int) -> str:
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    if connection is None:
        return "skipped-missing"
    try:
        return services.connection_revoke_tokens(connection=connection)
    except (TokenExpired, TokenInvalid, Rejected):
        # TikTok no longer honours the token: nothing left to revoke there.
        Connection.unscoped.filter(pk=connection.pk).update(
            access_token_encrypted="", refresh_token_encrypted=""
        )
        return "already-invalid"


@shared_task(
    name="sync.connection_setup",
    bind=True,
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=6,
)
def connection_setup(self: Task, *, workspace_id: int, connection_id: int) -> str:
    """After a connect: subscribe to the platform's webhooks, then the first sync."""
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        return "skipped-disconnected"
    with honour_retry_after(self):
        services.connection_subscribe(connection=connection)
        return sync.connection_sync(connection=connection)


@shared_task(
    name="sync.connection_sync",
    bind=True,
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=6,
)
def connection_sync(self: Task, *, workspace_id: int, connection_id: int) -> str:
    connection = _usable_connection(workspace_id, connection_id)
    if connection is None:
        return "skipped-not-connected"
    with honour_retry_after(self):
        return sync.connection_sync(connection=connection)


@shared_task(name="sync.connections_sync_all")
def connections_sync_all() -> str:
    """Beat: queue a sync of every live connection, one task each."""
    due = sync.connections_live_unscoped()
    for workspace_id, connection_id in due:
        connection_sync.delay(workspace_id=workspace_id, connection_id=connection_id)
    return f"queued {len(due)}"


@shared_task(name="sync.tokens_refresh_due")
def tokens_refresh_due() -> str:
    """Beat: refresh every access token that expires soon (single-flight per connection)."""
    refreshed = 0
    for connection_id in tokens.connections_refresh_due_unscoped():
        connection = Connection.unscoped.get(pk=connection_id)
        try:
            tokens.connection_refresh(connection=connection)
            refreshed += 1
        except (TokenInvalid, Transient):
            continue
    return f"refreshed {refreshed}"


@shared_task(
    name="sync.connection_reconcile",
    bind=True,
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=3,
)
def connection_reconcile(self: Task, *, workspace_id: int, connection_id: int) -> str:
    connection = _usable_connection(workspace_id, connection_id)
    if connection is None:
        return "skipped-not-connected"
    with honour_retry_after(self):
        return f"recovered {reconcile.connection_reconcile(connection=connection)}"


@shared_task(name="sync.connections_reconcile_all")
def connections_reconcile_all() -> str:
    """Beat: look for missed webhooks on every live connection."""
    due = sync.connections_live_unscoped()
    for workspace_id, connection_id in due:
        connection_reconcile.delay(workspace_id=workspace_id, connection_id=connection_id)
    return f"queued {len(due)}"


@shared_task(name="integrations.owners_notify")
def owners_notify(*, connection_id: int, kind: str) -> str:
    return emails.owners_notify(connection_id=connection_id, kind=kind)
