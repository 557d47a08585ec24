"""Products and Orders APIs (wire notes 3.1–3.4) and the control API that places orders."""

from decimal import Decimal

import pytest

from tests.emulator.test_shop import ShopSession, error_of

SEARCH_ORDERS = "/order/202309/orders/search"


@pytest.mark.parametrize("version", ["202502", "202309"])
def test_product_search_pages_through_all_20(connected: ShopSession, version: str) -> None:
    path = f"/product/{version}/products/search"
    seen: list[str] = []
    token = ""
    pages = 0
    while True:
        params = {"page_size": 8, **({"page_token": token} if token else {})}
        data = connected.ok("POST", path, params=params, body={"status": "ACTIVATE"})
        assert data["total_count"] == 20
        seen += [p["id"] for p in data["products"]]
        pages += 1
        token = data["next_page_token"]
        if not token:
            break
    assert pages == 3
    assert len(seen) == len(set(seen)) == 20
    assert sum(len(p.skus) for p in connected.store.products.values()) == 45


def test_product_search_shape_and_filters(connected: ShopSession) -> None:
    sku = next(iter(connected.store.skus.values()))
    data = connected.ok(
        "POST", "/product/202502/products/search", params={"page_size": 10},
        body={"sku_ids": [sku.id]},
    )  # fmt: skip
    assert data["total_count"] == 1
    product = data["products"][0]
    assert product["id"] == sku.product_id
    assert product["sales_regions"] == ["GB"]
    first = product["skus"][0]
    assert first["price"] == {"currency": "GBP", "tax_exclusive_price": sku.price,
                              "sale_price": sku.price}  # fmt: skip
    assert first["inventory"][0]["quantity"] == sku.quantity


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, 12019109),
        ({"page_size": 101}, 12019109),
        ({"page_size": 5, "page_token": "x"}, 12019108),
    ],
)
def test_product_search_page_errors(connected: ShopSession, params: dict, code: int) -> None:
    response = connected.call("POST", "/product/202502/products/search", params=params, body={})
    assert error_of(response) == (400, code)


def test_get_product(connected: ShopSession) -> None:
    product = list(connected.store.products.values())[3]
    data = connected.ok("GET", f"/product/202309/products/{product.id}")
    assert data["title"] == "Dewy Skin Tinted SPF 30"
    assert [s["sales_attributes"][0]["value_name"] for s in data["skus"]] == [
        "Fair", "Light", "Medium", "Tan",
    ]  # fmt: skip
    assert all(isinstance(s["price"]["sale_price"], str) for s in data["skus"])
    missing = connected.call("GET", "/product/202309/products/1729592969712200000")
    assert error_of(missing) == (404, 12052048)


def test_order_search_by_buyer(connected: ShopSession) -> None:
    chloe = connected.buyer("chloe.b")
    data = connected.ok("POST", SEARCH_ORDERS, params={"page_size": 10},
                        body={"buyer_user_id": chloe})  # fmt: skip
    assert data["total_count"] == 2
    assert [o["user_id"] for o in data["orders"]] == [chloe, chloe]
    assert [o["status"] for o in data["orders"]] == ["IN_TRANSIT", "COMPLETED"]  # newest first


def test_order_search_by_update_time_and_sort(connected: ShopSession) -> None:
    now = connected.platform.clock.now_int()
    recent = connected.ok(
        "POST",
        SEARCH_ORDERS,
        params={"page_size": 10, "sort_field": "update_time", "sort_order": "ASC"},
        body={"update_time_ge": now - 30 * 86400, "update_time_lt": now},
    )
    assert [o["status"] for o in recent["orders"]] == ["DELIVERED", "IN_TRANSIT"]
    times = [o["update_time"] for o in recent["orders"]]
    assert times == sorted(times)


def test_order_search_pages(connected: ShopSession) -> None:
    first = connected.ok("POST", SEARCH_ORDERS, params={"page_size": 2}, body={})
    assert first["total_count"] == 5
    second = connected.ok("POST", SEARCH_ORDERS,
                          params={"page_size": 2, "page_token": first["next_page_token"]},
                          body={})  # fmt: skip
    assert not {o["id"] for o in first["orders"]} & {o["id"] for o in second["orders"]}


def test_placed_order_detail_has_repeated_line_items_and_string_payment(
    connected: ShopSession,
) -> None:
    olivia = connected.buyer("olivia.grace")
    products = list(connected.store.products.values())
    serum = products[0].skus[1]  # 30 ml, £24.99
    lip = products[1].skus[0]  # £9.50
    placed = connected.control("/orders", {"buyer_user_id": olivia, "items": [
        {"sku_id": serum.id, "quantity": 1}, {"sku_id": lip.id, "quantity": 3}]})  # fmt: skip
    for version in ("202507", "202309"):
        data = connected.ok("GET", f"/order/{version}/orders", params={"ids": placed["id"]})
        (order,) = data["orders"]
        assert order["id"] == placed["id"]
        assert order["status"] == "AWAITING_SHIPMENT"
        assert order["user_id"] == olivia
        assert [i["sku_id"] for i in order["line_items"]] == [serum.id, lip.id, lip.id, lip.id]
        payment = order["payment"]
        assert payment["currency"] == "GBP"
        assert payment["original_total_product_price"] == "53.49"
        assert payment["shipping_fee"] == "0.00"
        assert payment["total_amount"] == "53.49"
        assert Decimal(payment["sub_total"]) == Decimal("53.49")
        assert isinstance(order["paid_time"], int)
        assert "recipient_address" in order


def test_order_detail_of_unknown_order(connected: ShopSession) -> None:
    response = connected.call("GET", "/order/202507/orders", params={"ids": "1"})
    assert error_of(response) == (400, 21008111)


def test_move_status_to_cancelled(connected: ShopSession) -> None:
    order_id = next(iter(connected.store.orders))
    moved = connected.control(f"/orders/{order_id}/status", {"status": "CANCELLED"})
    assert moved["status"] == "CANCELLED"
    bad = connected.client.post(f"/_control/shop/orders/{order_id}/status",
                                json={"status": "CANCEL"})  # fmt: skip
    assert bad.status_code == 400
