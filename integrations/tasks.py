from celery import shared_task

from integrations import services
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
