"""What the inbox needs to know about TikTok Shop orders: the cards Shop chat shows and sends,
and a buyer's order history (one of TikTok's rules for starting a chat).

Orders are stored by ``attribution``, which builds on the inbox, so the inbox never imports it:
attribution registers its ``OrderSource`` here in its ``AppConfig.ready``, as it registers
its conversation panel. Without one (an app not installed) the inbox knows no orders and says
so on the cards, rather than failing.
"""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Protocol


@dataclass(frozen=True)
class OrderLine:
    product_id: str
    product_name: str
    variant: str
    unit_price: Decimal
    quantity: int


@dataclass(frozen=True)
class OrderCard:
    """An order as its card shows it: status, money in the order's currency, what was bought
    (variant and price per line), and where the seller opens it in TikTok Shop."""

    order_id: str
    status: str
    status_label: str
    currency: str
    total: Decimal
    ordered_at: datetime | None
    refunded: bool
    url: str
    lines: list[OrderLine] = field(default_factory=list)


@dataclass(frozen=True)
class BuyerHistory:
    """What TikTok's chat rules ask of a buyer's orders with this shop."""

    last_order_at: datetime | None = None
    refunded: bool = False


class OrderSource(Protocol):
    def order_cards(self, *, workspace_id: int, order_ids: list[str]) -> dict[str, OrderCard]:
        """The cards of those orders the workspace has stored, by order id."""
        ...

    def buyer_orders(self, *, workspace_id: int, buyer_user_id: str, limit: int) -> list[OrderCard]:
        """The buyer's orders, newest first."""
        ...

    def buyer_history(self, *, workspace_id: int, buyer_user_id: str) -> BuyerHistory: ...


class _NoOrders:
    def order_cards(self, *, workspace_id: int, order_ids: list[str]) -> dict[str, OrderCard]:
        return {}

    def buyer_orders(self, *, workspace_id: int, buyer_user_id: str, limit: int) -> list[OrderCard]:
        return []

    def buyer_history(self, *, workspace_id: int, buyer_user_id: str) -> BuyerHistory:
        return BuyerHistory()


_source: OrderSource = _NoOrders()


def register(source: OrderSource) -> OrderSource:
    global _source
    _source = source
    return source


def source() -> OrderSource:
    return _source
