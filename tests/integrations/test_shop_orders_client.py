"""The product's Shop client (Get Order Detail, Search Returns) over real HTTP against the
emulator process. The token comes from the product's auth client after the seller approves
on the emulator's authorize page; no workspace or database is involved."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from django.conf import settings

from integrations.clients.errors import Rejected
from integrations.clients.tiktok_shop import TikTokShopAuthClient, TikTokShopClient
from tests.emulator_process import Emulator
from tests.integrations.test_connect import approve_shop, query

COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"


class Counting(httpx.HTTPTransport):
    """A real transport that remembers the paths it sent."""

    def __init__(self) -> None:
        super().__init__()
        self.paths: list[str] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return super().handle_request(request)


@pytest.fixture
def transport() -> Counting:
    return Counting()


@pytest.fixture
def client(emulator: Emulator, transport: Counting) -> Iterator[TikTokShopClient]:
    authorize = f"{emulator.url}/open/authorize?service_id={settings.TIKTOK_SHOP_SERVICE_ID}"
    approved = approve_shop(emulator, f"{authorize}&state=orders-client")
    assert approved.status_code == 302, approved.text
    with TikTokShopAuthClient() as auth:
        grant = auth.token_get(auth_code=query(approved.headers["Location"])["code"])
    with TikTokShopClient(access_token=grant.access_token) as bare:
        (shop,) = bare.authorized_shops()
    with TikTokShopClient(
        access_token=grant.access_token, shop_cipher=shop.cipher, transport=transport
    ) as made:
        yield made


def overview(emulator: Emulator) -> dict[str, Any]:
    return dict(emulator.http.get("/_control/shop/").json())


def place(emulator: Emulator, status: str = "AWAITING_SHIPMENT") -> dict[str, Any]:
    shop = overview(emulator)
    buyer = next(b["user_id"] for b in shop["buyers"] if b["nickname"] == "olivia.grace")
    sku = shop["products"][1]["skus"][0]["id"]  # £9.50, so £2.99 shipping
    return dict(
        emulator.control(
            "/shop/orders",
            {"buyer_user_id": buyer, "items": [{"sku_id": sku, "quantity": 1}], "status": status},
        )
    )


def seeded_order_ids(client: TikTokShopClient) -> list[str]:
    return [str(o["id"]) for o in client.orders_search(updated_since=0)["orders"]]


def test_orders_get_returns_the_detail_in_the_order_asked(
    client: TikTokShopClient, transport: Counting
) -> None:
    ids = list(reversed(seeded_order_ids(client)))
    assert len(ids) == 5

    orders = client.orders_get(order_ids=[*ids, ids[0]])  # a repeat is asked once

    assert [o["id"] for o in orders] == ids
    assert transport.paths[-1] == "/order/202507/orders"
    assert all(isinstance(o["payment"]["total_amount"], str) for o in orders)
    assert all("refunded" not in o for o in orders)
    assert client.orders_get(order_ids=[]) == []


def test_orders_get_asks_fifty_at_a_time(
    client: TikTokShopClient, emulator: Emulator, transport: Counting
) -> None:
    placed = [place(emulator)["id"] for _ in range(50)]
    ids = seeded_order_ids(client)[:5] + placed  # 55
    transport.paths.clear()

    orders = client.orders_get(order_ids=ids)

    assert [o["id"] for o in orders] == ids
    assert transport.paths == ["/order/202507/orders"] * 2


def test_orders_get_of_an_order_not_of_this_seller_is_rejected(client: TikTokShopClient) -> None:
    with pytest.raises(Rejected) as raised:
        client.orders_get(order_ids=["576461413038785999"])
    assert raised.value.code == 21008111


def test_a_refund_shows_in_returns_search_and_cancels_an_unshipped_order(
    client: TikTokShopClient, emulator: Emulator
) -> None:
    order = place(emulator)
    refunded = emulator.control(f"/shop/orders/{order['id']}/refund")
    since = int(refunded["return"]["update_time"])

    (found,) = client.returns_search(order_ids=[order["id"]])

    assert found["return_id"] == refunded["return"]["return_id"]
    assert (found["order_id"], found["return_type"]) == (order["id"], "REFUND")
    assert found["return_status"] == COMPLETE
    assert found["refund_amount"] == {
        "currency": "GBP",
        "refund_total": "12.49",
        "refund_subtotal": "9.50",
        "refund_shipping_fee": "2.99",
        "refund_tax": "0.00",
        "retail_delivery_fee": "0.00",
        "buyer_service_fee": "0.00",
    }
    (detail,) = client.orders_get(order_ids=[order["id"]])
    assert detail["status"] == "CANCELLED"
    assert (detail["cancel_reason"], detail["cancellation_initiator"]) == ("Refunded", "BUYER")
    everything = client.returns_search()
    assert len(everything) == 2  # the seeded refund, then this one
    assert everything[-1]["return_id"] == found["return_id"]
    assert [r["return_id"] for r in client.returns_search(updated_since=since)] == [
        found["return_id"]
    ]
    assert client.returns_search(order_ids=[]) == []


def test_returns_search_follows_pages(
    client: TikTokShopClient, emulator: Emulator, transport: Counting
) -> None:
    for _ in range(50):
        emulator.control(f"/shop/orders/{place(emulator, 'DELIVERED')['id']}/refund")
    transport.paths.clear()

    returns = client.returns_search()

    assert len(returns) == 51
    assert len({r["return_id"] for r in returns}) == 51
    times = [r["update_time"] for r in returns]
    assert times == sorted(times)
    assert transport.paths == ["/return_refund/202309/returns/search"] * 2
