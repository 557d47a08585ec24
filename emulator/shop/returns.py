"""Returns and refunds: webhook 12 ``RETURN_STATUS_CHANGE`` (wire notes 2.4) and the Return API's
Search Returns, ``POST /return_refund/202309/returns/search``.

Search Returns is not in the wire notes; its shape follows TikTok's spec (Partner Center, "Search
Returns", Return & Refund API 202309): query ``page_size`` (default 10, at most 50),
``page_token``, ``sort_field`` (``create_time`` by default, or ``update_time``), ``sort_order``
(``ASC`` by default); body filters ``return_ids``, ``order_ids``, ``buyer_user_ids``,
``return_types``, ``return_status`` (lists) and ``create_time_ge/_lt``, ``update_time_ge/_lt``;
``data`` is ``{return_orders[], total_count, next_page_token}``. It is signed and shop-scoped
like every Partner API call. Its permission here is the orders scope (``seller.order.info``):
on TikTok, Return & Refund is its own Partner Center package, but the consent page offers only
the three scopes the product asks for.

What a refund does (``POST /_control/shop/orders/{id}/refund``, the buyer's side):

- It makes one return record at once in ``RETURN_OR_REFUND_REQUEST_COMPLETE`` (the request,
  the seller's approval and the payout are not modelled as separate steps), ``role`` BUYER,
  and sends webhook 12 through the signed, retried Shop outbox, like every Shop webhook::

      {"type":12,"tts_notification_id":"…","shop_id":"…","timestamp":…,
       "data":{"order_id":"…","return_role":"BUYER","return_type":"REFUND",
               "return_status":"RETURN_OR_REFUND_REQUEST_COMPLETE","return_id":"…",
               "create_time":…,"update_time":…}}

- ``return_type`` is ``REFUND`` (the default: the buyer keeps the goods) or
  ``RETURN_AND_REFUND``; ``line_item_ids`` picks the items, by default every one not yet
  refunded. An item is refunded at most once. Unpaid and cancelled orders cannot be refunded
  (nothing was paid, or the cancellation already paid it back: 409), nor can an order that
  has not shipped be *returned* (RETURN_AND_REFUND before shipment: 409).
- Before shipment (ON_HOLD, AWAITING_SHIPMENT, AWAITING_COLLECTION), the refund that leaves no
  item unrefunded cancels the order, as TikTok does: status CANCELLED, ``cancel_reason``
  "Refunded", ``cancellation_initiator`` BUYER, and webhook 1 with ``order_status`` CANCEL
  (queued after webhook 12). A partial refund before shipment leaves the order as it was.
- After shipment the order does not change at all (its ``update_time`` neither): Get Order
  Detail has no refund fields (3.4), so a client learns of it from webhook 12 or Search Returns.
- Amounts are strings in the shop's currency: each item gives back its sale price (tax is
  included in UK prices, ``refund_tax`` "0.00"), and the refund that leaves no item unrefunded
  also gives back the order's shipping fee."""

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from emulator.shop.api import (
    SCOPE_ORDERS,
    Call,
    bad_request,
    endpoint,
    next_page_token,
    page_offset,
    page_size,
)
from emulator.shop.events import emit, order_status_changed
from emulator.shop.orders import INVALID_PARAMETER, in_time_range, set_status
from emulator.shop.store import LineItem, Order, Return, ReturnLineItem, Shop, ShopStore

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

SEARCH_RETURNS = "/return_refund/202309/returns/search"
RETURN_TYPES = ("REFUND", "RETURN_AND_REFUND", "REPLACEMENT")
REFUND_TYPES = ("REFUND", "RETURN_AND_REFUND")  # what the control API can start
RETURN_STATUSES = (
    "RETURN_OR_REFUND_REQUEST_PENDING",
    "REFUND_OR_RETURN_REQUEST_REJECT",
    "AWAITING_BUYER_SHIP",
    "BUYER_SHIPPED_ITEM",
    "REJECT_RECEIVE_PACKAGE",
    "RETURN_OR_REFUND_REQUEST_SUCCESS",
    "RETURN_OR_REFUND_REQUEST_CANCEL",
    "RETURN_OR_REFUND_REQUEST_COMPLETE",
    "REPLACEMENT_REQUEST_PENDING",
    "REPLACEMENT_REQUEST_REJECT",
    "REPLACEMENT_REQUEST_REFUND_SUCCESS",
    "REPLACEMENT_REQUEST_CANCEL",
    "REPLACEMENT_REQUEST_COMPLETE",
)
COMPLETE = "RETURN_OR_REFUND_REQUEST_COMPLETE"
NOT_SHIPPED = frozenset({"ON_HOLD", "AWAITING_SHIPMENT", "AWAITING_COLLECTION"})
LIST_FILTERS = ("return_ids", "order_ids", "buyer_user_ids", "return_types", "return_status")
ZERO = Decimal("0.00")


class RefundRefused(Exception):
    """The order cannot be refunded that way; ``status`` is the control API's HTTP status."""

    def __init__(self, message: str, status: int = 409) -> None:
        super().__init__(message)
        self.status = status


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    return [
        endpoint(platform, SEARCH_RETURNS, _search(platform), method="POST", scope=SCOPE_ORDERS)
    ]


def refund(
    platform: "ShopPlatform",
    order: Order,
    *,
    return_type: str = "REFUND",
    line_item_ids: list[str] | None = None,
) -> Return:
    """The buyer is refunded for some of ``order``'s items; sends webhook 12 (and 1 when it
    cancels the order). Call from an async handler (the outbox needs the running loop)."""
    if return_type not in REFUND_TYPES:
        raise ValueError(f"return_type must be one of {', '.join(REFUND_TYPES)}")
    if order.status == "UNPAID":
        raise RefundRefused("the order is unpaid: there is nothing to refund")
    if order.status == "CANCELLED":
        raise RefundRefused("the order is cancelled: its cancellation refunded the buyer")
    if return_type == "RETURN_AND_REFUND" and order.status in NOT_SHIPPED:
        raise RefundRefused("the order has not shipped: nothing can be returned, only refunded")
    done = order.refunded_line_item_ids()
    by_id = {item.id: item for item in order.line_items}
    if line_item_ids is None:
        items = [item for item in order.line_items if item.id not in done]
        if not items:
            raise RefundRefused("the order is already refunded in full")
    else:
        if not line_item_ids:
            raise ValueError("line_item_ids must name at least one line item")
        unknown = [i for i in line_item_ids if i not in by_id]
        if unknown:
            raise RefundRefused(f"no such line item on the order: {', '.join(unknown)}", 404)
        again = sorted({i for i in line_item_ids if i in done})
        if again:
            raise RefundRefused(f"line items already refunded: {', '.join(again)}")
        items = [by_id[i] for i in dict.fromkeys(line_item_ids)]
    store, now = platform.store, platform.clock.now_int()
    full = done | {item.id for item in items} == set(by_id)
    record = _record(store, order, items, return_type=return_type, full=full, at=now)
    emit(
        platform,
        "RETURN_STATUS_CHANGE",
        {
            "order_id": order.id,
            "return_role": record.role,
            "return_type": record.return_type,
            "return_status": record.status,
            "return_id": record.id,
            "create_time": record.create_time,
            "update_time": record.update_time,
        },
    )
    if full and order.status in NOT_SHIPPED:
        order.cancel_reason = "Refunded"
        order.cancellation_initiator = "BUYER"
        set_status(order, "CANCELLED", now)
        order_status_changed(platform, order.id, order.status, order.update_time)
    return record


def _record(
    store: ShopStore,
    order: Order,
    items: list[LineItem],
    *,
    return_type: str,
    full: bool,
    at: int,
    status: str = COMPLETE,
) -> Return:
    record = Return(
        id=store.ids.next("return"),
        order=order,
        return_type=return_type,
        status=status,
        role="BUYER",
        line_items=[
            ReturnLineItem(id=store.ids.next("return_line_item"), line_item=item) for item in items
        ],
        refund_shipping_fee=order.shipping_fee if full else str(ZERO),
        create_time=at,
        update_time=at,
    )
    order.returns.append(record)
    store.returns[record.id] = record
    return record


def seed_refund(store: ShopStore, order: Order, *, at: int) -> Return:
    """A refund already on record when the emulator starts (no webhook)."""
    return _record(store, order, list(order.line_items), return_type="REFUND", full=True, at=at)


def _amount(shop: Shop, subtotal: Decimal, shipping: Decimal) -> dict[str, str]:
    return {
        "currency": shop.currency,
        "refund_total": str(subtotal + shipping),
        "refund_subtotal": str(subtotal),
        "refund_shipping_fee": str(shipping),
        "refund_tax": str(ZERO),
    }


def return_json(shop: Shop, record: Return) -> dict[str, Any]:
    prices = [Decimal(item.line_item.sku.price) for item in record.line_items]
    shipping = Decimal(record.refund_shipping_fee)
    return {
        "return_id": record.id,
        "order_id": record.order.id,
        "return_type": record.return_type,
        "return_status": record.status,
        "role": record.role,
        "can_buyer_keep_item": record.return_type == "REFUND",
        "create_time": record.create_time,
        "update_time": record.update_time,
        "refund_amount": {
            **_amount(shop, sum(prices, ZERO), shipping),
            "retail_delivery_fee": str(ZERO),
            "buyer_service_fee": str(ZERO),
        },
        "return_line_items": [
            {
                "return_line_item_id": item.id,
                "order_line_item_id": item.line_item.id,
                "sku_id": item.line_item.sku.id,
                "sku_name": item.line_item.sku.name,
                "product_name": item.line_item.product.title,
                "seller_sku": item.line_item.sku.seller_sku,
                "refund_amount": _amount(shop, price, ZERO),
            }
            for item, price in zip(record.line_items, prices, strict=True)
        ],
    }


def _search(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        size = page_size(call, maximum=50, code=INVALID_PARAMETER, default=10)
        offset = page_offset(call, INVALID_PARAMETER)
        sort_field = call.query("sort_field", "create_time")
        sort_order = call.query("sort_order", "ASC")
        if sort_field not in ("create_time", "update_time") or sort_order not in ("ASC", "DESC"):
            raise bad_request("Invalid sort_field or sort_order.", INVALID_PARAMETER)
        body = call.json()
        lists = {name: _string_list(body, name) for name in LIST_FILTERS}
        found = [
            r
            for r in platform.store.returns.values()
            if _allows(lists["return_ids"], r.id)
            and _allows(lists["order_ids"], r.order.id)
            and _allows(lists["buyer_user_ids"], r.order.buyer.user_id)
            and _allows(lists["return_types"], r.return_type)
            and _allows(lists["return_status"], r.status)
            and in_time_range(r.create_time, body, "create_time")
            and in_time_range(r.update_time, body, "update_time")
        ]
        found.sort(key=lambda r: (getattr(r, sort_field), r.id), reverse=sort_order == "DESC")
        page = found[offset : offset + size]
        return {
            "return_orders": [return_json(call.shop, r) for r in page],
            "total_count": len(found),
            "next_page_token": next_page_token(offset, size, len(found)),
        }

    return handler


def _string_list(body: dict[str, Any], name: str) -> list[str] | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise bad_request(f"'{name}' must be a list of strings.", INVALID_PARAMETER)
    return value


def _allows(wanted: list[str] | None, value: str) -> bool:
    return not wanted or value in wanted
