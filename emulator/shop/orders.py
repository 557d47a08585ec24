"""Orders API (wire notes 3.3, 3.4) and the order changes the control API makes.

Line items carry no quantity on the wire, so an order for three of a SKU holds three line items
with the same ``sku_id`` (the notes' inference, [UNKNOWN] 9). Payment amounts are strings with
the documented identities: ``sub_total = original_total_product_price − seller_discount −
platform_discount`` and ``total_amount = sub_total + shipping_fee + taxes``."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from emulator.shop.api import (
    SCOPE_ORDERS,
    ApiError,
    Call,
    bad_request,
    endpoint,
    next_page_token,
    page_offset,
    page_size,
)
from emulator.shop.store import Buyer, LineItem, Order, Shop, ShopStore, Sku

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

STATUSES = (
    "UNPAID",
    "ON_HOLD",
    "AWAITING_SHIPMENT",
    "PARTIALLY_SHIPPING",
    "AWAITING_COLLECTION",
    "IN_TRANSIT",
    "DELIVERED",
    "COMPLETED",
    "CANCELLED",
)
# Line-item display_status per order status.
DISPLAY_STATUS = {"PARTIALLY_SHIPPING": "AWAITING_SHIPMENT"}
SHIPPING_FEE = Decimal("2.99")
FREE_SHIPPING_FROM = Decimal("25.00")
# Not in the wire notes: the code for a malformed Get Order List / Detail request.
INVALID_PARAMETER = 36009004
NOT_THE_SELLERS = 21008111


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    detail = _detail(platform)
    return [
        endpoint(
            platform,
            "/order/202309/orders/search",
            _search(platform),
            method="POST",
            scope=SCOPE_ORDERS,
        ),
        endpoint(platform, "/order/202507/orders", detail, method="GET", scope=SCOPE_ORDERS),
        endpoint(platform, "/order/202309/orders", detail, method="GET", scope=SCOPE_ORDERS),
    ]


def create_order(store: ShopStore, *, buyer: Buyer, skus: list[Sku], at: int) -> Order:
    items = [
        LineItem(
            id=store.ids.next("line_item"),
            sku=sku,
            product=store.products[sku.product_id],
            display_status="UNPAID",
        )
        for sku in skus
    ]
    subtotal = sum((Decimal(sku.price) for sku in skus), Decimal("0"))
    order = Order(
        id=store.ids.next("order"),
        buyer=buyer,
        status="UNPAID",
        create_time=at,
        update_time=at,
        paid_time=None,
        line_items=items,
        shipping_fee=str(Decimal("0.00") if subtotal >= FREE_SHIPPING_FROM else SHIPPING_FEE),
    )
    store.orders[order.id] = order
    return order


def set_status(order: Order, status: str, at: int) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {', '.join(STATUSES)}")
    order.status = status
    order.update_time = max(at, order.update_time)
    if status not in ("UNPAID", "CANCELLED") and order.paid_time is None:
        order.paid_time = order.update_time
    if status == "CANCELLED" and not order.cancellation_initiator:
        order.cancellation_initiator = "SELLER"
        order.cancel_reason = "Out of stock"


def order_json(shop: Shop, order: Order) -> dict[str, Any]:
    prices = [Decimal(item.sku.price) for item in order.line_items]
    original = sum(prices, Decimal("0"))
    shipping = Decimal(order.shipping_fee)
    zero = "0.00"
    status = order.status
    display = DISPLAY_STATUS.get(status, status)
    data: dict[str, Any] = {
        "id": order.id,
        "status": status,
        "user_id": order.buyer.user_id,
        "buyer_message": order.buyer_message,
        "buyer_email": order.buyer.email,
        "create_time": order.create_time,
        "update_time": order.update_time,
        "cancel_reason": order.cancel_reason,
        "cancellation_initiator": order.cancellation_initiator,
        "payment": {
            "currency": shop.currency,
            "sub_total": str(original),
            "shipping_fee": str(shipping),
            "seller_discount": zero,
            "platform_discount": zero,
            "total_amount": str(original + shipping),
            "original_total_product_price": str(original),
            "original_shipping_fee": str(shipping),
            "tax": zero,
            "product_tax": zero,
            "shipping_fee_tax": zero,
            "retail_delivery_fee": zero,
        },
        "line_items": [
            {
                "id": item.id,
                "sku_id": item.sku.id,
                "product_id": item.product.id,
                "product_name": item.product.title,
                "sku_name": item.sku.name,
                "sku_image": f"https://p16-oec-eu.ibyteimg.com/tos-useast2a-i-glowtheory/"
                f"{item.product.id}.jpg",
                "seller_sku": item.sku.seller_sku,
                "original_price": item.sku.price,
                "sale_price": item.sku.price,
                "platform_discount": zero,
                "seller_discount": zero,
                "currency": shop.currency,
                "display_status": display,
                "package_id": "",
                "package_status": "",
                "is_gift": False,
                "cancel_reason": order.cancel_reason,
                "cancel_user": order.cancellation_initiator,
                "tracking_number": "",
                "item_tax": [],
                "combined_listing_skus": [],
            }
            for item in order.line_items
        ],
        "packages": [],
        "shipping_type": "TIKTOK",
        "fulfillment_type": "FULFILLMENT_BY_SELLER",
        "order_type": "NORMAL",
        "is_sample_order": False,
        "commerce_platform": "TIKTOK_SHOP",
    }
    if order.paid_time is not None:
        data["paid_time"] = order.paid_time
    if status not in ("UNPAID", "ON_HOLD"):
        data["recipient_address"] = {
            "name": f"{order.buyer.nickname[:1].upper()}***",
            "phone_number": "(+44)79*****12",
            "full_address": "1*** High Street, London, SW1A 1AA, United Kingdom",
            "postal_code": "SW1A 1AA",
            "region_code": shop.region,
        }
    return data


def _search(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        size = page_size(call, maximum=100, code=INVALID_PARAMETER, default=20)
        offset = page_offset(call, INVALID_PARAMETER)
        sort_field = call.query("sort_field", "create_time")
        sort_order = call.query("sort_order", "DESC")
        if sort_field not in ("create_time", "update_time") or sort_order not in ("ASC", "DESC"):
            raise bad_request("Invalid sort_field or sort_order.", INVALID_PARAMETER)
        body = call.json()
        status = body.get("order_status")
        if status is not None and status not in STATUSES:
            raise bad_request("Invalid order_status.", INVALID_PARAMETER)
        found = [
            order
            for order in platform.store.orders.values()
            if (status is None or order.status == status)
            and (body.get("buyer_user_id") in (None, "", order.buyer.user_id))
            and (body.get("shipping_type") in (None, "", "TIKTOK"))
            and in_time_range(order.create_time, body, "create_time")
            and in_time_range(order.update_time, body, "update_time")
        ]
        found.sort(key=lambda o: (getattr(o, sort_field), o.id), reverse=sort_order == "DESC")
        page = found[offset : offset + size]
        return {
            "next_page_token": next_page_token(offset, size, len(found)),
            "total_count": len(found),
            "orders": [order_json(call.shop, o) for o in page],
        }

    return handler


def in_time_range(value: int, body: dict[str, Any], name: str) -> bool:
    try:
        low, high = body.get(f"{name}_ge"), body.get(f"{name}_lt")
        return (low is None or value >= int(low)) and (high is None or value < int(high))
    except (TypeError, ValueError):
        raise bad_request(f"Invalid {name} range.", INVALID_PARAMETER) from None


def _detail(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        ids = [i for i in call.query("ids").split(",") if i]
        if not ids or len(ids) > 50:
            raise bad_request("'ids' must list 1 to 50 order IDs.", INVALID_PARAMETER)
        orders = []
        for order_id in ids:
            order = platform.store.orders.get(order_id)
            if order is None:
                raise ApiError(
                    NOT_THE_SELLERS, f"Order {order_id} does not belong to this seller.", 400
                )
            orders.append(order_json(call.shop, order))
        return {"orders": orders}

    return handler
