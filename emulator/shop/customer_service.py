"""Customer Service API, version 202309 (wire notes 4.1–4.5): conversations, messages, send,
create, read, image upload and agent settings; plus what a buyer does (write to the shop),
which the control API triggers.

The seller may open or write to a conversation only if one of three rules holds for the buyer
(4.1): a conversation with messages in the last 30 days, an order in the last 60 days, or a
return/refund on record. Otherwise Create Conversation answers 45109003 and Send 45109001."""

import json
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from emulator.shop import media
from emulator.shop.api import (
    SCOPE_CUSTOMER_SERVICE,
    ApiError,
    Call,
    bad_request,
    endpoint,
    next_page_token,
    page_offset,
    page_size,
)
from emulator.shop.events import emit
from emulator.shop.message_content import parse_content, validate_content
from emulator.shop.store import Buyer, Conversation, Message, ShopStore

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

DAY = 86400
PREFIX = "/customer_service/202309"
INVALID_PARAMETER = 45101001
NOT_FOUND = 45101003
DAILY_QUOTA = 45101004
NO_PERMISSION = 45102007
CONVERSATION_RULES = 45109001
CANNOT_CREATE = 45109003
DAILY_LIMIT = 10_000
AVATAR = "https://p16-sign-useast2a.tiktokcdn.com/tos-useast2a-avt-0068-euttp/{}.jpeg"


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    def api(path: str, handler: Any, method: str, *, multipart: bool = False) -> BaseRoute:
        return endpoint(
            platform,
            PREFIX + path,
            _counted(platform, handler),
            method=method,
            scope=SCOPE_CUSTOMER_SERVICE,
            multipart=multipart,
        )

    messages = "/conversations/{conversation_id}/messages"
    return [
        api("/conversations", _list(platform), "GET"),
        api("/conversations", _create(platform), "POST"),
        api(messages, _messages(platform), "GET"),
        api(messages, _send(platform), "POST"),
        api(messages + "/read", _read(platform), "POST"),
        api("/images/upload", _upload(platform), "POST", multipart=True),
        api("/agents/settings", _agent_settings(platform), "GET"),
        api("/agents/settings", _agent_settings(platform), "PUT"),
        Route("/shop-im-images/{name}", _serve_image(platform), methods=["GET"]),
    ]


def can_message(store: ShopStore, buyer_user_id: str, now: int) -> bool:
    conversation = store.conversation_with(buyer_user_id)
    if conversation and conversation.messages and conversation.last_activity >= now - 30 * DAY:
        return True
    orders = store.orders_of(buyer_user_id)
    return any(o.create_time >= now - 60 * DAY for o in orders) or any(o.refunded for o in orders)


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "type": message.type,
        "content": message.content,
        "create_time": message.create_time,
        "is_visible": message.is_visible,
        "index": message.index,
        "sender": {
            "im_user_id": message.sender_im_user_id,
            "role": message.sender_role,
            "nickname": message.sender_nickname,
            "avatar": AVATAR.format(message.sender_im_user_id),
        },
    }


def conversation_json(platform: "ShopPlatform", conversation: Conversation) -> dict[str, Any]:
    shop, buyer = platform.store.the_shop, conversation.buyer
    latest = conversation.messages[-1] if conversation.messages else None
    return {
        "id": conversation.id,
        "participant_count": 2,
        "can_send_message": can_message(platform.store, buyer.user_id, platform.clock.now_int()),
        "unread_count": sum(
            1 for m in conversation.messages if m.sender_role == "BUYER" and not m.read
        ),
        "create_time": conversation.create_time,
        "participants": [
            {
                "im_user_id": buyer.im_user_id,
                "user_id": buyer.user_id,
                "role": "BUYER",
                "nickname": buyer.nickname,
                "avatar": AVATAR.format(buyer.im_user_id),
                "buyer_platform": "TIKTOK_SHOP",
            },
            {
                "im_user_id": shop.im_user_id,
                "user_id": shop.id,
                "role": "SHOP",
                "nickname": shop.name,
                "avatar": AVATAR.format(shop.im_user_id),
                "buyer_platform": "",
            },
        ],
        "latest_message": message_json(latest) if latest else None,
    }


def _counted(platform: "ShopPlatform", handler: Any) -> Any:
    """Every CS call counts against the shop's 10,000-a-day quota (virtual days)."""

    async def counted(call: Call) -> Any:
        day = platform.clock.now_int() // DAY
        used = platform.store.cs_quota_used.get(day, 0)
        if used >= DAILY_LIMIT:
            raise bad_request(
                "The query quota has been reached (10000 request per day)", DAILY_QUOTA
            )
        platform.store.cs_quota_used[day] = used + 1
        return await handler(call)

    return counted


def _conversation(platform: "ShopPlatform", call: Call) -> Conversation:
    conversation = platform.store.conversations.get(call.request.path_params["conversation_id"])
    if conversation is None:
        raise bad_request("The conversation does not exist.", NOT_FOUND)
    if conversation.shop_id != call.shop.id:
        raise bad_request("No permission on this conversation.", NO_PERMISSION)
    return conversation


def _list(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        size = page_size(call, maximum=20, code=INVALID_PARAMETER)
        offset = page_offset(call, INVALID_PARAMETER)
        found = sorted(
            platform.store.conversations.values(),
            key=lambda c: (c.last_activity, c.id),
            reverse=True,
        )
        return {
            "next_page_token": next_page_token(offset, size, len(found)),
            "conversations": [
                conversation_json(platform, c) for c in found[offset : offset + size]
            ],
        }

    return handler


def _messages(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        conversation = _conversation(platform, call)
        size = page_size(call, maximum=10, code=INVALID_PARAMETER)
        offset = page_offset(call, INVALID_PARAMETER)
        sort_order = call.query("sort_order", "DESC")
        sort_field = call.query("sort_field", "create_time")
        if sort_order not in ("ASC", "DESC") or sort_field not in ("create_time", "index"):
            raise bad_request("Invalid sort_order or sort_field.", INVALID_PARAMETER)
        found = sorted(
            conversation.messages,
            key=lambda m: (
                (m.create_time, int(m.index))
                if sort_field == "create_time"
                else (int(m.index), m.create_time)
            ),
            reverse=sort_order == "DESC",
        )
        return {
            "next_page_token": next_page_token(offset, size, len(found)),
            "unsupported_msg_tips": "This message type is not supported. View it in Seller Center.",
            "messages": [message_json(m) for m in found[offset : offset + size]],
        }

    return handler


def _create(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        store, now = platform.store, platform.clock.now_int()
        buyer = store.buyers.get(str(call.json().get("buyer_user_id", "")))
        if buyer is None:
            raise bad_request("The buyer does not exist.", NOT_FOUND)
        existing = store.conversation_with(buyer.user_id)
        if not can_message(store, buyer.user_id, now):
            raise bad_request(
                "Unable to create a conversation with this buyer due to conversation rules.",
                CANNOT_CREATE,
            )
        if existing is not None:  # reopened, same ID (4.2)
            return {"conversation_id": existing.id}
        conversation = Conversation(
            id=store.ids.next("conversation"), shop_id=call.shop.id, buyer=buyer, create_time=now
        )
        store.conversations[conversation.id] = conversation
        return {"conversation_id": conversation.id}

    return handler


def _send(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        conversation = _conversation(platform, call)
        kind, content = parse_content(call.json())
        now = platform.clock.now_int()
        if not can_message(platform.store, conversation.buyer.user_id, now):
            raise bad_request(
                "Unable to send messages due to conversation rules", CONVERSATION_RULES
            )
        validate_content(platform.store, conversation, kind, content)
        shop = call.shop
        message = add_message(
            platform,
            conversation,
            kind=kind,
            content=content,
            role="SHOP",
            im_user_id=shop.im_user_id,
            nickname=shop.name,
        )
        return {"message_id": message.id}

    return handler


def add_message(
    platform: "ShopPlatform",
    conversation: Conversation,
    *,
    kind: str,
    content: dict[str, Any],
    role: str,
    im_user_id: str,
    nickname: str,
) -> Message:
    """Append a message and send NEW_MESSAGE (the seller's own messages trigger it too)."""
    store, now = platform.store, platform.clock.now_int()
    message = Message(
        id=store.ids.next("message"),
        conversation_id=conversation.id,
        type=kind,
        content=json.dumps(content, ensure_ascii=False, separators=(",", ":")),
        create_time=now,
        sender_role=role,
        sender_im_user_id=im_user_id,
        sender_nickname=nickname,
        index=store.ids.next("message"),
    )
    conversation.messages.append(message)
    emit(
        platform,
        "NEW_MESSAGE",
        {
            "content": message.content,
            "conversation_id": conversation.id,
            "create_time": now,
            "is_visible": True,
            "message_id": message.id,
            "index": message.index,
            "type": kind,
            "sender": {"im_user_id": im_user_id, "role": role},
        },
    )
    return message


def buyer_writes(
    platform: "ShopPlatform", buyer: Buyer, kind: str, content: dict[str, Any]
) -> Message:
    """A buyer messages the shop, opening a conversation if none exists (NEW_CONVERSATION)."""
    store, now = platform.store, platform.clock.now_int()
    conversation = store.conversation_with(buyer.user_id)
    if conversation is None:
        conversation = Conversation(
            id=store.ids.next("conversation"),
            shop_id=store.the_shop.id,
            buyer=buyer,
            create_time=now,
        )
        store.conversations[conversation.id] = conversation
        emit(platform, "NEW_CONVERSATION", {"conversation_id": conversation.id, "create_time": now})
    return add_message(
        platform,
        conversation,
        kind=kind,
        content=content,
        role="BUYER",
        im_user_id=buyer.im_user_id,
        nickname=buyer.nickname,
    )


def _read(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        for message in _conversation(platform, call).messages:
            if message.sender_role == "BUYER":
                message.read = True
        return {}

    return handler


def _upload(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        data = media.multipart_field(
            call.request.headers.get("content-type", ""), call.body, "data"
        )
        if data is None:
            raise bad_request("The multipart field 'data' is required.", INVALID_PARAMETER)
        if len(data) > media.MAX_IMAGE_BYTES:
            raise bad_request("The image exceeds 10 MB.", 36009021)
        info = media.sniff(data)
        if info is None:
            raise bad_request("The image must be jpg, gif, webp or png.", INVALID_PARAMETER)
        image = platform.store_image(data, *info)
        extension = image.content_type.removeprefix("image/")
        return {
            "url": f"{platform.config.base_url}/shop-im-images/{image.key}.{extension}",
            "width": image.width,
            "height": image.height,
        }

    return handler


def _serve_image(platform: "ShopPlatform") -> Any:
    async def view(request: Request) -> Response:
        image = platform.store.images.get(request.path_params["name"].split(".")[0])
        if image is None:
            return Response(status_code=404)
        return Response(image.data, media_type=image.content_type)

    return view


def _agent_settings(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        if call.request.method == "GET":
            return {"can_accept_chat": platform.store.agent_can_accept_chat}
        value = call.json().get("can_accept_chat")
        if not isinstance(value, bool):
            raise ApiError(INVALID_PARAMETER, "'can_accept_chat' must be a boolean.")
        platform.store.agent_can_accept_chat = value
        return {}

    return handler
