"""Shop webhooks (wire notes section 2) and the Event API (2.5)."""

import json
import time
from collections.abc import Callable

from emulator.shop.signing import sign_webhook
from tests.emulator.test_shop import Receiver, ShopSession, error_of

EVENTS = "/event/202309/webhooks"


def verify(session: ShopSession, headers: dict[str, str], body: bytes) -> dict:
    expected = sign_webhook(app_key=session.config.shop_app_key,
                            app_secret=session.config.shop_app_secret, body=body)  # fmt: skip
    assert headers["Authorization"] == expected
    return json.loads(body)


def wait_status(session: ShopSession, delivery_id: int, status: str, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    delivery = next(d for d in session.emulator.outbox.deliveries if d.id == delivery_id)
    while delivery.status != status and time.monotonic() < deadline:
        time.sleep(0.01)
    assert delivery.status == status, delivery.summary()


def test_order_webhooks_signed_and_retried_after_a_failure(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    shop_receiver.statuses = [500]  # the first delivery fails once
    olivia = session.buyer("olivia.grace")
    sku = next(iter(session.store.skus))
    order = session.control("/orders", {"buyer_user_id": olivia,
                                        "items": [{"sku_id": sku, "quantity": 2}]})  # fmt: skip
    session.control(f"/orders/{order['id']}/status", {"status": "CANCELLED"})
    shop_receiver.wait_for(4)
    deliveries = session.deliveries("ORDER_STATUS_CHANGE")
    for delivery in deliveries:
        wait_status(session, delivery.id, "delivered")
    assert sorted(len(d.attempts) for d in deliveries) == [1, 1, 2]
    retried = next(d for d in deliveries if len(d.attempts) == 2)
    assert [a.status for a in retried.attempts] == [500, 200]
    bodies = [verify(session, headers, body) for headers, body in shop_receiver.received]
    by_id = {b["tts_notification_id"]: b["data"]["order_status"] for b in bodies}
    assert len(bodies) == 4  # the retry repeats its notification id
    assert sorted(by_id.values()) == ["AWAITING_SHIPMENT", "CANCEL", "UNPAID"]  # not CANCELLED
    body = bodies[0]
    assert set(body) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert body["type"] == 1
    assert body["shop_id"] == session.shop.id
    assert body["data"]["order_id"] == order["id"]
    assert body["data"]["is_on_hold_order"] is False
    assert isinstance(body["tts_notification_id"], str)


def test_retries_follow_the_shop_schedule_then_give_up(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=1_000_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    shop_receiver.statuses = [503] * 5
    session.control("/authorization/expiring")
    (delivery,) = session.deliveries("UPCOMING_AUTHORIZATION_EXPIRATION")
    wait_status(session, delivery.id, "failed")
    assert len(delivery.attempts) == 5  # the first try and four retries
    assert delivery.schedule == (120.0, 1800.0, 3 * 3600.0, 12 * 3600.0)


def test_deauthorization_and_expiry_webhooks(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    session.control("/authorization/expiring")
    shop_receiver.wait_for(1)
    session.control("/authorization/revoke")
    shop_receiver.wait_for(2)
    expiring, revoked = (verify(session, h, b) for h, b in shop_receiver.received)
    grant = session.store.grants[-1]
    assert expiring["type"] == 7
    assert expiring["data"]["expiration_time"] == str(grant.expires_at)
    assert revoked["type"] == 6
    assert revoked["data"] == {
        "message": f"Shop_id {session.shop.id} is deauthorized from your APP by merchant."
    }
    # after revocation the shop produces no events
    session.control("/messages", {"buyer_user_id": session.buyer("chloe.b"), "text": "hello?"})
    assert session.deliveries("NEW_MESSAGE") == []


def test_chat_webhooks_13_and_14(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    olivia = session.buyer("olivia.grace")
    made = session.control("/messages", {"buyer_user_id": olivia, "text": "hi"})
    shop_receiver.wait_for(2)
    # Deliveries go out concurrently, as TikTok's do: arrival order is not promised.
    conversation, message = sorted(
        (verify(session, h, b) for h, b in shop_receiver.received), key=lambda p: p["type"]
    )
    assert conversation["type"] == 13
    assert conversation["data"]["conversation_id"] == made["conversation_id"]
    assert message["type"] == 14
    data = message["data"]
    assert data["content"] == '{"content":"hi"}'
    assert data["sender"]["role"] == "BUYER"
    assert data["type"] == "TEXT"
    # the seller's own reply triggers 14 too
    session.call(
        "POST",
        f"/customer_service/202309/conversations/{made['conversation_id']}/messages",
        body={"type": "TEXT", "content": '{"content":"hello!"}'},
    )
    shop_receiver.wait_for(3)
    reply = verify(session, *shop_receiver.received[2])
    assert (reply["type"], reply["data"]["sender"]["role"]) == (14, "SHOP")


def test_no_webhook_without_an_address(make_shop: Callable[..., ShopSession]) -> None:
    session = make_shop()
    session.connect()
    session.control("/authorization/expiring")
    assert session.deliveries() == []


def test_event_api_subscription_routes_deliveries(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url="http://127.0.0.1:9/unused")
    session.connect()
    assert session.ok("GET", EVENTS) == {"webhooks": []}
    subscribe = {"address": shop_receiver.url, "event_type": "NEW_MESSAGE"}
    assert session.ok("PUT", EVENTS, body=subscribe) == {}
    listed = session.ok("GET", EVENTS)["webhooks"]
    assert [(w["event_type"], w["address"]) for w in listed] == [("NEW_MESSAGE", shop_receiver.url)]
    session.control("/messages", {"buyer_user_id": session.buyer("chloe.b"), "text": "hey"})
    shop_receiver.wait_for(1)
    assert verify(session, *shop_receiver.received[0])["type"] == 14
    assert [d.url for d in session.deliveries("NEW_MESSAGE")] == [shop_receiver.url]
    assert session.ok("DELETE", EVENTS, body={"event_type": "NEW_MESSAGE"}) == {}
    assert session.ok("DELETE", EVENTS, body={"event_type": "NEW_MESSAGE"}) == {}
    assert session.ok("GET", EVENTS) == {"webhooks": []}
    bad = session.call("PUT", EVENTS, body={"address": "x" * 256, "event_type": "NEW_MESSAGE"})
    assert error_of(bad)[0] == 400
    no_cipher = session.call("GET", EVENTS, cipher=False)
    assert error_of(no_cipher) == (400, 106013)
