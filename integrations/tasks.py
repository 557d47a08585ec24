from celery import shared_task

from integrations.webhooks import ingest


@shared_task(name="webhooks.events_drain", acks_late=True, reject_on_worker_lost=True)
def webhook_events_drain() -> str:
    return f"handled {ingest.events_drain()}"


@shared_task(name="webhooks.events_purge")
def webhook_events_purge() -> str:
    return f"purged {ingest.events_purge()}"
