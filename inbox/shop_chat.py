"""TikTok Shop customer-service chat in the inbox (tiktok-wire.md §4): messages arriving by
webhook 14 (NEW_MESSAGE), conversations refreshed on webhook 13 (NEW_CONVERSATION), a
periodic read of Get Conversations that catches whatever a webhook missed, and the seller
opening a chat with a buyer.

Identities. A Shop chat names people by ``im_user_id``, an IM-internal id that cannot query
orders; Get Conversations lists each chat's participants with the buyer's ``user_id`` (the
Order API's buyer id), nickname and avatar. A buyer is a contact on platform ``tiktok_shop``
whose ``external_id`` is that ``user_id``, and is linked as that Shop buyer at once
(``contact_link_buyer``): here the identity *is* the buyer. A chat we opened ourselves for a
contact already linked to the buyer (the bot's Shop chat door, "Start Shop chat") is the
buyer's chat: TikTok keeps one per buyer and shop, and Create Conversation reopens it.

Idempotent by message id: a webhook, its retries and the sync store a message once. The
seller's own messages come back as webhook 14 too (sender SHOP): ours are matched to their
``Send`` rows by ``dm.shop_echo`` and never shown twice.

What is news. Only a buyer message that arrived since we last looked is handed to
``hooks.message_received`` (helpdesk forwarding listens); one read as history (the first
sync of an account, a chat found later with older messages in it) is stored quietly.

The chat's state. Where the workspace switched its bot on for the Shop
(``ShopChatSettings``), a new chat starts with the bot and a buyer's live message goes to the
flows, as a DM does: a Shop chat trigger starts a flow, a running flow takes the answer, and
anything else goes to a person (the bot never improvises). Where the bot is off, TikTok Shop's
own automation answers, and a buyer writing puts the conversation with a person (Unassigned
humans unless someone has it).
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from inbox import dm, hooks, routing, selectors, services
from inbox.models import Contact, Conversation, Message, ShopChatSettings, ShopChatStatus
from integrations import tokens
from integrations.clients.errors import PlatformError, Rejected
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection

log = logging.getLogger(__name__)

# Pages of Get Conversations (20 chats each) looked through for one chat a webhook named.
FIND_PAGES = 10
# Pages of Get Conversations one sync reads at most (newest activity first).
SYNC_PAGES = 25
# Pages of a chat's messages (10 each) read back for one changed chat.
MESSAGE_PAGES = 5
# A sync re-reads a margin before the last one: clocks differ, webhooks arrive late.
SYNC_OVERLAP = timedelta(minutes=10)
# The seller has 7 days to answer a buyer before TikTok closes the chat (§4.1): a chat whose
# last message is older is history, closed here too.
REPLY_WINDOW = timedelta(days=7)
HANDOFF_REASON = "the buyer wrote in TikTok Shop chat, where the bot is not answering"
NEW_CHAT_REASON = "a TikTok Shop chat, where the bot is not answering"
MESSAGE_STORED, NOTICE_STORED = "message stored", "notice stored"
_STORED = frozenset({MESSAGE_STORED, NOTICE_STORED, dm.SHOP_ECHO_STORED})

SELLER_ROLES = frozenset({"SHOP", "CUSTOMER_SERVICE", "ROBOT"})
SYSTEM_TYPES = frozenset({"ALLOCATED_SERVICE", "NOTIFICATION", "BUYER_ENTER_FROM_TRANSFER"})
# The v1.0 names and image keys (tiktok-wire.md §4.3), read in case TikTok still sends them.
_LEGACY_TYPES = {
    "text": "TEXT",
    "file_image": "IMAGE",
    "goods_card": "PRODUCT_CARD",
    "order_card": "ORDER_CARD",
}
_LEGACY_IMAGE_KEYS = {"imageUrl": "url", "imageWidth": "width", "imageHeight": "height"}


def _from_seconds(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value or 0), tz=UTC)


# --- Messages as TikTok Shop sends them ------------------------------------------------------


@dataclass(frozen=True)
class ShopMessage:
    """One message, whether from webhook 14's ``data`` or Get Conversation Messages."""

    id: str
    type: str
    content: dict[str, Any]
    create_time: int
    visible: bool
    role: str

    @classmethod
    def parse(cls, raw: dict[str, Any]) -> "ShopMessage":
        message_type = str(raw.get("type") or "OTHER")
        message_type = _LEGACY_TYPES.get(message_type, message_type)
        body = raw.get("content") or "{}"
        try:
            content = json.loads(body) if isinstance(body, str) else body
        except ValueError:
            content = {"content": str(body)}
        if not isinstance(content, dict):
            content = {"content": str(content)}
        if message_type == "IMAGE":
            content = {_LEGACY_IMAGE_KEYS.get(k, k): v for k, v in content.items()}
        return cls(
            id=str(raw.get("message_id") or raw.get("id") or raw.get("msg_id") or ""),
            type=message_type,
            content=content,
            create_time=int(raw.get("create_time") or 0),
            visible=raw.get("is_visible", True) is not False,
            role=str((raw.get("sender") or {}).get("role") or ""),
        )

    @property
    def sent_at(self) -> datetime:
        return _from_seconds(self.create_time)

    @property
    def direction(self) -> str:
        if self.role == "BUYER":
            return Message.Direction.INBOUND
        if self.role in SELLER_ROLES:
            return Message.Direction.OUTBOUND
        return Message.Direction.INTERNAL  # SYSTEM: TikTok's own notices

    def fields(self) -> dict[str, Any]:
        """``kind``, ``text`` and ``payload`` as the inbox stores them. The payload is the
        parsed ``content`` with the Shop type (and the sender's role for the seller side)."""
        content = self.content
        text = str(content.get("content") or "")
        if self.type == "TEXT":
            kind = Message.Kind.TEXT
        elif self.type == "EMOTICONS":
            kind = Message.Kind.STICKER
        elif self.type == "IMAGE":
            kind, text = Message.Kind.IMAGE, ""
        elif self.type == "VIDEO":
            kind, text = Message.Kind.VIDEO, ""
        elif self.type == "FILE":
            kind = Message.Kind.FILE
            text = str(content.get("name") or content.get("file_name") or "")
        elif self.type in ("PRODUCT_CARD", "BUYER_ENTER_FROM_PRODUCT"):
            kind, text = Message.Kind.PRODUCT_CARD, ""
        elif self.type in ("ORDER_CARD", "BUYER_ENTER_FROM_ORDER"):
            kind, text = Message.Kind.ORDER_CARD, ""
        elif self.type == "RETURN_REFUND_CARD":
            kind = Message.Kind.OTHER
            text = f"Return or refund request for order {content.get('order_id', '')}"
        elif self.type == "COUPON_CARD":
            kind, text = Message.Kind.OTHER, f"Coupon {content.get('coupon_id', '')}"
        elif self.type in SYSTEM_TYPES:
            kind = Message.Kind.SYSTEM
        else:
            kind = Message.Kind.OTHER
        payload = {**content, "shop_type": self.type}
        if self.direction == Message.Direction.OUTBOUND:
            payload["sender_role"] = self.role
        return {"kind": kind, "text": text, "payload": payload}


def _live(message: ShopMessage, live_since: datetime | None) -> bool:
    return live_since is not None and message.sent_at >= live_since


def _message_store(
    connection: Connection,
    conversation: Conversation,
    message: ShopMessage,
    *,
    live_since: datetime | None,
) -> str:
    if not message.visible:
        # Rating requests and the like: TikTok says not to show them to agents (§4.3).
        return "hidden system message skipped"
    if not message.id:
        return "message without an id skipped"
    fields = message.fields()
    direction = message.direction
    if fields["kind"] == Message.Kind.SYSTEM or (
        direction == Message.Direction.INTERNAL and fields["kind"] == Message.Kind.TEXT
    ):
        # TikTok's notices ("an agent joined", "the buyer came from …"): shown as such, and
        # never the buyer's words.
        direction, fields["kind"] = Message.Direction.INTERNAL, Message.Kind.SYSTEM
    if direction == Message.Direction.OUTBOUND:
        return dm.shop_echo(
            conversation=conversation,
            message_id=message.id,
            message_type=message.type,
            content=message.content,
            sent_at=message.sent_at,
            fields=fields,
        )
    sent_at = message.sent_at
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        stored, created = Message.unscoped.get_or_create(
            conversation=locked,
            external_id=message.id,
            defaults={
                "workspace_id": connection.workspace_id,
                "direction": direction,
                "sent_at": sent_at,
                **fields,
            },
        )
        if not created:
            return "message already known"
        if direction != Message.Direction.INBOUND:
            return NOTICE_STORED
        # An answer to a question asked outside any flow (a rating) reopens nothing.
        claimed = hooks.inbound_claimed(stored)
        live = _live(message, live_since)
        # A live message in a Shop whose bot is on goes to the flows (a trigger, the run it
        # answers, or a person), as a DM does; otherwise straight to a person.
        bot_answers = live and selectors.shop_bot_enabled(connection_id=connection.pk)
        _buyer_wrote(locked, sent_at, reopen=not claimed, bot_answers=bot_answers)
        if not claimed and live:
            routing.message_route(message=stored, conversation=locked)
            hooks.message_received(stored)
    return MESSAGE_STORED


def _buyer_wrote(
    conversation: Conversation, sent_at: datetime, *, reopen: bool = True, bot_answers: bool = False
) -> None:
    """Under the caller's lock. A buyer who wrote in the last 30 days may be answered (TikTok's
    first rule). Where the bot answers, writing again reopens a closed or waiting conversation
    for it (or for its teammate) and the flows decide; otherwise a message within TikTok's 7
    days to answer puts the conversation with a person. Neither happens when ``reopen`` is off
    (a claimed answer such as a rating); an older message is history and changes nobody's
    work."""
    conversation.last_inbound_at = max(conversation.last_inbound_at or sent_at, sent_at)
    conversation.last_message_at = max(conversation.last_message_at or sent_at, sent_at)
    conversation.outbound_since_inbound = 0
    fields = ["last_inbound_at", "last_message_at", "outbound_since_inbound"]
    recent = timezone.now() - sent_at < REPLY_WINDOW
    if reopen and bot_answers:
        if conversation.state in (Conversation.State.CLOSED, Conversation.State.WAITING):
            human = conversation.assignee_id is not None
            conversation.state = Conversation.State.HUMAN if human else Conversation.State.BOT
            fields.append("state")
    elif reopen and recent and conversation.state != Conversation.State.HUMAN:
        from_bot = conversation.state in (Conversation.State.BOT, Conversation.State.WAITING)
        conversation.state = Conversation.State.HUMAN
        if not conversation.assignee_id:
            conversation.handoff_reason = HANDOFF_REASON
        fields += ["state", "handoff_reason"]
        if from_bot:
            services.system_note_add(
                conversation=conversation, text=f"Handed to a person: {HANDOFF_REASON}."
            )
    conversation.save(update_fields=fields)
    Contact.unscoped.filter(pk=conversation.contact_id, last_seen_at__lt=sent_at).update(
        last_seen_at=sent_at
    )
    if timezone.now() - sent_at <= selectors.SHOP_CHATTED_WITHIN:
        ShopChatStatus.unscoped.update_or_create(
            conversation=conversation,
            defaults={
                "workspace_id": conversation.workspace_id,
                "can_send_message": True,
                "checked_at": timezone.now(),
            },
        )


# --- Conversations and their buyers ----------------------------------------------------------


def _buyer_contact(connection: Connection, participant: dict[str, Any], at: datetime) -> Contact:
    user_id = str(participant.get("user_id") or "")
    contact = services.contact_seen(
        workspace_id=connection.workspace_id, external_id=user_id, at=at, platform="tiktok_shop"
    )
    changes = {
        name: value
        for name, value in (
            ("display_name", str(participant.get("nickname") or "")[:200]),
            ("avatar_url", str(participant.get("avatar") or "")[:500]),
        )
        if value and getattr(contact, name) != value
    }
    if changes:
        Contact.unscoped.filter(pk=contact.pk).update(**changes)
        for name, value in changes.items():
            setattr(contact, name, value)
    services.contact_link_buyer(contact=contact, buyer_user_id=user_id)
    return contact


def buyer_conversation(
    *,
    connection: Connection,
    contact: Contact,
    conversation_id: str,
    state: str = Conversation.State.HUMAN,
) -> Conversation:
    """The inbox's thread for TikTok's chat ``conversation_id`` with ``contact``'s buyer:
    known by its id, else the buyer's thread we opened before TikTok named it (it takes the
    id), else a new one in ``state``."""
    with transaction.atomic():
        known = (
            Conversation.unscoped.select_for_update()
            .filter(connection=connection, external_id=conversation_id)
            .first()
        )
        if known is not None:
            return known
        conversation = dm.conversation_for(
            connection=connection, contact=contact, channel=Conversation.Channel.SHOP_CHAT
        )
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        fields: dict[str, Any] = {"external_id": conversation_id}
        if not locked.external_id and not locked.messages.exists():
            # Brand new (no message, no send yet): it starts where the caller says, or with
            # the bot where the bot answers this Shop's chat.
            if state == Conversation.State.HUMAN and selectors.shop_bot_enabled(
                connection_id=connection.pk
            ):
                state = Conversation.State.BOT
            human = state == Conversation.State.HUMAN
            fields |= {"state": state, "handoff_reason": NEW_CHAT_REASON if human else ""}
        Conversation.unscoped.filter(pk=locked.pk).update(**fields)
        locked.refresh_from_db()
        return locked


def _listed_conversation(connection: Connection, entry: dict[str, Any]) -> Conversation | None:
    """The inbox's thread for one chat as Get Conversations lists it, with its buyer as a
    contact and TikTok's word on whether the seller may write."""
    buyer = next((p for p in entry.get("participants") or [] if p.get("role") == "BUYER"), None)
    if buyer is None or not buyer.get("user_id"):
        return None
    latest = entry.get("latest_message") or {}
    latest_at = _from_seconds(latest.get("create_time") or entry.get("create_time"))
    contact = _buyer_contact(connection, buyer, latest_at)
    recent = timezone.now() - latest_at < REPLY_WINDOW
    conversation = buyer_conversation(
        connection=connection,
        contact=contact,
        conversation_id=str(entry["id"]),
        state=Conversation.State.HUMAN if recent else Conversation.State.CLOSED,
    )
    ShopChatStatus.unscoped.update_or_create(
        conversation=conversation,
        defaults={
            "workspace_id": connection.workspace_id,
            "can_send_message": bool(entry.get("can_send_message", True)),
            "unread_count": int(entry.get("unread_count") or 0),
            "checked_at": timezone.now(),
        },
    )
    return conversation


def _client(connection: Connection, token: str) -> TikTokShopClient:
    return TikTokShopClient(access_token=token, shop_cipher=connection.shop_cipher)


def _conversations_page(connection: Connection, page_token: str) -> dict[str, Any]:
    def fetch(token: str) -> dict[str, Any]:
        with _client(connection, token) as client:
            return client.cs_conversations(page_token=page_token)

    return tokens.with_fresh_token(connection, fetch)


def _messages_page(connection: Connection, conversation_id: str, page_token: str) -> dict[str, Any]:
    def fetch(token: str) -> dict[str, Any]:
        with _client(connection, token) as client:
            return client.cs_messages(conversation_id=conversation_id, page_token=page_token)

    return tokens.with_fresh_token(connection, fetch)


def _messages_pull(
    connection: Connection,
    conversation: Conversation,
    latest_id: str,
    *,
    live_since: datetime | None,
) -> int:
    """Read the chat's newest messages back to the first one we hold (at most
    ``MESSAGE_PAGES`` pages), store the new ones oldest first; returns how many were new."""
    status = ShopChatStatus.unscoped.filter(conversation=conversation).first()
    if latest_id and status is not None and status.latest_message_id == latest_id:
        return 0
    fresh: list[ShopMessage] = []
    page_token = ""
    for _ in range(MESSAGE_PAGES):
        data = _messages_page(connection, conversation.external_id, page_token)
        rows = [ShopMessage.parse(row) for row in data.get("messages") or []]
        known = set(
            Message.unscoped.filter(
                conversation=conversation, external_id__in=[m.id for m in rows if m.id]
            ).values_list("external_id", flat=True)
        )
        fresh += [m for m in rows if m.id not in known]
        page_token = str(data.get("next_page_token") or "")
        if known or not page_token:
            break
    stored = 0
    for message in sorted(fresh, key=lambda m: (m.create_time, m.id)):
        outcome = _message_store(connection, conversation, message, live_since=live_since)
        stored += outcome in _STORED
    if latest_id:
        ShopChatStatus.unscoped.filter(conversation=conversation).update(
            latest_message_id=latest_id
        )
    return stored


def _find_listed(connection: Connection, conversation_id: str) -> dict[str, Any] | None:
    """The chat as Get Conversations lists it (participants included): the only place the
    buyer's ``user_id`` is given. Newest activity comes first, so a chat a webhook just
    named is on the first page."""
    page_token = ""
    for _ in range(FIND_PAGES):
        data = _conversations_page(connection, page_token)
        for entry in data.get("conversations") or []:
            if str(entry.get("id")) == conversation_id:
                return dict(entry)
        page_token = str(data.get("next_page_token") or "")
        if not page_token:
            return None
    return None


def shop_conversation_refresh(
    *, connection: Connection, conversation_id: str, live_since: datetime | None
) -> str:
    """Webhook 13, or a message in a chat we do not know yet: read the chat and its newest
    messages. Raises ``PlatformError`` when TikTok Shop cannot be asked."""
    entry = _find_listed(connection, conversation_id)
    if entry is None:
        return "conversation not listed by TikTok Shop"
    conversation = _listed_conversation(connection, entry)
    if conversation is None:
        return "conversation without a buyer skipped"
    latest_id = str((entry.get("latest_message") or {}).get("id") or "")
    stored = _messages_pull(connection, conversation, latest_id, live_since=live_since)
    return f"conversation read, {stored} new message{'s' if stored != 1 else ''}"


# --- Webhooks 13 and 14 ----------------------------------------------------------------------


def shop_message_received(*, connection: Connection, data: dict[str, Any]) -> str:
    """Webhook 14 (NEW_MESSAGE) for the buyer's, the seller's and TikTok's messages alike."""
    message = ShopMessage.parse(data)
    conversation_id = str(data.get("conversation_id") or "")
    conversation = (
        Conversation.objects.for_workspace(connection.workspace_id)
        .filter(connection=connection, external_id=conversation_id)
        .first()
    )
    if conversation is None:
        if not message.visible:
            return "hidden system message skipped"
        try:
            outcome = shop_conversation_refresh(
                connection=connection,
                conversation_id=conversation_id,
                live_since=message.sent_at,
            )
        except PlatformError as error:
            # Not lost: the next chat sync reads the conversation and this message.
            log.warning("shop chat %s could not be read: %s", conversation_id, error)
            return f"unknown conversation, TikTok Shop unreachable: {error}"[:200]
        conversation = (
            Conversation.objects.for_workspace(connection.workspace_id)
            .filter(connection=connection, external_id=conversation_id)
            .first()
        )
        if conversation is None:
            return outcome
    return _message_store(connection, conversation, message, live_since=_from_seconds(0))


def shop_conversation_changed(*, connection: Connection, data: dict[str, Any]) -> str:
    """Webhook 13 (NEW_CONVERSATION): a chat began, or an agent joined or left one; TikTok
    says to read the conversation list again (tiktok-wire.md §2.4)."""
    conversation_id = str(data.get("conversation_id") or "")
    created = _from_seconds(data.get("create_time")) if data.get("create_time") else None
    try:
        return shop_conversation_refresh(
            connection=connection, conversation_id=conversation_id, live_since=created
        )
    except PlatformError as error:
        log.warning("shop chat %s could not be read: %s", conversation_id, error)
        return f"TikTok Shop unreachable, the chat sync will read it: {error}"[:200]


# --- The periodic sync -----------------------------------------------------------------------


def shop_chat_sync(*, connection: Connection) -> str:
    """Read the account's chats, newest activity first, and store what changed since the last
    look: new chats, new messages (by message id), TikTok's ``can_send_message``. Stops at the
    first page where nothing changed (older pages changed even less). The first sync of an
    account stores history; later ones hand new buyer messages on as news."""
    settings_row, _ = ShopChatSettings.unscoped.get_or_create(
        connection=connection, defaults={"workspace_id": connection.workspace_id}
    )
    started = timezone.now()
    live_since = settings_row.synced_at - SYNC_OVERLAP if settings_row.synced_at else None
    changed = stored = 0
    page_token = ""
    for _ in range(SYNC_PAGES):
        data = _conversations_page(connection, page_token)
        entries = [e for e in data.get("conversations") or [] if e.get("id")]
        statuses = {
            status.conversation.external_id: status
            for status in ShopChatStatus.unscoped.filter(
                conversation__connection=connection,
                conversation__external_id__in=[str(e["id"]) for e in entries],
            ).select_related("conversation")
        }
        page_changed = 0
        for entry in entries:
            latest_id = str((entry.get("latest_message") or {}).get("id") or "")
            status = statuses.get(str(entry["id"]))
            if (
                status is not None
                and status.latest_message_id == latest_id
                and status.can_send_message == bool(entry.get("can_send_message", True))
            ):
                continue
            page_changed += 1
            conversation = _listed_conversation(connection, entry)
            if conversation is not None:
                stored += _messages_pull(connection, conversation, latest_id, live_since=live_since)
        changed += page_changed
        page_token = str(data.get("next_page_token") or "")
        if not page_token or (page_changed == 0 and settings_row.synced_at is not None):
            break
    ShopChatSettings.unscoped.filter(pk=settings_row.pk).update(synced_at=started)
    return f"{changed} chats changed, {stored} new messages"


def shop_chat_connections_unscoped() -> list[tuple[int, int]]:
    """(workspace_id, connection_id) of every live Shop account allowed to chat, all
    workspaces: the sync's beat goes through them."""
    return [
        (connection.workspace_id, connection.pk)
        for connection in Connection.unscoped.filter(provider="tiktok_shop")
        if selectors.shop_chat_capable(connection)
    ]


# --- The seller opens a chat -----------------------------------------------------------------


class ShopChatRefused(Exception):
    """The chat cannot be opened; the message says why, in the teammate's terms."""


def _tiktok_says(error: PlatformError) -> str:
    """TikTok's own message without our request path in front."""
    text = str(error)
    return text.split(": ", 1)[1] if ": " in text else text


def shop_chat_start(*, contact: Contact, actor: Any) -> Conversation:
    """Open (or reopen) a Shop chat with the buyer ``contact`` is, if TikTok's rules allow it,
    and give it to ``actor``. TikTok's refusal (45109003) is passed on as it says it."""
    eligibility = selectors.shop_chat_eligibility(contact=contact)
    if not eligibility.allowed or eligibility.connection is None:
        raise ShopChatRefused(eligibility.reason)
    connection = eligibility.connection

    def create(token: str) -> str:
        with _client(connection, token) as client:
            return client.cs_conversation_create(buyer_user_id=contact.shop_buyer_id)

    try:
        conversation_id = tokens.with_fresh_token(connection, create)
    except Rejected as error:
        raise ShopChatRefused(f"TikTok Shop refused: {_tiktok_says(error)}") from error
    except PlatformError as error:
        raise ShopChatRefused(
            "TikTok Shop could not be reached; nothing was opened. Try again in a minute."
        ) from error
    conversation = buyer_conversation(
        connection=connection, contact=contact, conversation_id=conversation_id
    )
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        locked.state = Conversation.State.HUMAN
        locked.assignee = actor
        locked.handoff_reason = "a teammate started a TikTok Shop chat"
        locked.save(update_fields=["state", "assignee", "handoff_reason"])
        services.system_note_add(
            conversation=locked,
            text=f"{actor.label} started a TikTok Shop chat ({eligibility.basis}).",
        )
        ShopChatStatus.unscoped.update_or_create(
            conversation=locked,
            defaults={
                "workspace_id": locked.workspace_id,
                "can_send_message": True,
                "checked_at": timezone.now(),
            },
        )
    return locked


# --- Images ----------------------------------------------------------------------------------


class ImageRefused(Exception):
    """Not an image Shop chat takes; the message says why."""


IMAGE_TYPES = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
}


def image_type(data: bytes) -> str:
    """The image's content type by its first bytes (never its name or the browser's word),
    or "" when it is none of the four Shop chat takes."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return ""


def shop_image_upload(*, connection: Connection, data: bytes) -> dict[str, Any]:
    """Check the image and hand it to TikTok Shop, which keeps it for the chat; returns the
    ``{url, width, height}`` an IMAGE message carries. Raises ``ImageRefused``."""
    if len(data) > selectors.SHOP_IMAGE_MAX_BYTES:
        raise ImageRefused(
            f"The image is {len(data) / 1024 / 1024:.1f} MB: Shop chat takes images up to 10 MB."
        )
    content_type = image_type(data)
    if not content_type:
        raise ImageRefused("Shop chat takes JPG, PNG, GIF or WebP images only.")

    def upload(token: str) -> dict[str, Any]:
        with _client(connection, token) as client:
            return client.cs_image_upload(
                data=data, filename=f"image.{IMAGE_TYPES[content_type]}", content_type=content_type
            )

    try:
        answer = tokens.with_fresh_token(connection, upload)
    except Rejected as error:
        raise ImageRefused(f"TikTok Shop refused the image: {_tiktok_says(error)}") from error
    except PlatformError as error:
        raise ImageRefused("TikTok Shop could not be reached; the image was not sent.") from error
    return {
        "url": str(answer["url"]),
        "width": int(answer.get("width") or 0),
        "height": int(answer.get("height") or 0),
    }
