"""TikTok Shop order events this app owns, registered with integrations' handler map."""

from attribution import orders
from integrations.models import Provider
from integrations.webhooks.handlers import PlatformEvent, register

# TikTok Shop notification types (tiktok-wire.md §2.4).
ORDER_STATUS_CHANGE = "1"
RETURN_STATUS_CHANGE = "12"


@register(Provider.TIKTOK_SHOP, ORDER_STATUS_CHANGE)
def order_status_change(event: PlatformEvent) -> str:
    return orders.order_status_changed(connection=event.connection, data=event.data)


@register(Provider.TIKTOK_SHOP, RETURN_STATUS_CHANGE)
def return_status_change(event: PlatformEvent) -> str:
    return orders.order_refund_changed(connection=event.connection, data=event.data)
