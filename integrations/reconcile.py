"""Recovering what a dropped webhook never told us.

Every few minutes the recent comments on posts inside the workspace's listening window, and
the orders updated since the last look, are read from the platform and written as the very
events their webhooks would have been. Events are keyed by what they are about (a comment and
its action; an order, its status and its update time: see ``webhooks.parsing``), so whatever
already arrived by webhook is a conflict and skipped; only what was missed is inserted, once,
and then processed like any webhook. The count recovered is kept for the card.
"""

import json
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone

from integrations import tokens
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection, Post, Provider, WebhookEvent
from integrations.webhooks.ingest import event_record, wake_workers
from integrations.webhooks.parsing import read_envelope

OVERLAP = timedelta(minutes=10)
FIRST_LOOK = timedelta(hours=24)
# The Order API says CANCELLED where the webhook says CANCEL; keys must match the webhook's.
_WEBHOOK_STATUS = {"CANCELLED": "CANCEL"}


def _record(connection: Connection, body: dict[str, Any]) -> bool:
    raw = json.dumps(body, separators=(",", ":")).encode()
    return event_record(
        provider=connection.provider,
        envelope=read_envelope(connection.provider, raw),
        body=raw,
        source=WebhookEvent.Source.RECONCILIATION,
    )


def _comments(connection: Connection, since: float) -> int:
    window = timedelta(days=connection.workspace.listening_window_days)
    posts = Post.objects.for_workspace(connection.workspace_id).filter(
        connection=connection, published_at__gte=timezone.now() - window
    )
    recovered = 0
    for post in posts:
        cursor = 0
        while True:

            def page(token: str, at: int = cursor, video: str = post.external_id) -> dict[str, Any]:
                with TikTokBusinessClient(access_token=token) as client:
                    return client.comments(
                        business_id=connection.external_id, video_id=video, cursor=at
                    )

            data = tokens.with_fresh_token(connection, page)
            comments = data.get("comments") or []
            for comment in comments:
                if int(comment["create_time"]) < since or comment.get("owner"):
                    continue
                content = {
                    "comment_id": int(comment["comment_id"]),
                    "video_id": int(comment["video_id"]),
                    "comment_type": "reply" if comment.get("parent_comment_id") else "comment",
                    "comment_action": "insert",
                    "unique_identifier": comment.get("unique_identifier", ""),
                    "timestamp": int(comment["create_time"]) * 1000,
                    "text": comment.get("text", ""),
                }
                if comment.get("parent_comment_id"):
                    content["parent_comment_id"] = int(comment["parent_comment_id"])
                recovered += _record(
                    connection,
                    {
                        "client_key": settings.TIKTOK_CLIENT_KEY,
                        "event": "comment.update",
                        "create_time": int(comment["create_time"]),
                        "user_openid": connection.external_id,
                        "content": json.dumps(content, separators=(",", ":")),
                    },
                )
            oldest = min((int(c["create_time"]) for c in comments), default=0)
            if not data.get("has_more") or not comments or oldest < since:
                break
            cursor = int(data.get("cursor") or 0)
    return recovered


def _orders(connection: Connection, since: float) -> int:
    recovered, page_token = 0, ""
    while True:

        def search(token: str, at: str = page_token) -> dict[str, Any]:
            with TikTokShopClient(access_token=token, shop_cipher=connection.shop_cipher) as client:
                return client.orders_search(updated_since=int(since), page_token=at)

        data = tokens.with_fresh_token(connection, search)
        for order in data.get("orders") or []:
            status = _WEBHOOK_STATUS.get(order["status"], order["status"])
            recovered += _record(
                connection,
                {
                    "type": 1,
                    "tts_notification_id": "",
                    "shop_id": connection.external_id,
                    "timestamp": int(timezone.now().timestamp()),
                    "data": {
                        "order_id": str(order["id"]),
                        "order_status": status,
                        "is_on_hold_order": status == "ON_HOLD",
                        "update_time": int(order["update_time"]),
                    },
                },
            )
        page_token = data.get("next_page_token") or ""
        if not page_token:
            return recovered


def connection_reconcile(*, connection: Connection) -> int:
    """Look for missed events since the last look; returns how many were recovered."""
    started = timezone.now()
    last = connection.sync_state.get("reconciled_at")
    # The first look goes back no further than the connection itself: what happened before it
    # was never going to be delivered, and acting on it now would surprise everyone.
    # (A minute's slack: platform timestamps are whole seconds, and clocks differ.)
    connected = (connection.connected_at or started) - timedelta(minutes=1)
    first = max(started - FIRST_LOOK, connected)
    since = (last - OVERLAP.total_seconds()) if last else first.timestamp()
    if connection.provider == Provider.TIKTOK:
        recovered = _comments(connection, since)
    else:
        recovered = _orders(connection, since)
    state = {
        **connection.sync_state,
        "reconciled_at": started.timestamp(),
        "recovered": int(connection.sync_state.get("recovered", 0)) + recovered,
    }
    Connection.unscoped.filter(pk=connection.pk).update(sync_state=state)
    connection.sync_state = state
    if recovered:
        wake_workers()
    return recovered
