"""What Send Message accepts (wire notes 4.3, 4.4): ``content`` is a JSON-serialised object in a
string; each type is checked against the shop's own records.

Hyperlinks: the CS overview lists them as unsupported, but no error code is documented for a
text containing one, so a link in TEXT is accepted as plain text. Sensitive-word filtering
(45101006) is not modelled."""

import json
from typing import Any

from emulator.shop.api import bad_request
from emulator.shop.store import Conversation, ShopStore

INVALID_PARAMETER = 45101001
BAD_RETURN_REFUND_CARD = 45101002
NOT_FOUND = 45101003
NOT_SUPPORTED = 45111001
BAD_COUPON_CARD = 45111017
MAX_TEXT = 2000
SENDABLE = (
    "TEXT", "IMAGE", "PRODUCT_CARD", "ORDER_CARD", "EMOTICONS", "RETURN_REFUND_CARD",
    "COUPON_CARD",
)  # fmt: skip


def parse_content(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    kind = body.get("type")
    raw = body.get("content")
    if kind not in SENDABLE:
        raise bad_request(f"Unsupported message type: {kind!r}.", NOT_SUPPORTED)
    if not isinstance(raw, str):
        raise bad_request("'content' must be a JSON-serialized string.", INVALID_PARAMETER)
    try:
        content = json.loads(raw)
    except ValueError:
        raise bad_request("'content' is not valid JSON.", INVALID_PARAMETER) from None
    if not isinstance(content, dict):
        raise bad_request("'content' must encode a JSON object.", INVALID_PARAMETER)
    return kind, content


def validate_content(
    store: ShopStore, conversation: Conversation, kind: str, content: dict[str, Any]
) -> None:
    if kind in ("TEXT", "EMOTICONS"):
        text = content.get("content")
        if not isinstance(text, str) or not text.strip():
            raise bad_request("The text is empty.", INVALID_PARAMETER)
        if len(text) > MAX_TEXT:
            raise bad_request(f"The text exceeds {MAX_TEXT} characters.", INVALID_PARAMETER)
    elif kind == "IMAGE":
        url = content.get("url")
        if not isinstance(url, str) or url.rsplit("/", 1)[-1].split(".")[0] not in store.images:
            raise bad_request(
                "'url' must come from Upload Buyer Messages Image.", INVALID_PARAMETER
            )
        if not all(isinstance(content.get(k), int) for k in ("width", "height")):
            raise bad_request("'width' and 'height' must be integers.", INVALID_PARAMETER)
    elif kind == "PRODUCT_CARD":
        if str(content.get("product_id", "")) not in store.products:
            raise bad_request("The product does not exist.", NOT_FOUND)
    elif kind == "ORDER_CARD":
        order = store.orders.get(str(content.get("order_id", "")))
        if order is None or order.buyer.user_id != conversation.buyer.user_id:
            raise bad_request("The order does not exist for this buyer.", NOT_FOUND)
    elif kind == "RETURN_REFUND_CARD":
        order = store.orders.get(str(content.get("order_id", "")))
        if (
            order is None
            or order.buyer.user_id != conversation.buyer.user_id
            or order.status not in ("DELIVERED", "COMPLETED")
            or all(item.sku.id != str(content.get("sku_id")) for item in order.line_items)
        ):
            raise bad_request(
                "The order does not meet after-sale conditions.", BAD_RETURN_REFUND_CARD
            )
    elif kind == "COUPON_CARD":  # the emulated shop has no coupons
        raise bad_request("The coupon is not eligible for a coupon card.", BAD_COUPON_CARD)
