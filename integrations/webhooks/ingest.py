"""From a stored notification to its handler.

Wake-up protocol (why no event is ever stranded): the receiver commits its row, then tries
``cache.add(WAKE_KEY)`` (Redis SET NX); only the request that creates the key publishes a
drain task, so a burst of thousands of events costs one Celery publish. The drain claims
batches until none are left, deletes the key, and claims once more: a row committed before
that delete either was claimed or is seen by the final look, and a row committed after it sets
the key again. If Redis is down or a wake-up is lost anyway, the beat sweep drains within
seconds: delayed, never lost.
"""

import logging
from collections.abc import Iterable
from typing import Any

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from integrations.models import Connection, WebhookEvent
from integrations.webhooks.handlers import PlatformEvent, handler_for
from integrations.webhooks.parsing import Envelope, read_data

log = logging.getLogger(__name__)

WAKE_KEY = "webhooks:drain-scheduled"
WAKE_TTL_SECONDS = 30
BATCH_SIZE = 200


def event_record(*, provider: str, envelope: Envelope, body: bytes) -> None:
    """One INSERT; a duplicate delivery hits the unique constraint and is ignored."""
    WebhookEvent.objects.bulk_create(
        [
            WebhookEvent(
                provider=provider,
                event_id=envelope.event_id,
                event_type=envelope.event_type,
                account_id=envelope.account_id,
                body=body,
            )
        ],
        ignore_conflicts=True,
    )


def wake_workers() -> None:
    from integrations.tasks import webhook_events_drain

    try:
        first = cache.add(WAKE_KEY, 1, timeout=WAKE_TTL_SECONDS)
    except Exception:
        log.warning("could not signal webhook workers; the sweep will drain", exc_info=True)
        return
    if first:
        enqueue_on_commit(webhook_events_drain)


def events_drain() -> int:
    """Process every pending event; returns how many were handled."""
    handled = 0
    while True:
        count = _drain_batch()
        handled += count
        if count:
            continue
        cache.delete(WAKE_KEY)
        count = _drain_batch()
        if not count:
            return handled
        handled += count


def _drain_batch() -> int:
    with transaction.atomic():
        batch = list(
            WebhookEvent.objects.select_for_update(skip_locked=True)
            .filter(status=WebhookEvent.Status.PENDING)
            .order_by("received_at", "id")[:BATCH_SIZE]
        )
        if not batch:
            return 0
        connections = _live_connections_unscoped(batch)
        now = timezone.now()
        touched: set[int] = set()
        for event in batch:
            connection = connections.get((event.provider, event.account_id))
            _process(event, connection, now)
            if connection is not None:
                touched.add(connection.pk)
        WebhookEvent.objects.bulk_update(
            batch, ["status", "processed_at", "outcome", "attempts", "connection"]
        )
        Connection.unscoped.filter(pk__in=touched).update(last_event_at=now)
    return len(batch)


def _live_connections_unscoped(
    events: Iterable[WebhookEvent],
) -> dict[tuple[str, str], Connection]:
    """Events name platform accounts, not workspaces: routing them crosses tenants."""
    keys = {(e.provider, e.account_id) for e in events}
    found = Connection.unscoped.filter(
        provider__in={p for p, _ in keys}, external_id__in={a for _, a in keys}
    ).exclude(status=Connection.Status.DISCONNECTED)
    return {(c.provider, c.external_id): c for c in found}


def _process(event: WebhookEvent, connection: Connection | None, now: Any) -> None:
    event.attempts += 1
    event.processed_at = now
    if connection is None:
        event.status = WebhookEvent.Status.UNROUTED
        event.outcome = "no connected account"
        return
    event.connection = connection
    handler = handler_for(event.provider, event.event_type)
    try:
        payload, data = read_data(event.provider, bytes(event.body))
        with transaction.atomic():
            outcome = (
                handler(PlatformEvent(event.provider, event.event_type, connection, payload, data))
                if handler
                else "recorded"
            )
    except Exception as error:
        log.exception("webhook event %s failed", event.pk)
        event.status = WebhookEvent.Status.FAILED
        event.outcome = f"{type(error).__name__}: {error}"[:200]
        return
    event.status = WebhookEvent.Status.PROCESSED
    event.outcome = outcome[:200]


def event_replay(*, event: WebhookEvent) -> None:
    """Support's replay: back to pending, and wake the workers."""
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PENDING)
    wake_workers()


def events_purge() -> int:
    """Forget events once the platforms have stopped retrying them: 72 hours for TikTok,
    30 days for TikTok Shop (its notifications carry no signed timestamp)."""
    from datetime import timedelta

    from integrations.models import Provider

    now = timezone.now()
    deleted = 0
    for provider, keep in (
        (Provider.TIKTOK, timedelta(hours=72)),
        (Provider.TIKTOK_SHOP, timedelta(days=30)),
    ):
        count, _ = (
            WebhookEvent.objects.filter(provider=provider, received_at__lt=now - keep)
            .exclude(status=WebhookEvent.Status.PENDING)
            .delete()
        )
        deleted += count
    return deleted
