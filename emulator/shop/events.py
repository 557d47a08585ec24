"""Shop webhooks (wire notes section 2) and the Event API that subscribes to them (2.5).

A delivery goes to the shop's subscribed address for that event type, else to the app-wide
Partner Center URL (``config.shop_webhook_url``), else nowhere. Only an authorized shop produces
events, except SELLER_DEAUTHORIZATION itself, which is sent as the authorization ends. The
body is compact JSON and is signed with ``Authorization: hex(HMAC(secret, key + body))``."""

import json
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from emulator.shop.api import SCOPE_AUTHORIZATION, Call, bad_request, endpoint
from emulator.shop.signing import sign_webhook
from emulator.shop.store import Subscription
from emulator.webhooks import SHOP_RETRY_SCHEDULE, Delivery

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

# event_type (subscription name) → numeric type in the payload (2.4).
EVENT_TYPES = {
    "ORDER_STATUS_CHANGE": 1,
    "REVERSE_STATUS_UPDATE": 2,
    "RECIPIENT_ADDRESS_UPDATE": 3,
    "PACKAGE_UPDATE": 4,
    "PRODUCT_STATUS_CHANGE": 5,
    "SELLER_DEAUTHORIZATION": 6,
    "UPCOMING_AUTHORIZATION_EXPIRATION": 7,
    "CANCELLATION_STATUS_CHANGE": 11,
    "RETURN_STATUS_CHANGE": 12,
    "NEW_CONVERSATION": 13,
    "NEW_MESSAGE": 14,
    "PRODUCT_INFORMATION_CHANGE": 15,
    "PRODUCT_CREATION": 16,
    "PRODUCT_CATEGORY_CHANGE": 18,
}
MAX_ADDRESS = 255
# The Order API says CANCELLED, the webhook says CANCEL; PARTIALLY_SHIPPING has no webhook value.
WEBHOOK_ORDER_STATUS = {"CANCELLED": "CANCEL"}
NO_WEBHOOK_ORDER_STATUS = frozenset({"PARTIALLY_SHIPPING"})


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    return [
        endpoint(
            platform,
            "/event/202309/webhooks",
            _handler(platform),
            method=method,
            scope=SCOPE_AUTHORIZATION,
        )
        for method in ("GET", "PUT", "DELETE")
    ]


def _handler(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        store, now = platform.store, platform.clock.now_int()
        method = call.request.method
        if method == "GET":
            return {
                "webhooks": [
                    {
                        "event_type": s.event_type,
                        "address": s.address,
                        "create_time": s.create_time,
                        "update_time": s.update_time,
                    }
                    for s in store.subscriptions.values()
                ]
            }
        body = call.json()
        event_type = body.get("event_type")
        if event_type not in EVENT_TYPES:
            raise bad_request("Invalid 'event_type'.")
        if method == "DELETE":
            store.subscriptions.pop(event_type, None)
            return {}
        address = body.get("address")
        if not isinstance(address, str) or not address or len(address) > MAX_ADDRESS:
            raise bad_request(f"'address' is required, at most {MAX_ADDRESS} characters.")
        existing = store.subscriptions.get(event_type)
        store.subscriptions[event_type] = Subscription(
            event_type=event_type,
            address=address,
            create_time=existing.create_time if existing else now,
            update_time=now,
        )
        return {}

    return handler


def emit(platform: "ShopPlatform", event_type: str, data: dict[str, Any]) -> list[Delivery]:
    """Queue one webhook; call from an async handler (the outbox needs the running loop)."""
    store = platform.store
    if event_type != "SELLER_DEAUTHORIZATION" and store.active_grant() is None:
        return []
    subscription = store.subscriptions.get(event_type)
    url = subscription.address if subscription else platform.config.shop_webhook_url
    if not url:
        return []
    body = json.dumps(
        {
            "type": EVENT_TYPES[event_type],
            "tts_notification_id": store.ids.next("notification"),
            "shop_id": store.the_shop.id,
            "timestamp": platform.clock.now_int(),
            "data": data,
        },
        separators=(",", ":"),
    ).encode()
    key, secret = platform.config.shop_app_key, platform.config.shop_app_secret

    def sign(raw: bytes) -> dict[str, str]:
        return {"Authorization": sign_webhook(app_key=key, app_secret=secret, body=raw)}

    return platform.outbox.enqueue(
        platform="shop",
        event=event_type,
        url=url,
        body=body,
        sign=sign,
        schedule=SHOP_RETRY_SCHEDULE,
    )


def order_status_changed(platform: "ShopPlatform", order_id: str, status: str, at: int) -> None:
    if status in NO_WEBHOOK_ORDER_STATUS:
        return
    emit(
        platform,
        "ORDER_STATUS_CHANGE",
        {
            "order_id": order_id,
            "order_status": WEBHOOK_ORDER_STATUS.get(status, status),
            "is_on_hold_order": status == "ON_HOLD",
            "update_time": at,
        },
    )
