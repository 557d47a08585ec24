"""Keeping a connection's tokens alive.

Refresh tokens rotate (using one invalidates it), so two workers refreshing the same connection
at once would leave one of them holding a dead token. Refreshing is therefore single-flight per
connection under a Redis lock, and whoever gets the lock re-reads the row first: if someone
refreshed while it waited, it uses their tokens. The rotated pair is saved in one UPDATE, and
lifetimes come from TikTok's answer.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import cache

import redis
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from integrations import services
from integrations.clients.errors import TokenExpired, TokenInvalid
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.clients.tiktok_shop import TikTokShopAuthClient
from integrations.models import Connection, Provider

# Refresh this long before the access token would expire (the beat task runs every 15 min).
REFRESH_AHEAD = timedelta(hours=2)


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL)


def connection_refresh(*, connection: Connection, force: bool = False) -> Connection:
    """A connection with a usable access token, refreshing it if needed (or if ``force``,
    because TikTok just said the token we hold has expired)."""
    lock = _redis().lock(f"chatsparks:lock:token-refresh:{connection.pk}", timeout=60)
    with lock:
        fresh = Connection.unscoped.get(pk=connection.pk)
        if fresh.status in (
            Connection.Status.DISCONNECTED,
            Connection.Status.REAUTHORIZATION_NEEDED,
        ):
            raise TokenInvalid("This connection needs an owner to reconnect it.")
        someone_refreshed = fresh.access_token_encrypted != connection.access_token_encrypted
        due = fresh.access_token_expires_at is None or (
            fresh.access_token_expires_at <= timezone.now() + REFRESH_AHEAD
        )
        if someone_refreshed or not (force or due):
            return fresh
        try:
            access, refresh, access_exp, refresh_exp = _refresh_at_tiktok(fresh)
        except TokenInvalid:
            services.connection_authorization_lost(connection=fresh, reason="refresh refused")
            raise
        with transaction.atomic():
            fresh.set_tokens(access_token=access, refresh_token=refresh)
            fresh.access_token_expires_at = access_exp
            fresh.refresh_token_expires_at = refresh_exp
            fresh.save(
                update_fields=[
                    "access_token_encrypted",
                    "refresh_token_encrypted",
                    "access_token_expires_at",
                    "refresh_token_expires_at",
                ]
            )
    return fresh


def _refresh_at_tiktok(connection: Connection) -> tuple[str, str, datetime, datetime]:
    if connection.provider == Provider.TIKTOK:
        with TikTokBusinessClient() as client:
            grant = client.refresh(refresh_token=connection.refresh_token)
        return (
            grant.access_token,
            grant.refresh_token,
            grant.access_expires_at,
            grant.refresh_expires_at,
        )
    with TikTokShopAuthClient() as auth:
        shop_grant = auth.token_refresh(refresh_token=connection.refresh_token)
    return (
        shop_grant.access_token,
        shop_grant.refresh_token,
        shop_grant.access_expires_at,
        shop_grant.refresh_expires_at,
    )


def with_fresh_token[T](connection: Connection, call: Callable[[str], T]) -> T:
    """Run ``call(access_token)``; if TikTok says the token expired, refresh once and retry."""
    try:
        return call(connection.access_token)
    except TokenExpired:
        refreshed = connection_refresh(connection=connection, force=True)
        return call(refreshed.access_token)


def connections_refresh_due_unscoped() -> list[int]:
    """Ids of every live connection whose access token is near expiry, across workspaces."""
    return list(
        Connection.unscoped.filter(
            status__in=[Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION],
            access_token_expires_at__lte=timezone.now() + REFRESH_AHEAD,
        ).values_list("pk", flat=True)
    )
