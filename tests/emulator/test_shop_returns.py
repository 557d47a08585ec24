"""Refunds on the wire: webhook 12 RETURN_STATUS_CHANGE, the cancellation a full refund before
shipment makes (webhook 1), Search Returns, and Get Order Detail around them."""

import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from emulator.shop.signing import sign_webhook
from tests.emulator.test_shop import ALL_SCOPES, Receiver, ShopSession, error_of
from tests.emulator.test_shop_webhooks import verify, wait_status

SEARCH_RETURNS = "/return_refund/202309/returns/search"
DETAIL = "/order/202507/orders"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "tiktok_shop"
COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


def place(session: ShopSession, status: str = "AWAITING_SHIPMENT", **items: int) -> Any:
    """An order for Olivia: ``items`` maps product index ``p<n>`` to a quantity of its first
    SKU (default: one serum)."""
    products = list(session.store.products.values())
    picks = items or {"p0": 1}
    lines = [{"sku_id": products[int(k[1:])].skus[0].id, "quantity": q} for k, q in picks.items()]
    return session.control(
        "/orders",
        {"buyer_user_id": session.buyer("olivia.grace"), "items": lines, "status": status},
    )


def refund_response(session: ShopSession, order_id: str, body: dict[str, Any] | None = None) -> Any:
    return session.client.post(f"/_control/shop/orders/{order_id}/refund", json=body or {})


def shape(value: Any) -> Any:
    """Keys and value types, recursively: what a fixture and a live payload must share."""
    if isinstance(value, dict):
        return {k: shape(v) for k, v in value.items()}
    return type(value).__name__


def bodies(session: ShopSession, receiver: Receiver) -> list[dict[str, Any]]:
    return [verify(session, headers, body) for headers, body in receiver.received]


def detail(session: ShopSession, *ids: str) -> list[dict[str, Any]]:
    return session.ok("GET", DETAIL, params={"ids": ",".join(ids)})["orders"]


# --- webhook 12 ----------------------------------------------------------------------------


def test_refund_sends_a_signed_type_12_that_is_retried_like_other_shop_webhooks(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    order = place(session, "DELIVERED", p0=1, p1=2)
    shop_receiver.wait_for(2)  # UNPAID, DELIVERED
    before = detail(session, order["id"])[0]
    shop_receiver.statuses = [500]  # the refund's first delivery fails once

    made = session.control(f"/orders/{order['id']}/refund", {"return_type": "RETURN_AND_REFUND"})

    (delivery,) = session.deliveries("RETURN_STATUS_CHANGE")
    assert made["webhooks"] == [delivery.id]
    wait_status(session, delivery.id, "delivered")
    assert [a.status for a in delivery.attempts] == [500, 200]
    assert delivery.schedule == (120.0, 1800.0, 3 * 3600.0, 12 * 3600.0)
    first, retry = shop_receiver.received[2:]
    assert first[1] == retry[1]  # the retry repeats the body and its notification id
    key, secret = session.config.shop_app_key, session.config.shop_app_secret
    assert retry[0]["Authorization"] == sign_webhook(app_key=key, app_secret=secret, body=retry[1])
    body = verify(session, *retry)
    assert set(body) == {"type", "tts_notification_id", "shop_id", "timestamp", "data"}
    assert body["type"] == 12
    assert body["shop_id"] == session.shop.id
    assert isinstance(body["tts_notification_id"], str)
    record = made["return"]
    assert body["data"] == {
        "order_id": order["id"],
        "return_role": "BUYER",
        "return_type": "RETURN_AND_REFUND",
        "return_status": COMPLETE,
        "return_id": record["return_id"],
        "create_time": record["create_time"],
        "update_time": record["update_time"],
    }
    assert isinstance(body["data"]["return_id"], str)
    assert body["data"]["return_id"].isdigit()
    # After shipment the order itself does not change: no webhook 1, same detail.
    assert len(session.deliveries("ORDER_STATUS_CHANGE")) == 2
    after = detail(session, order["id"])[0]
    assert after == before
    assert "refunded" not in after


def test_a_full_refund_before_shipment_cancels_the_order(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    order = place(session, p1=1)  # £9.50 + £2.99 shipping
    shop_receiver.wait_for(2)
    untouched = detail(session, next(iter(session.store.orders)))[0]

    made = session.control(f"/orders/{order['id']}/refund")

    shop_receiver.wait_for(4)
    events = sorted(bodies(session, shop_receiver)[2:], key=lambda b: b["type"])
    cancelled, returned = events
    assert (returned["type"], returned["data"]["return_type"]) == (12, "REFUND")
    assert cancelled["type"] == 1
    assert cancelled["data"]["order_id"] == order["id"]
    assert cancelled["data"]["order_status"] == "CANCEL"  # the webhook's word, not CANCELLED
    (now,) = detail(session, order["id"])
    assert now["status"] == "CANCELLED"
    assert (now["cancel_reason"], now["cancellation_initiator"]) == ("Refunded", "BUYER")
    assert {i["cancel_user"] for i in now["line_items"]} == {"BUYER"}
    assert set(now) == set(untouched)  # no invented refund fields in Get Order Detail
    assert made["order"]["status"] == "CANCELLED"
    amount = made["return"]["refund_amount"]
    assert amount["refund_total"] == now["payment"]["total_amount"] == "12.49"
    assert (amount["refund_subtotal"], amount["refund_shipping_fee"]) == ("9.50", "2.99")
    assert amount["currency"] == "GBP"


def test_partial_refunds_before_shipment_cancel_only_when_nothing_is_left(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    order = place(session, p1=2)  # two lip creams, £19.00 + £2.99 shipping
    first, second = (item["id"] for item in order["line_items"])

    one = session.control(f"/orders/{order['id']}/refund", {"line_item_ids": [first]})

    assert one["order"]["status"] == "AWAITING_SHIPMENT"
    assert one["return"]["refund_amount"]["refund_total"] == "9.50"
    assert one["return"]["refund_amount"]["refund_shipping_fee"] == "0.00"
    assert [i["order_line_item_id"] for i in one["return"]["return_line_items"]] == [first]
    again = refund_response(session, order["id"], {"line_item_ids": [first]})
    assert again.status_code == 409
    assert "already refunded" in again.json()["error"]

    rest = session.control(f"/orders/{order['id']}/refund")  # the remaining item

    assert [i["order_line_item_id"] for i in rest["return"]["return_line_items"]] == [second]
    assert rest["return"]["refund_amount"]["refund_total"] == "12.49"  # with the shipping
    assert rest["order"]["status"] == "CANCELLED"
    assert len(rest["webhooks"]) == 2  # 12, then 1
    shop_receiver.wait_for(5)  # UNPAID, AWAITING_SHIPMENT, 12, 12 + 1
    types = sorted(b["type"] for b in bodies(session, shop_receiver))
    assert types == [1, 1, 1, 12, 12]
    assert refund_response(session, order["id"]).status_code == 409


@pytest.mark.parametrize(
    ("status", "body", "code", "error"),
    [
        ("UNPAID", {}, 409, "unpaid"),
        ("CANCELLED", {}, 409, "cancelled"),
        ("AWAITING_SHIPMENT", {"return_type": "RETURN_AND_REFUND"}, 409, "not shipped"),
        ("DELIVERED", {"return_type": "REPLACEMENT"}, 400, "return_type"),
        ("DELIVERED", {"line_item_ids": ["1"]}, 404, "no such line item"),
        ("DELIVERED", {"line_item_ids": []}, 400, "at least one"),
        ("DELIVERED", {"line_item_ids": "all"}, 400, "list"),
    ],
)
def test_refusals(
    connected: ShopSession, status: str, body: dict[str, Any], code: int, error: str
) -> None:
    order = place(connected, status)
    response = refund_response(connected, order["id"], body)
    assert response.status_code == code, response.text
    assert error in response.json()["error"]
    assert len(connected.store.returns) == 1  # only the seed's
    assert connected.deliveries("RETURN_STATUS_CHANGE") == []


def test_refund_of_an_unknown_order(connected: ShopSession) -> None:
    assert refund_response(connected, "1").status_code == 404


def test_a_refund_opens_customer_service_to_a_buyer_no_other_rule_allows(
    connected: ShopSession,
) -> None:
    jess = connected.buyer("jess_makeup")  # one order, 140 days ago: no rule holds
    create = "/customer_service/202309/conversations"
    assert error_of(connected.call("POST", create, body={"buyer_user_id": jess}))[1] == 45109003
    (order,) = connected.store.orders_of(jess)
    connected.control(f"/orders/{order.id}/refund")
    assert connected.ok("POST", create, body={"buyer_user_id": jess})["conversation_id"]


def test_payloads_match_the_fixtures(
    make_shop: Callable[..., ShopSession], shop_receiver: Receiver
) -> None:
    """tests/fixtures/tiktok_shop/*.json (what the product is tested with) and what the
    emulator sends have the same keys and value types."""
    session = make_shop(time_scale=100_000.0, shop_webhook_url=shop_receiver.url)
    session.connect()
    order = place(session, "UNPAID")
    session.control(f"/orders/{order['id']}/status", {"status": "IN_TRANSIT"})
    session.control(f"/orders/{order['id']}/refund")
    shop_receiver.wait_for(3)
    by_type = {b["type"]: b for b in bodies(session, shop_receiver)}
    for name, kind in (("order_status_change.json", 1), ("return_status_change.json", 12)):
        fixture = json.loads((FIXTURES / name).read_bytes())
        assert shape(fixture) == shape(by_type[kind]), name
        assert fixture["type"] == kind


# --- Search Returns ------------------------------------------------------------------------


def test_search_returns_lists_the_seeded_refund(connected: ShopSession) -> None:
    data = connected.ok("POST", SEARCH_RETURNS, body={})
    assert (data["total_count"], data["next_page_token"]) == (1, "")
    (seeded,) = data["return_orders"]
    sam = connected.buyer("skincare.sam")
    (order,) = connected.store.orders_of(sam)
    assert seeded["order_id"] == order.id
    assert (seeded["return_type"], seeded["return_status"]) == ("REFUND", COMPLETE)
    assert seeded["role"] == "BUYER"
    (sams,) = detail(connected, order.id)
    assert sams["status"] == "CANCELLED"
    assert (sams["cancel_reason"], sams["cancellation_initiator"]) == ("Refunded", "BUYER")
    assert seeded["refund_amount"]["refund_total"] == sams["payment"]["total_amount"]


def test_search_returns_shape_and_filters(connected: ShopSession) -> None:
    delivered = place(connected, "DELIVERED", p0=1, p5=1)
    shipped = place(connected, "IN_TRANSIT", p2=1)
    connected.platform.clock.advance(60)
    since = connected.platform.clock.now_int()
    first = connected.control(f"/orders/{delivered['id']}/refund", {
        "return_type": "RETURN_AND_REFUND",
        "line_item_ids": [delivered["line_items"][1]["id"]]})  # fmt: skip
    connected.platform.clock.advance(60)
    second = connected.control(f"/orders/{shipped['id']}/refund")

    by_order = connected.ok("POST", SEARCH_RETURNS, body={"order_ids": [delivered["id"]]})
    (found,) = by_order["return_orders"]
    assert found == first["return"]
    assert set(found) >= {
        "return_id", "order_id", "return_type", "return_status", "create_time", "update_time",
        "refund_amount",
    }  # fmt: skip
    assert found["refund_amount"] == {
        "currency": "GBP",
        "refund_total": "12.99",
        "refund_subtotal": "12.99",
        "refund_shipping_fee": "0.00",
        "refund_tax": "0.00",
        "retail_delivery_fee": "0.00",
        "buyer_service_fee": "0.00",
    }
    (line,) = found["return_line_items"]
    assert line["order_line_item_id"] == delivered["line_items"][1]["id"]
    assert line["sku_id"] == delivered["line_items"][1]["sku_id"]
    assert line["refund_amount"]["refund_total"] == "12.99"
    assert isinstance(found["create_time"], int)
    assert found["create_time"] >= since

    def ids(body: dict[str, Any], **params: Any) -> list[str]:
        data = connected.ok("POST", SEARCH_RETURNS, params=params, body=body)
        return [r["return_id"] for r in data["return_orders"]]

    seeded = next(iter(connected.store.returns))
    one, two = first["return"]["return_id"], second["return"]["return_id"]
    assert ids({"update_time_ge": since}) == [one, two]
    assert ids({"update_time_ge": since}, sort_order="DESC") == [two, one]
    assert ids({"update_time_ge": since + 60}) == [two]
    assert ids({"update_time_lt": since}) == [seeded]
    assert ids({"return_ids": [two]}) == [two]
    assert ids({"return_types": ["RETURN_AND_REFUND"]}) == [one]
    assert ids({"return_status": ["RETURN_OR_REFUND_REQUEST_PENDING"]}) == []
    assert ids({"buyer_user_ids": [connected.buyer("olivia.grace")]}) == [one, two]
    assert ids({"order_ids": []}, sort_field="update_time") == [seeded, one, two]


def test_search_returns_pages(connected: ShopSession) -> None:
    for _ in range(3):
        connected.control(f"/orders/{place(connected, 'DELIVERED')['id']}/refund")
    first = connected.ok("POST", SEARCH_RETURNS, params={"page_size": 3}, body={})
    assert first["total_count"] == 4
    assert len(first["return_orders"]) == 3
    rest = connected.ok("POST", SEARCH_RETURNS,
                        params={"page_size": 3, "page_token": first["next_page_token"]},
                        body={})  # fmt: skip
    assert rest["next_page_token"] == ""
    seen = [r["return_id"] for r in first["return_orders"] + rest["return_orders"]]
    assert sorted(seen) == sorted(connected.store.returns)


@pytest.mark.parametrize(
    ("params", "body"),
    [
        ({"page_size": 51}, {}),
        ({"page_size": 0}, {}),
        ({"sort_field": "return_id"}, {}),
        ({"page_token": "nope"}, {}),
        ({}, {"order_ids": "576461413038785701"}),
        ({}, {"return_ids": [1]}),
        ({}, {"update_time_ge": "soon"}),
    ],
)
def test_search_returns_bad_requests(
    connected: ShopSession, params: dict[str, Any], body: dict[str, Any]
) -> None:
    response = connected.call("POST", SEARCH_RETURNS, params=params, body=body)
    assert error_of(response) == (400, 36009004)


def test_search_returns_is_a_signed_shop_call(make_shop: Callable[..., ShopSession]) -> None:
    session = make_shop()
    session.connect(scopes=tuple(s for s in ALL_SCOPES if s != "seller.order.info"))
    assert error_of(session.call("POST", SEARCH_RETURNS, body={})) == (403, 105005)
    session.connect()
    assert error_of(session.call("POST", SEARCH_RETURNS, body={}, sign="0" * 64)) == (401, 106001)
    assert error_of(session.call("POST", SEARCH_RETURNS, body={}, cipher=False)) == (400, 106013)
    assert error_of(session.call("POST", SEARCH_RETURNS, body={}, token="nope")) == (
        401,
        36009004,
    )
    stale = session.platform.clock.now_int() - 301
    assert error_of(session.call("POST", SEARCH_RETURNS, body={}, timestamp=stale)) == (
        401,
        36009004,
    )
    session.control("/authorization/revoke")
    assert error_of(session.call("POST", SEARCH_RETURNS, body={})) == (401, 105001)


def test_search_returns_honours_injected_faults(connected: ShopSession) -> None:
    rule = {"path": "^/return_refund/", "kind": "rate_limit", "remaining": 1}
    assert connected.client.post("/_control/faults", json=rule).status_code == 201
    assert error_of(connected.call("POST", SEARCH_RETURNS, body={})) == (429, 36009002)
    assert connected.ok("POST", SEARCH_RETURNS, body={})["total_count"] == 1


# --- Get Order Detail ----------------------------------------------------------------------


def test_order_detail_returns_the_asked_orders_in_order(connected: ShopSession) -> None:
    seeded = list(connected.store.orders)
    asked = [seeded[3], seeded[0], seeded[2]]
    for version in ("202507", "202309"):
        data = connected.ok("GET", f"/order/{version}/orders", params={"ids": ",".join(asked)})
        assert set(data) == {"orders"}
        assert [o["id"] for o in data["orders"]] == asked
        for order in data["orders"]:
            assert isinstance(order["id"], str)
            assert isinstance(order["user_id"], str)
            assert isinstance(order["update_time"], int)
            assert "refunded" not in order
            payment = order["payment"]
            assert Decimal(payment["total_amount"]) == Decimal(payment["sub_total"]) + Decimal(
                payment["shipping_fee"]
            )


def test_order_detail_takes_one_to_fifty_ids(connected: ShopSession) -> None:
    for _ in range(45):
        place(connected)
    ids = list(connected.store.orders)
    assert len(ids) == 50
    assert len(detail(connected, *ids)) == 50
    for bad in (",".join([*ids, ids[0]]), "", ","):
        response = connected.call("GET", DETAIL, params={"ids": bad})
        assert error_of(response) == (400, 36009004), bad
    assert error_of(connected.call("GET", DETAIL)) == (400, 36009004)


def test_order_detail_refuses_an_order_not_of_this_seller(connected: ShopSession) -> None:
    known = next(iter(connected.store.orders))
    response = connected.call("GET", DETAIL, params={"ids": f"{known},576461413038785999"})
    assert error_of(response) == (400, 21008111)
    assert "576461413038785999" in response.json()["message"]


def test_order_detail_is_a_signed_shop_call_needing_the_orders_scope(
    make_shop: Callable[..., ShopSession],
) -> None:
    session = make_shop()
    session.connect(scopes=("seller.product.basic",))
    known = next(iter(session.store.orders))
    assert error_of(session.call("GET", DETAIL, params={"ids": known})) == (403, 105005)
    session.connect()
    assert error_of(session.call("GET", DETAIL, params={"ids": known}, sign="f" * 64)) == (
        401,
        106001,
    )
    assert error_of(session.call("GET", DETAIL, params={"ids": known}, cipher=False)) == (
        400,
        106013,
    )
