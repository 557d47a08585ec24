"""Outgoing webhooks, delivered at least once the way the platforms do it.

Each delivery is signed afresh at every attempt (a retry hours later carries a fresh
timestamp, or a receiver's replay window would refuse every retry), retried on its platform's
schedule (shortened by the clock's time scale) until the receiver answers 2xx, and recorded
with every attempt so the control page can show what happened. The control API can drop the
next N deliveries (lost webhooks: recorded, never sent) or duplicate them (sent twice).
"""

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from emulator.clock import Clock

log = logging.getLogger("emulator.webhooks")

# TikTok Shop: 4 retries, 2 min after the first failure, then 30 min, 3 h, 12 h.
SHOP_RETRY_SCHEDULE = (120.0, 1800.0, 3 * 3600.0, 12 * 3600.0)
# TikTok for Developers / API for Business: exponential backoff for up to 72 h.
TIKTOK_RETRY_SCHEDULE = (60.0, 300.0, 1800.0, 3 * 3600.0, 12 * 3600.0, 24 * 3600.0, 30 * 3600.0)
TIMEOUT_SECONDS = 3.0

Signer = Callable[[bytes], dict[str, str]]


@dataclass
class Attempt:
    at: float
    status: int | None
    error: str = ""


@dataclass
class Delivery:
    id: int
    platform: str  # "business" or "shop"
    event: str
    url: str
    body: bytes
    sign: Signer
    schedule: tuple[float, ...]
    status: str = "pending"  # pending | delivered | failed | dropped
    attempts: list[Attempt] = field(default_factory=list)
    due_at: float = 0.0  # real (monotonic) time of the next attempt

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "event": self.event,
            "url": self.url,
            "status": self.status,
            "attempts": [{"at": a.at, "status": a.status, "error": a.error} for a in self.attempts],
            "body": self.body.decode(),
        }


class Outbox:
    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.deliveries: list[Delivery] = []
        self.drop_next = 0
        self.duplicate_next = 0
        self._ids = itertools.count(1)
        self._wake: asyncio.Event | None = None
        # Attempts awaiting the receiver's answer (a reset does not cancel them).
        self.in_flight = 0

    def enqueue(
        self,
        *,
        platform: str,
        event: str,
        url: str,
        body: bytes,
        sign: Signer,
        schedule: tuple[float, ...],
    ) -> list[Delivery]:
        """Queue ``body`` for ``url``. Must be called on the event loop (async handlers)."""
        copies = 1
        if self.duplicate_next > 0:
            self.duplicate_next -= 1
            copies = 2
        made = []
        for _ in range(copies):
            delivery = Delivery(
                id=next(self._ids),
                platform=platform,
                event=event,
                url=url,
                body=body,
                sign=sign,
                schedule=schedule,
                due_at=asyncio.get_running_loop().time(),
            )
            if self.drop_next > 0:
                self.drop_next -= 1
                delivery.status = "dropped"
            self.deliveries.append(delivery)
            made.append(delivery)
        if self._wake is not None:
            self._wake.set()
        return made

    async def run(self) -> None:
        """Deliver due webhooks until cancelled (started by the app's lifespan)."""
        self._wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        async with httpx.AsyncClient(timeout=TIMEOUT_SECONDS) as client:
            while True:
                now = loop.time()
                due = [d for d in self.deliveries if d.status == "pending" and d.due_at <= now]
                if due:
                    await asyncio.gather(*(self._attempt(client, d) for d in due))
                    continue
                waits = [d.due_at - now for d in self.deliveries if d.status == "pending"]
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=min(waits, default=1.0))

    async def _attempt(self, client: httpx.AsyncClient, delivery: Delivery) -> None:
        headers = {"Content-Type": "application/json", **delivery.sign(delivery.body)}
        self.in_flight += 1
        try:
            response = await client.post(delivery.url, content=delivery.body, headers=headers)
            attempt = Attempt(at=self.clock.now(), status=response.status_code)
        except httpx.HTTPError as error:
            attempt = Attempt(at=self.clock.now(), status=None, error=type(error).__name__)
        finally:
            self.in_flight -= 1
        delivery.attempts.append(attempt)
        if attempt.status is not None and 200 <= attempt.status < 300:
            delivery.status = "delivered"
            return
        retries_used = len(delivery.attempts) - 1
        if retries_used >= len(delivery.schedule):
            delivery.status = "failed"
            log.info("webhook %s gave up after %s attempts", delivery.id, len(delivery.attempts))
            return
        wait = self.clock.scaled(delivery.schedule[retries_used])
        delivery.due_at = asyncio.get_running_loop().time() + wait
