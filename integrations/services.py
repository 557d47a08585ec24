"""Writes to connections. (Connecting and disconnecting arrive with the OAuth flows.)"""

from datetime import UTC, datetime

from django.db import transaction

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
    return connection


def tiktok_timestamp(value: object) -> datetime:
    """A Unix timestamp as TikTok sends it (an int, or a string of digits), made aware."""
    return datetime.fromtimestamp(int(str(value)), tz=UTC)
