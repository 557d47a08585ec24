"""What the emulated TikTok Shop holds, in memory. IDs are strings everywhere (the wire notes,
2.3: "treat IDs as strings"), and each kind has its own numeric namespace so that a buyer's
``user_id`` can never collide with a product, an order or anything on the creator side."""

import itertools
import secrets
from dataclasses import dataclass, field
from typing import Any

# Each kind of ID counts up from its own base (19 digits, or 18 for orders as in the docs'
# samples). Buyer user_ids start at 7494 56…, creator-side ids live elsewhere.
ID_BASES = {
    "shop": 7_495_103_316_247_330_800,
    "open_id": 7_010_736_057_180_325_600,
    "product": 1_729_592_969_712_207_000,
    "sku": 1_729_592_969_712_400_000,
    "buyer": 7_494_560_109_732_338_400,
    "im_user": 7_078_855_651_811_655_900,
    "order": 576_461_413_038_785_700,
    "line_item": 576_461_413_038_900_000,
    "conversation": 7_106_888_323_922_608_300,
    "message": 7_494_560_109_732_334_200,
    "notification": 7_327_112_393_057_371_900,
    "return": 4_035_318_504_086_098_500,
    "return_line_item": 4_035_318_504_086_200_000,
    "request": 0,
}


class Ids:
    def __init__(self) -> None:
        self._counters = {kind: itertools.count(1) for kind in ID_BASES}

    def next(self, kind: str) -> str:
        return str(ID_BASES[kind] + next(self._counters[kind]))


def opaque(prefix: str, nbytes: int = 24) -> str:
    """Tokens and codes are random even though seed data is not: after a reset a stale token
    held by the product must not become valid again by coincidence."""
    return prefix + secrets.token_urlsafe(nbytes)


@dataclass
class Shop:
    id: str
    name: str
    region: str
    currency: str
    cipher: str
    code: str
    seller_type: str
    seller_name: str
    seller_email: str
    open_id: str
    im_user_id: str
    warehouse_id: str


@dataclass
class Sku:
    id: str
    product_id: str
    seller_sku: str
    name: str  # the sales attribute value, e.g. "30 ml"
    price: str  # decimal string, tax included (UK prices include VAT)
    quantity: int


@dataclass
class Product:
    id: str
    title: str
    description: str
    category: str
    brand: str
    status: str
    create_time: int
    update_time: int
    skus: list[Sku] = field(default_factory=list)


@dataclass
class Buyer:
    user_id: str
    im_user_id: str
    nickname: str
    email: str  # anonymised, as Get Order Detail shows it


@dataclass
class LineItem:
    id: str
    sku: Sku
    product: Product
    display_status: str


@dataclass
class Order:
    id: str
    buyer: Buyer
    status: str
    create_time: int
    update_time: int
    paid_time: int | None
    line_items: list[LineItem]
    shipping_fee: str
    buyer_message: str = ""
    cancel_reason: str = ""
    cancellation_initiator: str = ""
    returns: list["Return"] = field(default_factory=list)

    @property
    def refunded(self) -> bool:
        """A return or refund on record (customer-service rule 3)."""
        return bool(self.returns)

    def refunded_line_item_ids(self) -> set[str]:
        return {item.line_item.id for r in self.returns for item in r.line_items}


@dataclass
class ReturnLineItem:
    id: str
    line_item: LineItem


@dataclass
class Return:
    """A return or refund of some of an order's line items (the Return API's return order).
    ``refund_shipping_fee`` is the part of the order's shipping fee it gives back."""

    id: str
    order: Order = field(repr=False, compare=False)  # the order lists its returns too
    return_type: str  # REFUND | RETURN_AND_REFUND | REPLACEMENT
    status: str
    role: str  # who started it: BUYER | SELLER | OPERATOR | SYSTEM
    line_items: list[ReturnLineItem]
    refund_shipping_fee: str
    create_time: int
    update_time: int


@dataclass
class Grant:
    """One authorization of the app by the seller; tokens hang off it. Revoking it (the
    seller removing the app) turns every token it issued into 105001."""

    id: int
    shop_id: str
    scopes: list[str]
    created: int
    expires_at: int  # the authorization itself lapses after a year (webhook 7 warns)
    revoked: bool = False


@dataclass
class AuthCode:
    code: str
    grant_scopes: list[str]
    expires_at: int
    used: bool = False


@dataclass
class Token:
    value: str
    grant: Grant
    expires_at: int
    kind: str  # "access" or "refresh"
    rotated: bool = False  # refresh tokens: used once, then refused


@dataclass
class Message:
    id: str
    conversation_id: str
    type: str
    content: str  # a JSON-serialised object, as on the wire
    create_time: int
    sender_role: str  # BUYER | SHOP | CUSTOMER_SERVICE | SYSTEM | ROBOT
    sender_im_user_id: str
    sender_nickname: str
    index: str
    is_visible: bool = True
    read: bool = False


@dataclass
class Conversation:
    id: str
    shop_id: str
    buyer: Buyer
    create_time: int
    messages: list[Message] = field(default_factory=list)

    @property
    def last_activity(self) -> int:
        return self.messages[-1].create_time if self.messages else self.create_time


@dataclass
class Subscription:
    event_type: str
    address: str
    create_time: int
    update_time: int


@dataclass
class Image:
    key: str
    data: bytes
    content_type: str
    width: int
    height: int


@dataclass
class ShopStore:
    ids: Ids = field(default_factory=Ids)
    shop: Shop | None = None
    products: dict[str, Product] = field(default_factory=dict)
    skus: dict[str, Sku] = field(default_factory=dict)
    buyers: dict[str, Buyer] = field(default_factory=dict)
    orders: dict[str, Order] = field(default_factory=dict)
    returns: dict[str, Return] = field(default_factory=dict)
    grants: list[Grant] = field(default_factory=list)
    codes: dict[str, AuthCode] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    subscriptions: dict[str, Subscription] = field(default_factory=dict)
    images: dict[str, Image] = field(default_factory=dict)
    agent_can_accept_chat: bool = True
    cs_quota_used: dict[int, int] = field(default_factory=dict)  # virtual day → requests

    @property
    def the_shop(self) -> Shop:
        assert self.shop is not None, "seed() has not run"
        return self.shop

    def active_grant(self) -> Grant | None:
        live = [g for g in self.grants if not g.revoked]
        return live[-1] if live else None

    def conversation_with(self, buyer_user_id: str) -> Conversation | None:
        for conversation in self.conversations.values():
            if conversation.buyer.user_id == buyer_user_id:
                return conversation
        return None

    def orders_of(self, buyer_user_id: str) -> list[Order]:
        return [o for o in self.orders.values() if o.buyer.user_id == buyer_user_id]

    def snapshot_rows(self) -> dict[str, list[dict[str, Any]]]:
        shop = self.the_shop
        return {
            "Shop": [
                {"id": shop.id, "name": shop.name, "region": shop.region, "cipher": shop.cipher}
            ],
            "Shop authorizations": [
                {
                    "id": g.id,
                    "scopes": " ".join(g.scopes),
                    "expires_at": g.expires_at,
                    "revoked": g.revoked,
                }
                for g in self.grants
            ],
            "Shop tokens": [
                {
                    "kind": t.kind,
                    "token": t.value[:12] + "…",
                    "grant": t.grant.id,
                    "expires_at": t.expires_at,
                    "rotated": t.rotated,
                }
                for t in self.tokens.values()
            ],
            "Buyers": [
                {"user_id": b.user_id, "nickname": b.nickname, "orders": len(self.orders_of(uid))}
                for uid, b in self.buyers.items()
            ],
            "Orders": [
                {
                    "id": o.id,
                    "buyer": o.buyer.user_id,
                    "status": o.status,
                    "items": len(o.line_items),
                    "create_time": o.create_time,
                    "refunded": o.refunded,
                }
                for o in self.orders.values()
            ],
            "Returns": [
                {
                    "id": r.id,
                    "order": r.order.id,
                    "type": r.return_type,
                    "status": r.status,
                    "items": len(r.line_items),
                    "update_time": r.update_time,
                }
                for r in self.returns.values()
            ],
            "Shop conversations": [
                {
                    "id": c.id,
                    "buyer": c.buyer.user_id,
                    "messages": len(c.messages),
                    "last_activity": c.last_activity,
                }
                for c in self.conversations.values()
            ],
            "Shop webhook subscriptions": [
                {"event_type": s.event_type, "address": s.address}
                for s in self.subscriptions.values()
            ],
        }
