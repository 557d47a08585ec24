"""From a stored notification to its handler.

Wake-up protocol, and why no event is stranded. The receiver commits its row, then tries
``SET <WEBHOOK_WAKE_KEY> NX`` in Redis; only the request that creates the key publishes a
drain task, so a burst of thousands of events costs one Celery publish. A drain claims batches
until none are left, deletes the key, waits ``WAKE_GRACE`` and claims once more.

Under load a receiver process skips the SET when its own previous attempt is less than
``WAKE_GRACE`` old (the round trip was a tenth of the receiver's cost). That stays safe: the
key existed at that previous attempt, so the next DEL of it comes later, and the drain that
makes it looks again ``WAKE_GRACE`` after, by which time any row committed within
``WAKE_GRACE`` of that attempt is visible. A row committed after the DEL by a process whose
attempt is older sets the key itself. If a wake-up is lost anyway (Redis down, a task lost),
the beat sweep drains within seconds: delayed, never lost.
"""

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import cache
from typing import Any

import psycopg
import redis
from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from integrations.models import Connection, Provider, WebhookEvent
from integrations.webhooks.handlers import PlatformEvent, handler_for
from integrations.webhooks.parsing import Envelope, read_data

log = logging.getLogger(__name__)

WAKE_TTL_SECONDS = 30
BATCH_SIZE = 200
# An event that loses a lock race (a deadlock with a parallel drain) is tried this many times
# in all before it counts as failed.
RACE_ATTEMPTS = 5


# Hand-written because it runs on every delivery: the ORM's bulk_create cost a third of the
# receiver's throughput here (bench/README.md).
_INSERT = (
    "INSERT INTO integrations_webhookevent (provider, event_id, source, event_type, account_id, "
    "body, received_at, status, attempts, outcome) "
    "VALUES (%s, %s, %s, %s, %s, %s, now(), %s, 0, '') "
    "ON CONFLICT (provider, event_id) DO NOTHING"
)


def event_record(
    *,
    provider: str,
    envelope: Envelope,
    body: bytes,
    source: str = WebhookEvent.Source.WEBHOOK,
) -> bool:
    """One INSERT; a duplicate delivery hits the unique constraint and is ignored. True if
    this was the first time we heard of the event."""
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT,
            [
                provider,
                envelope.event_id,
                source,
                envelope.event_type,
                envelope.account_id,
                body,
                WebhookEvent.Status.PENDING,
            ],
        )
        return cursor.rowcount == 1


@cache
def _redis() -> redis.Redis:
    # A plain client: Django's cache layer doubled the cost of this one SET on the hot path.
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=1, socket_connect_timeout=1)


WAKE_GRACE = 0.05  # seconds
_last_wake_attempt = -WAKE_GRACE


def wake_workers() -> None:
    global _last_wake_attempt
    from integrations.tasks import webhook_events_drain

    now = time.monotonic()
    if now - _last_wake_attempt < WAKE_GRACE:
        return
    _last_wake_attempt = now
    try:
        first = _redis().set(settings.WEBHOOK_WAKE_KEY, 1, nx=True, ex=WAKE_TTL_SECONDS)
    except redis.RedisError:
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
        _redis().delete(settings.WEBHOOK_WAKE_KEY)
        time.sleep(WAKE_GRACE)
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
    except OperationalError as error:
        if _lost_a_race(error) and event.attempts < RACE_ATTEMPTS:
            # Only this event's savepoint was rolled back; it is taken again by a later batch.
            log.warning("webhook event %s lost a lock race, retrying: %s", event.pk, error)
            event.status = WebhookEvent.Status.PENDING
            event.outcome = f"retrying after {type(error.__cause__).__name__}"[:200]
            return
        _failed(event, error)
        return
    except Exception as error:
        _failed(event, error)
        return
    event.status = WebhookEvent.Status.PROCESSED
    event.outcome = outcome[:200]


def _lost_a_race(error: OperationalError) -> bool:
    """A deadlock or serialization failure: PostgreSQL chose this transaction to give way to
    another one working on the same rows, and doing it again succeeds."""
    return isinstance(
        error.__cause__, psycopg.errors.DeadlockDetected | psycopg.errors.SerializationFailure
    )


def _failed(event: WebhookEvent, error: Exception) -> None:
    log.exception("webhook event %s failed", event.pk)
    event.status = WebhookEvent.Status.FAILED
    event.outcome = f"{type(error).__name__}: {error}"[:200]


def event_replay(*, event: WebhookEvent) -> None:
    """Support's replay: back to pending, and wake the workers."""
    WebhookEvent.objects.filter(pk=event.pk).update(status=WebhookEvent.Status.PENDING)
    wake_workers()


def events_purge() -> int:
    """Forget events once the platforms have stopped retrying them: 72 hours for TikTok,
    30 days for TikTok Shop (its notifications carry no signed timestamp)."""
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
