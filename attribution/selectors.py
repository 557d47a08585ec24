"""Reads of orders and their attributions."""

from django.conf import settings
from django.db.models import Max, QuerySet

from attribution.models import Attribution, Order
from chatsparks.workspaces.models import Workspace
from inbox import shop_orders
from inbox.models import Conversation


def conversation_attributions(*, conversation: Conversation) -> QuerySet[Attribution]:
    """The orders tied to a conversation, newest first, with their lines."""
    return (
        Attribution.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .exclude(outcome=Attribution.Outcome.ORGANIC)
        .select_related("order", "trigger", "flow", "post", "comment")
        .prefetch_related("order__lines")
        .order_by("-ordered_at")
    )


def attribution_get(*, workspace: Workspace, attribution_id: int) -> Attribution | None:
    return (
        Attribution.objects.for_workspace(workspace)
        .select_related("order", "conversation")
        .filter(pk=attribution_id)
        .first()
    )


def seller_order_url(order_id: str) -> str:
    return str(settings.TIKTOK_SHOP_ORDER_URL).format(order_id=order_id)


def _order_card(order: Order) -> shop_orders.OrderCard:
    return shop_orders.OrderCard(
        order_id=order.external_id,
        status=order.status,
        status_label=order.get_status_display(),
        currency=order.currency,
        total=order.total,
        ordered_at=order.created_at_platform,
        refunded=order.refunded,
        url=seller_order_url(order.external_id),
        lines=[
            shop_orders.OrderLine(
                product_id=line.product_id,
                product_name=line.product_name,
                variant=line.sku_name,
                unit_price=line.unit_price,
                quantity=line.quantity,
            )
            for line in order.lines.all()
        ],
    )


class ShopOrderSource:
    """The stored orders, as the inbox's Shop chat asks for them (registered with
    ``inbox.shop_orders`` in ``AttributionConfig.ready``). An order known only from a
    webhook (``details_missing``) has no card yet: its details are still to be read."""

    def order_cards(
        self, *, workspace_id: int, order_ids: list[str]
    ) -> dict[str, shop_orders.OrderCard]:
        if not order_ids:
            return {}
        found = (
            Order.objects.for_workspace(workspace_id)
            .filter(external_id__in=order_ids, details_missing=False)
            .prefetch_related("lines")
        )
        return {order.external_id: _order_card(order) for order in found}

    def buyer_orders(
        self, *, workspace_id: int, buyer_user_id: str, limit: int
    ) -> list[shop_orders.OrderCard]:
        if not buyer_user_id:
            return []
        found = (
            Order.objects.for_workspace(workspace_id)
            .filter(buyer_user_id=buyer_user_id, details_missing=False)
            .prefetch_related("lines")
            .order_by("-created_at_platform", "-id")[:limit]
        )
        return [_order_card(order) for order in found]

    def buyer_history(self, *, workspace_id: int, buyer_user_id: str) -> shop_orders.BuyerHistory:
        if not buyer_user_id:
            return shop_orders.BuyerHistory()
        orders = Order.objects.for_workspace(workspace_id).filter(buyer_user_id=buyer_user_id)
        summary = orders.aggregate(last=Max("created_at_platform"))
        return shop_orders.BuyerHistory(
            last_order_at=summary["last"], refunded=orders.filter(refunded=True).exists()
        )
