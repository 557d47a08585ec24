from celery import shared_task

from integrations import services, sync, tokens
from integrations.clients.errors import Rejected, TokenExpired, TokenInvalid, Transient
from integrations.models import Connection
from integrations.webhooks import ingest


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


_RETRY = {
    "autoretry_for": (Transient,),
    "retry_backoff": 15,
    "retry_jitter": True,
    "max_retries": 6,
}


@shared_task(
    name="sync.connection_setup",
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=6,
)
def connection_setup(*, workspace_id: int, connection_id: int) -> str:
    """After a connect: subscribe to the platform's webhooks, then the first sync."""
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        return "skipped-disconnected"
    services.connection_subscribe(connection=connection)
    return sync.connection_sync(connection=connection)


@shared_task(
    name="sync.connection_sync",
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=6,
)
def connection_sync(*, workspace_id: int, connection_id: int) -> str:
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    if connection is None or connection.status in (
        Connection.Status.DISCONNECTED,
        Connection.Status.REAUTHORIZATION_NEEDED,
    ):
        return "skipped-not-connected"
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
