"""Writes to connections. (Connecting and disconnecting arrive with the OAuth flows.)"""

from datetime import UTC, datetime

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone as django_timezone

from chatsparks.celery import enqueue_on_commit
from integrations import hooks
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection


def connection_authorization_lost(*, connection: Connection, reason: str) -> Connection:
    """TikTok says the grant is gone (revoked in the app, account deleted, shop deauthorized):
    the tokens are useless, so they are wiped, and the card asks an owner to reconnect."""
    with transaction.atomic():
        locked = Connection.unscoped.select_for_update().get(pk=connection.pk)
        if locked.status == Connection.Status.DISCONNECTED:
            return locked
        locked.status = Connection.Status.REAUTHORIZATION_NEEDED
        locked.wipe_tokens()
        hooks.connection_paused(locked, reason)
        _notify_owners(locked, "reauthorization_needed")
        locked.save(
            update_fields=[
                "status",
                "access_token_encrypted",
                "refresh_token_encrypted",
                "access_token_expires_at",
                "refresh_token_expires_at",
            ]
        )
    return locked


def connection_authorization_expiry_set(
    *, connection: Connection, expires_at: datetime
) -> Connection:
    Connection.unscoped.filter(pk=connection.pk).update(authorization_expires_at=expires_at)
    connection.authorization_expires_at = expires_at
    _notify_owners(connection, "authorization_expiring")
    return connection


def _notify_owners(connection: Connection, kind: str) -> None:
    from integrations.tasks import owners_notify  # tasks import this module

    enqueue_on_commit(owners_notify, connection_id=connection.pk, kind=kind)


def tiktok_timestamp(value: object) -> datetime:
    """A Unix timestamp as TikTok sends it (an int, or a string of digits), made aware."""
    return datetime.fromtimestamp(int(str(value)), tz=UTC)


def connection_disconnect(*, connection: Connection, actor: object) -> Connection:
    """Stop using the account at once; hand the grant back to TikTok afterwards.

    The status flips in this transaction, so nothing uses the tokens from here on; revoking
    at TikTok is a network call and happens in a retried task after commit, which then wipes
    the tokens. Drafts, inbox history, analytics and contacts are not touched: reconnecting the
    same account finds them again.
    """
    from integrations.tasks import connection_revoke  # tasks import this module

    with transaction.atomic():
        locked = Connection.unscoped.select_for_update().get(pk=connection.pk)
        if locked.status == Connection.Status.DISCONNECTED:
            return locked
        locked.status = Connection.Status.DISCONNECTED
        locked.disconnected_at = django_timezone.now()
        locked.save(update_fields=["status", "disconnected_at"])
        hooks.connection_paused(locked, "disconnected")
        enqueue_on_commit(
            connection_revoke, workspace_id=locked.workspace_id, connection_id=locked.pk
        )
    return locked


def connection_revoke_tokens(*, connection: Connection) -> str:
    """Revoke the grant at TikTok (TikTok Shop documents no revoke call: the seller removes
    the app in Seller Center), then forget the tokens either way."""

    if connection.status != Connection.Status.DISCONNECTED:
        return "skipped-reconnected"
    outcome = "wiped"
    if connection.provider == "tiktok" and connection.access_token_encrypted:
        with TikTokBusinessClient() as client:
            client.revoke(access_token=connection.access_token)
        outcome = "revoked"
    with transaction.atomic():
        locked = Connection.unscoped.select_for_update().get(pk=connection.pk)
        if locked.status == Connection.Status.DISCONNECTED:
            locked.wipe_tokens()
            locked.save(
                update_fields=[
                    "access_token_encrypted",
                    "refresh_token_encrypted",
                    "access_token_expires_at",
                    "refresh_token_expires_at",
                ]
            )
    return outcome


# What each platform must deliver to us (tiktok-wire.md §8 and §2.4).
TIKTOK_SUBSCRIPTIONS = ("DIRECT_MESSAGE", "COMMENT")
SHOP_SUBSCRIPTIONS = (
    "ORDER_STATUS_CHANGE",
    "RETURN_STATUS_CHANGE",
    "SELLER_DEAUTHORIZATION",
    "UPCOMING_AUTHORIZATION_EXPIRATION",
    "NEW_CONVERSATION",
    "NEW_MESSAGE",
)


def connection_subscribe(*, connection: Connection) -> None:
    """Point the platform's webhooks at us. Idempotent: TikTok replaces a subscription."""

    from integrations import tokens  # tokens import this module

    base = settings.PUBLIC_BASE_URL.rstrip("/")
    if connection.provider == "tiktok":
        url = base + reverse("webhook_tiktok")
        with TikTokBusinessClient() as client:
            for event_type in TIKTOK_SUBSCRIPTIONS:
                client.webhook_subscribe(event_type=event_type, callback_url=url)
        return
    address = base + reverse("webhook_tiktok_shop")

    def subscribe(token: str) -> None:
        with TikTokShopClient(access_token=token, shop_cipher=connection.shop_cipher) as client:
            for event_type in SHOP_SUBSCRIPTIONS:
                client.webhook_subscribe(event_type=event_type, address=address)

    tokens.with_fresh_token(connection, subscribe)
