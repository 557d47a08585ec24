"""Storing TikTok Shop orders as they are and as they change.

An order arrives as an ``ORDER_STATUS_CHANGE`` webhook (or its reconciliation twin, see
``integrations.reconcile``), which says only the id, status and update time: the order's
details are then read from Get Order Detail. If TikTok cannot be reached the status is
stored anyway, marked ``details_missing``, and the ``attribution.orders_complete`` beat reads
the details later. Either way the stored status only moves forward in time: an update older
than the one already stored changes nothing. Refunds arrive as ``RETURN_STATUS_CHANGE``.
"""

import logging
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from attribution import matching
from attribution.models import Order, OrderLine
from integrations import tokens
from integrations.clients.errors import PlatformError
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection

log = logging.getLogger(__name__)

# The webhook spells one status differently from the Order API (wire notes §2.4).
_STATUS_FROM_WEBHOOK = {"CANCEL": Order.Status.CANCELLED}
# Return statuses after which the money went back to the buyer.
REFUND_DONE = {"RETURN_OR_REFUND_REQUEST_COMPLETE", "REFUND_COMPLETE", "RETURN_OR_REFUND_COMPLETE"}


def _when(seconds: Any) -> datetime:
    return datetime.fromtimestamp(int(seconds), tz=UTC)


def _locked(connection: Connection, order_id: str, defaults: dict[str, Any]) -> tuple[Order, bool]:
    order, created = Order.unscoped.get_or_create(
        connection=connection,
        external_id=order_id,
        defaults={"workspace_id": connection.workspace_id, **defaults},
    )
    return Order.unscoped.select_for_update().get(pk=order.pk), created


def order_store(*, connection: Connection, data: dict[str, Any]) -> Order:
    """An order as Get Order Detail (or Get Order List) returns it."""
    updated = _when(data["update_time"])
    payment = data.get("payment") or {}
    fields = {
        "status": str(data["status"]),
        "buyer_user_id": str(data.get("user_id") or ""),
        "currency": str(payment.get("currency") or ""),
        "total": Decimal(str(payment.get("total_amount") or "0")),
        "created_at_platform": _when(data["create_time"]),
        "updated_at_platform": updated,
        "details_missing": False,
    }
    with transaction.atomic():
        order, created = _locked(connection, str(data["id"]), fields)
        if not created:
            if not order.details_missing and order.updated_at_platform > updated:
                return order  # older news than what we hold
            if order.updated_at_platform > updated:
                # Details are welcome, but the newer status we already hold stays.
                fields.pop("status")
                fields.pop("updated_at_platform")
            Order.unscoped.filter(pk=order.pk).update(**fields)
            order.refresh_from_db()
        _lines_store(order, data.get("line_items") or [])
    matching.order_match(order=order)
    return order


def _lines_store(order: Order, items: list[dict[str, Any]]) -> None:
    """One line per SKU: TikTok lists one line item per unit (wire notes §3.4)."""
    quantity: dict[str, int] = defaultdict(int)
    first: dict[str, dict[str, Any]] = {}
    for item in items:
        sku = str(item.get("sku_id", ""))
        quantity[sku] += 1
        first.setdefault(sku, item)
    OrderLine.unscoped.filter(order=order).delete()
    OrderLine.unscoped.bulk_create(
        OrderLine(
            workspace_id=order.workspace_id,
            order=order,
            sku_id=sku,
            product_id=str(item.get("product_id", "")),
            product_name=str(item.get("product_name", ""))[:500],
            sku_name=str(item.get("sku_name", ""))[:200],
            unit_price=Decimal(str(item.get("sale_price") or item.get("original_price") or "0")),
            quantity=quantity[sku],
            currency=str(item.get("currency") or order.currency),
        )
        for sku, item in first.items()
    )


def order_status_seen(
    *, connection: Connection, order_id: str, status: str, update_time: Any
) -> Order:
    """What an order webhook says, kept even if the details cannot be read now."""
    status = _STATUS_FROM_WEBHOOK.get(status, status)
    updated = _when(update_time)
    with transaction.atomic():
        order, created = _locked(
            connection,
            order_id,
            {"status": status, "updated_at_platform": updated, "details_missing": True},
        )
        if not created and updated >= order.updated_at_platform:
            Order.unscoped.filter(pk=order.pk).update(status=status, updated_at_platform=updated)
    order.refresh_from_db()
    return order


def order_status_changed(*, connection: Connection, data: dict[str, Any]) -> str:
    """The ``ORDER_STATUS_CHANGE`` handler: store the news, then read the whole order."""
    order_id = str(data["order_id"])
    order = order_status_seen(
        connection=connection,
        order_id=order_id,
        status=str(data.get("order_status", "")),
        update_time=data.get("update_time") or 0,
    )
    if order_details_fetch(connection=connection, order_ids=[order_id]):
        return f"order {order_id} {order.status}"
    matching.order_match(order=order)
    return f"order {order_id} {order.status}; details to be read later"


def order_details_fetch(*, connection: Connection, order_ids: list[str]) -> int:
    """Read and store orders' details; 0 if TikTok could not be asked (they stay marked)."""

    def fetch(token: str) -> list[dict[str, Any]]:
        with TikTokShopClient(access_token=token, shop_cipher=connection.shop_cipher) as client:
            return client.orders_get(order_ids=order_ids)

    try:
        found = tokens.with_fresh_token(connection, fetch)
    except PlatformError as error:
        log.warning("order details for %s: %s", connection.pk, error)
        return 0
    for data in found:
        order_store(connection=connection, data=data)
    return len(found)


def order_refund_changed(*, connection: Connection, data: dict[str, Any]) -> str:
    """The ``RETURN_STATUS_CHANGE`` handler: a completed refund takes the order's revenue back."""
    order_id = str(data.get("order_id", ""))
    status = str(data.get("return_status", ""))
    if status not in REFUND_DONE or data.get("return_type") not in ("REFUND", "RETURN_AND_REFUND"):
        return f"return {status} noted"
    order = (
        Order.objects.for_workspace(connection.workspace_id)
        .filter(connection=connection, external_id=order_id)
        .first()
    )
    if order is None:
        order = order_status_seen(
            connection=connection,
            order_id=order_id,
            status=Order.Status.AWAITING_SHIPMENT,
            update_time=0,
        )
    Order.unscoped.filter(pk=order.pk).update(refunded=True)
    order.refunded = True
    matching.order_match(order=order)
    return f"order {order_id} refunded"


def orders_incomplete_unscoped(limit: int = 500) -> list[tuple[int, int, str]]:
    """(workspace_id, connection_id, order id) of orders whose details are still unread."""
    return list(
        Order.unscoped.filter(details_missing=True).values_list(
            "workspace_id", "connection_id", "external_id"
        )[:limit]
    )
