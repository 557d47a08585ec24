"""Handlers for the events that concern the connection itself. Comment, message and order
events are handled by the apps that own those things (they register their own)."""

from integrations import services
from integrations.models import Provider
from integrations.webhooks.handlers import PlatformEvent, register

# TikTok Shop notification types (tiktok-wire.md §2.4).
SHOP_SELLER_DEAUTHORIZATION = "6"
SHOP_UPCOMING_AUTHORIZATION_EXPIRATION = "7"


@register(Provider.TIKTOK, "authorization.removed")
def tiktok_authorization_removed(event: PlatformEvent) -> str:
    reason = event.data.get("reason", "")
    services.connection_authorization_lost(connection=event.connection, reason=f"tiktok:{reason}")
    return f"authorization removed (reason {reason})"


@register(Provider.TIKTOK_SHOP, SHOP_SELLER_DEAUTHORIZATION)
def shop_deauthorized(event: PlatformEvent) -> str:
    services.connection_authorization_lost(connection=event.connection, reason="shop:deauthorized")
    return "shop deauthorized"


@register(Provider.TIKTOK_SHOP, SHOP_UPCOMING_AUTHORIZATION_EXPIRATION)
def shop_authorization_expiring(event: PlatformEvent) -> str:
    expires_at = services.tiktok_timestamp(event.data["expiration_time"])
    services.connection_authorization_expiry_set(connection=event.connection, expires_at=expires_at)
    return f"authorization expires {expires_at:%Y-%m-%d}"
