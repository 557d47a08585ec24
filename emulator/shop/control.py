"""Control API for the shop, mounted at /_control/shop/: make buyers order and write, move
orders along, and end or threaten the seller's authorization. Answers plain JSON (not the
Partner API envelope): this is the test's and the demo's side, not TikTok's."""

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from emulator.control import read_json
from emulator.shop.customer_service import buyer_writes, message_json
from emulator.shop.events import emit, order_status_changed
from emulator.shop.orders import STATUSES, create_order, order_json, set_status
from emulator.shop.returns import RefundRefused, refund, return_json

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

MESSAGE_TYPES = ("TEXT", "IMAGE", "PRODUCT_CARD", "ORDER_CARD", "EMOTICONS")


class Refused(Exception):
    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    def action(path: str, handler: Any, method: str = "POST") -> Route:
        async def view(request: Request) -> JSONResponse:
            try:
                body = await read_json(request) if method == "POST" else {}
                return JSONResponse(await handler(request, body))
            except (ValueError, TypeError, KeyError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            except Refused as error:
                return JSONResponse({"error": str(error)}, status_code=error.status)

        return Route(path, view, methods=[method])

    return [
        action("/", _overview(platform), "GET"),
        action("/orders", _place_order(platform)),
        action("/orders/{order_id}/status", _move_order(platform)),
        action("/orders/{order_id}/refund", _refund(platform)),
        action("/messages", _buyer_message(platform)),
        action("/tokens/expire", _expire_tokens(platform)),
        action("/authorization/revoke", _revoke(platform)),
        action("/authorization/expiring", _expiring(platform)),
        action("/settings", _settings(platform)),
    ]


def _overview(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        store = platform.store
        shop = store.the_shop
        grant = store.active_grant()
        return {
            "shop": {
                "id": shop.id,
                "name": shop.name,
                "region": shop.region,
                "cipher": shop.cipher,
                "open_id": shop.open_id,
            },
            "authorized": grant is not None,
            "granted_scopes": grant.scopes if grant else [],
            "buyers": [
                {"user_id": b.user_id, "nickname": b.nickname} for b in store.buyers.values()
            ],
            "products": [
                {
                    "id": p.id,
                    "title": p.title,
                    "skus": [{"id": s.id, "name": s.name, "price": s.price} for s in p.skus],
                }
                for p in store.products.values()
            ],
            "qps_limit": platform.qps_limit,
        }

    return handler


def _order(platform: "ShopPlatform", request: Request) -> Any:
    order = platform.store.orders.get(request.path_params["order_id"])
    if order is None:
        raise Refused("no such order", 404)
    return order


def _place_order(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        store, now = platform.store, platform.clock.now_int()
        buyer = store.buyers.get(str(body.get("buyer_user_id", "")))
        if buyer is None:
            raise Refused("unknown buyer_user_id", 404)
        skus = []
        for item in body.get("items") or []:
            sku = store.skus.get(str(item.get("sku_id", "")))
            if sku is None:
                raise Refused(f"unknown sku_id {item.get('sku_id')!r}", 404)
            quantity = int(item.get("quantity", 1))
            if quantity < 1:
                raise ValueError("quantity must be at least 1")
            skus += [sku] * quantity  # one line item per unit (wire notes 3.4)
        if not skus:
            raise ValueError("items must name at least one sku_id")
        status = body.get("status", "AWAITING_SHIPMENT")
        if status not in STATUSES:
            raise ValueError(f"status must be one of {', '.join(STATUSES)}")
        order = create_order(store, buyer=buyer, skus=skus, at=now)
        order.buyer_message = str(body.get("buyer_message", ""))
        order_status_changed(platform, order.id, "UNPAID", now)
        if status != "UNPAID":  # paying at once: UNPAID then the new status, as on TikTok
            set_status(order, status, now)
            order_status_changed(platform, order.id, status, now)
        return order_json(store.the_shop, order)

    return handler


def _move_order(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        order = _order(platform, request)
        now = platform.clock.now_int()
        set_status(order, str(body.get("status", "")), now)
        order_status_changed(platform, order.id, order.status, order.update_time)
        return order_json(platform.store.the_shop, order)

    return handler


def _refund(platform: "ShopPlatform") -> Any:
    """The buyer is refunded: ``{return_type?: REFUND | RETURN_AND_REFUND, line_item_ids?:
    [...]}`` (default: a REFUND of every item not yet refunded). Makes a return record and
    sends webhook 12; a full refund before shipment also cancels the order (webhook 1). See
    emulator.shop.returns. Answers ``{return, order, webhooks}``."""

    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        order = _order(platform, request)
        line_item_ids = body.get("line_item_ids")
        if line_item_ids is not None and (
            not isinstance(line_item_ids, list)
            or not all(isinstance(i, str) for i in line_item_ids)
        ):
            raise ValueError("line_item_ids must be a list of line item IDs (strings)")
        before = len(platform.outbox.deliveries)
        try:
            record = refund(
                platform,
                order,
                return_type=str(body.get("return_type", "REFUND")),
                line_item_ids=line_item_ids,
            )
        except RefundRefused as error:
            raise Refused(str(error), error.status) from error
        shop = platform.store.the_shop
        return {
            "return": return_json(shop, record),
            "order": order_json(shop, order),
            "webhooks": [d.id for d in platform.outbox.deliveries[before:]],
        }

    return handler


def _buyer_message(platform: "ShopPlatform") -> Any:
    """``{buyer_user_id, type, text}`` for TEXT, or ``{..., content: {...}}`` for any type
    (IMAGE ``{url, width, height}``, PRODUCT_CARD ``{product_id}``, ORDER_CARD ``{order_id}``)."""

    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        store = platform.store
        buyer = store.buyers.get(str(body.get("buyer_user_id", "")))
        if buyer is None:
            raise Refused("unknown buyer_user_id", 404)
        kind = body.get("type", "TEXT")
        if kind not in MESSAGE_TYPES:
            raise ValueError(f"type must be one of {', '.join(MESSAGE_TYPES)}")
        content = body.get("content")
        if kind == "TEXT" and content is None:
            content = {"content": str(body.get("text", ""))}
        if not isinstance(content, dict):
            raise ValueError("content must be a JSON object")
        if kind == "IMAGE":  # inbound image sizes are strings on the wire (4.3)
            content = {k: str(v) if k in ("width", "height") else v for k, v in content.items()}
        message = buyer_writes(platform, buyer, kind, content)
        return {"conversation_id": message.conversation_id, "message": message_json(message)}

    return handler


def _expire_tokens(platform: "ShopPlatform") -> Any:
    """Expire one access token (``{"access_token": ...}``) or all of them; with
    ``{"refresh": true}`` the refresh tokens too."""

    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        past = platform.clock.now_int() - 1
        only = body.get("access_token")
        expired = 0
        for token in platform.store.tokens.values():
            if (token.kind == "access" and (only is None or token.value == only)) or (
                token.kind == "refresh" and body.get("refresh") and only is None
            ):
                token.expires_at = min(token.expires_at, past)
                expired += 1
        return {"expired": expired}

    return handler


def _revoke(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        store = platform.store
        live = [g for g in store.grants if not g.revoked]
        if not live:
            raise Refused("the shop has not authorized the app", 409)
        for grant in live:
            grant.revoked = True
        shop = store.the_shop
        message = f"Shop_id {shop.id} is deauthorized from your APP by merchant."
        deliveries = emit(platform, "SELLER_DEAUTHORIZATION", {"message": message})
        return {"revoked": len(live), "webhooks": [d.id for d in deliveries]}

    return handler


def _expiring(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        grant = platform.store.active_grant()
        if grant is None:
            raise Refused("the shop has not authorized the app", 409)
        if "expiration_time" in body:
            grant.expires_at = int(body["expiration_time"])
        days = max(0, (grant.expires_at - platform.clock.now_int()) // 86400)
        deliveries = emit(
            platform,
            "UPCOMING_AUTHORIZATION_EXPIRATION",
            {
                "message": f"Your authorization will expire in {days} days. "
                "Please ask the seller to re-authorize.",
                "expiration_time": str(grant.expires_at),
            },
        )
        return {"expiration_time": grant.expires_at, "webhooks": [d.id for d in deliveries]}

    return handler


def _settings(platform: "ShopPlatform") -> Any:
    async def handler(request: Request, body: dict[str, Any]) -> dict[str, Any]:
        if "qps_limit" in body:
            limit = int(body["qps_limit"])
            if limit < 1:
                raise ValueError("qps_limit must be at least 1")
            platform.qps_limit = limit
        return {"qps_limit": platform.qps_limit}

    return handler
