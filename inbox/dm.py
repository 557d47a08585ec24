"""Direct messages: queueing them, sending them through the door TikTok leaves open, and
meeting TikTok's echo of each one.

A DM is a ``Send`` row (state machine in its docstring) plus the outbound ``Message`` the
inbox shows, created together when the DM is queued; the send's state is the message's
delivery state. DMs of one conversation go out in the order they were queued: one flush at a
time per conversation (a short Redis lock) takes the oldest pending row, sends it, and goes on.

The doors (DESIGN.md §5, tiktok-wire.md §5.6, §8, §4):
- ``window``: the contact wrote within 48 hours; at most 10 business messages until they
  write again. Text, or a question card with up to 3 reply buttons.
- ``comment_to_message``: one text DM answering a comment TikTok flagged high intent. It opens
  no window: the contact must write back before anything else can be sent.
- ``shop_chat``: TikTok Shop customer-service chat with a known buyer TikTok lets the seller
  reach (chatted within 30 days, ordered within 60, or a return or refund). Text up to 2000
  characters, images, product and order cards, one type per message, no hyperlinks. The bot
  writes there only on a Shop account whose bot the workspace switched on.

TikTok echoes every API send as ``im_send_msg`` (source ``API``); ``message_echo`` matches
the echo to its row, so an echo never adds a second message or triggers anything. TikTok
Shop reports the seller's messages as webhook 14; ``shop_echo`` does the same for those.
"""

import json
import logging
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

import redis
from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from inbox import active_contacts, hooks
from inbox.models import Comment, Contact, Conversation, Message, Send, ShopChatSettings
from inbox.sends import STUCK_AFTER, SendDeferred, claim, finish
from integrations import ratelimit, tokens
from integrations.capabilities import Capability, capabilities_for
from integrations.clients.errors import PlatformError, RateLimited, Rejected, Transient
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection

log = logging.getLogger(__name__)


class Door(StrEnum):
    WINDOW = "window"
    COMMENT_TO_MESSAGE = "comment_to_message"
    SHOP_CHAT = "shop_chat"


WINDOW = timedelta(hours=48)
WINDOW_MESSAGES = 10
MAX_BUTTONS = 3
BUTTON_TITLE_MAX = 20
SHOP_TEXT_MAX = 2000
SHOP_ECHO_STORED = "message sent in TikTok Shop stored"
SHOP_BOT_OFF = (
    "the bot is off for this TikTok Shop account: TikTok Shop's own automation answers there"
)
FLUSH_LOCK_SECONDS = 120


def conversation_for(
    *, connection: Connection, contact: Contact, channel: str = Conversation.Channel.TIKTOK_DM
) -> Conversation:
    """The one thread with ``contact`` on ``connection``; opened on our side if TikTok has
    not told us its id yet (that arrives with the first message event). In Shop chat the
    thread is the buyer's: one the buyer already has with the shop, under whichever of their
    contacts it was first seen, is that thread (TikTok keeps one per buyer and shop)."""
    if channel == Conversation.Channel.SHOP_CHAT and contact.shop_buyer_id:
        existing = (
            Conversation.unscoped.filter(
                connection=connection,
                channel=channel,
                contact__shop_buyer_id=contact.shop_buyer_id,
            )
            .order_by("id")
            .first()
        )
        if existing is not None:
            return existing
    conversation, _ = Conversation.unscoped.get_or_create(
        connection=connection,
        contact=contact,
        channel=channel,
        defaults={"workspace_id": connection.workspace_id, "external_id": ""},
    )
    return conversation


def window_open(conversation: Conversation, *, now: datetime | None = None) -> bool:
    """Can a DM go into the conversation's messaging window right now?"""
    now = now or timezone.now()
    return (
        conversation.channel == Conversation.Channel.TIKTOK_DM
        and bool(conversation.external_id)
        and conversation.last_inbound_at is not None
        and now - conversation.last_inbound_at < WINDOW
        and conversation.outbound_since_inbound < WINDOW_MESSAGES
    )


def dm_queue(
    *,
    conversation: Conversation,
    door: str,
    text: str,
    payload: dict[str, Any] | None = None,
    comment: Comment | None = None,
    author: Any = None,
) -> Send:
    """Queue one DM (in the caller's transaction) and flush the conversation after commit.

    ``payload`` may carry ``buttons`` (reply button titles) or ``product`` (a product card:
    ``product_id``, ``title``, ``price``, ``currency``). A DM to a contact counts them as
    active this billing cycle. Raises ``IntegrityError`` when ``comment`` already has its DM.
    """
    payload = payload or {}
    now = timezone.now()
    send = Send.objects.create(
        workspace_id=conversation.workspace_id,
        connection_id=conversation.connection_id,
        kind=Send.Kind.DM,
        comment=comment,
        conversation=conversation,
        contact_id=conversation.contact_id,
        door=door,
        text=text,
        payload=payload,
        author=author,
    )
    Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        direction=Message.Direction.OUTBOUND,
        kind=_queued_kind(payload),
        text=text,
        payload=payload,
        author=author,
        source="teammate" if author else "bot",
        send=send,
        sent_at=now,
    )
    counts: dict[str, Any] = {"last_message_at": now}
    if door == Door.WINDOW:
        # Reserve the window's message now, so queued DMs never overrun the cap.
        counts["outbound_since_inbound"] = F("outbound_since_inbound") + 1
        conversation.outbound_since_inbound += 1
    Conversation.unscoped.filter(pk=conversation.pk).update(**counts)
    active_contacts.record(
        workspace_id=conversation.workspace_id, contact_id=conversation.contact_id
    )
    from inbox.tasks import dm_flush  # the tasks module imports this one

    enqueue_on_commit(
        dm_flush, workspace_id=conversation.workspace_id, conversation_id=conversation.pk
    )
    return send


def _queued_kind(payload: dict[str, Any]) -> str:
    """What a queued DM shows as. Only Shop chat carries images and order cards."""
    if "product" in payload:
        return Message.Kind.PRODUCT_CARD
    if "order" in payload:
        return Message.Kind.ORDER_CARD
    if "image" in payload:
        return Message.Kind.IMAGE
    return Message.Kind.TEXT


@cache
def _redis() -> redis.Redis:
    return redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2)


def dm_flush(*, conversation_id: int) -> int:
    """Send the conversation's pending DMs, oldest first; returns how many went out. Raises
    ``SendDeferred`` when the account must wait (the caller retries the flush)."""
    # Keys share the rate limiter's prefix: one namespace per deployment (and test process).
    key = f"{settings.RATE_LIMIT_KEY_PREFIX}:dm-flush:{conversation_id}"
    lock = _redis().lock(key, timeout=FLUSH_LOCK_SECONDS)
    if not lock.acquire(blocking=False):
        # Another worker is flushing this conversation. Look again shortly instead of holding
        # a worker: its last look for pending rows may have come before ours committed.
        raise SendDeferred(1.0)
    sent = 0
    try:
        while True:
            next_id = (
                Send.unscoped.filter(
                    conversation_id=conversation_id, kind=Send.Kind.DM, state=Send.State.PENDING
                )
                .order_by("id")
                .values_list("pk", flat=True)
                .first()
            )
            if next_id is None:
                return sent
            if dm_send(send_id=next_id) == Send.State.SENT:
                sent += 1
    finally:
        try:
            lock.release()
        except redis.exceptions.LockError:
            log.warning("dm flush of conversation %s outlived its lock", conversation_id)


def _skip_reason(send: Send) -> str:
    connection = send.connection
    if connection.status not in (Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION):
        return f"the account is {connection.get_status_display().lower()}"
    capability = Capability.SHOP_CHAT if send.door == Door.SHOP_CHAT else Capability.DIRECT_MESSAGE
    if capability not in capabilities_for(connection.provider, set(connection.granted_scopes)):
        return "the connection lacks the permission to send messages"
    if (
        send.door == Door.SHOP_CHAT
        and send.author_id is None
        and not ShopChatSettings.unscoped.filter(connection=connection, bot_enabled=True).exists()
    ):
        # The runner checks this before it opens the door; a switch turned off since must
        # still stop what the bot queued: TikTok Shop's own automation answers there now.
        return SHOP_BOT_OFF
    return ""


def _deliver(send: Send, token: str) -> str:
    conversation = send.conversation
    assert conversation is not None
    business_id = send.connection.external_id
    if send.door == Door.COMMENT_TO_MESSAGE:
        assert send.comment is not None
        with TikTokBusinessClient(access_token=token) as client:
            return client.direct_reply(
                business_id=business_id, comment_id=send.comment.external_id, text=send.text
            )
    if send.door == Door.SHOP_CHAT:
        return _deliver_shop(send, token)
    if not conversation.external_id:
        raise Rejected("TikTok has not opened a conversation with this person yet")
    with TikTokBusinessClient(access_token=token) as client:
        return client.message_send(
            business_id=business_id,
            conversation_id=conversation.external_id,
            text=send.text,
            buttons=list(send.payload.get("buttons") or []) or None,
        )


def shop_content(send: Send) -> tuple[str, dict[str, Any]]:
    """The Shop chat message a send is: its type and ``content`` (one type per message)."""
    payload = send.payload
    if payload.get("product"):
        return "PRODUCT_CARD", {"product_id": str(payload["product"]["product_id"])}
    if payload.get("order"):
        return "ORDER_CARD", {"order_id": str(payload["order"]["order_id"])}
    if payload.get("image"):
        image = payload["image"]
        return "IMAGE", {
            "url": str(image["url"]),
            "width": int(image["width"]),
            "height": int(image["height"]),
        }
    return "TEXT", {"content": send.text}


def _same_shop_content(send: Send, message_type: str, content: dict[str, Any]) -> bool:
    """Is this Shop chat message the one ``send`` carries? (the key of each type)"""
    sent_type, sent = shop_content(send)
    if sent_type != message_type:
        return False
    key = {"TEXT": "content", "PRODUCT_CARD": "product_id", "ORDER_CARD": "order_id"}.get(
        message_type, "url"
    )
    return str(sent.get(key, "")) == str(content.get(key, ""))


def _deliver_shop(send: Send, token: str) -> str:
    conversation = send.conversation
    assert conversation is not None
    with TikTokShopClient(access_token=token, shop_cipher=send.connection.shop_cipher) as client:
        if not conversation.external_id:
            buyer = conversation.contact.shop_buyer_id
            conversation_id = client.cs_conversation_create(buyer_user_id=buyer)
            Conversation.unscoped.filter(pk=conversation.pk).update(external_id=conversation_id)
            conversation.external_id = conversation_id
        message_type, content = shop_content(send)
        return client.cs_message_send(
            conversation_id=conversation.external_id, message_type=message_type, content=content
        )


def dm_send(*, send_id: int) -> str:
    """One attempt at one DM. Returns the row's state after it."""
    send = claim(send_id, related=("comment", "connection", "conversation__contact"))
    if send is None:
        return "skipped-not-pending"
    reason = _skip_reason(send)
    if reason:
        return _failed(send, Send.State.SKIPPED, reason)
    wait = ratelimit.acquire(connection_id=send.connection_id, endpoint="message_send")
    if wait:
        finish(send, Send.State.PENDING)
        raise SendDeferred(wait)
    try:
        provider_id = tokens.with_fresh_token(send.connection, lambda t: _deliver(send, t))
    except RateLimited as error:
        ratelimit.pause(
            connection_id=send.connection_id, endpoint="message_send", seconds=error.retry_after
        )
        finish(send, Send.State.PENDING, error=str(error))
        raise SendDeferred(error.retry_after) from error
    except Rejected as error:
        return _failed(send, Send.State.FAILED, str(error))
    except Transient:
        log.warning("dm %s: outcome unknown, will reconcile", send.pk)
        return Send.State.SENDING
    except PlatformError as error:
        return _failed(send, Send.State.FAILED, str(error))
    _delivered(send, provider_id)
    return Send.State.SENT


def _failed(send: Send, state: str, reason: str) -> str:
    finish(send, state, error=reason)
    if send.door == Door.WINDOW and send.conversation_id:
        # The reserved window message was never used.
        Conversation.unscoped.filter(pk=send.conversation_id, outbound_since_inbound__gt=0).update(
            outbound_since_inbound=F("outbound_since_inbound") - 1
        )
    return state


def _delivered(send: Send, provider_id: str) -> None:
    """TikTok took it: stamp the message with TikTok's id. If the echo got here first and
    stored the message on its own, that copy goes: the conversation shows it once."""
    assert send.conversation_id is not None
    with transaction.atomic():
        conversation = Conversation.unscoped.select_for_update().get(pk=send.conversation_id)
        if provider_id:
            Message.unscoped.filter(conversation=conversation, external_id=provider_id).exclude(
                send=send
            ).delete()
            Message.unscoped.filter(send=send).update(external_id=provider_id)
        finish(send, Send.State.SENT, provider_id=provider_id)
        _link_delivered(send)


def _link_delivered(send: Send) -> None:
    if "product" in send.payload:
        message = Message.unscoped.filter(send=send).first()
        if message is not None:
            hooks.shop_link_delivered(message)


def message_echo(*, conversation: Conversation, data: dict[str, Any], sent_at: datetime) -> str:
    """An ``im_send_msg`` with source ``API``: the echo of a DM sent through the API.

    Ours in the normal case (matched by TikTok's message id), or one whose worker has not yet
    recorded TikTok's answer (matched by text among the conversation's ``sending`` rows, and
    adopted: the row is sent). Anything else was sent by another tool on the account and is
    shown as such. Never counted against the window twice, never a trigger."""
    message_id = str(data.get("message_id", ""))
    text = str((data.get("text") or {}).get("body", ""))
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        if Message.unscoped.filter(conversation=locked, external_id=message_id).exists():
            return "own send echoed"
        in_flight = (
            Send.unscoped.filter(
                conversation=locked,
                kind=Send.Kind.DM,
                provider_id="",
                state__in=[Send.State.SENDING, Send.State.UNKNOWN],
                text=text,
            )
            .order_by("id")
            .first()
        )
        if in_flight is not None:
            Message.unscoped.filter(send=in_flight).update(external_id=message_id)
            finish(in_flight, Send.State.SENT, provider_id=message_id)
            _link_delivered(in_flight)
            return "own send echoed before its answer"
        Message.objects.create(
            workspace_id=locked.workspace_id,
            conversation=locked,
            direction=Message.Direction.OUTBOUND,
            kind=Message.Kind.TEXT,
            text=text,
            external_id=message_id,
            source="api",
            sent_at=sent_at,
        )
        Conversation.unscoped.filter(pk=locked.pk).update(
            last_message_at=max(locked.last_message_at or sent_at, sent_at)
        )
    return "message sent by another API client stored"


def shop_echo(
    *,
    conversation: Conversation,
    message_id: str,
    message_type: str,
    content: dict[str, Any],
    sent_at: datetime,
    fields: dict[str, Any],
) -> str:
    """A seller-side Shop chat message (webhook 14 or the sync, sender SHOP, CUSTOMER_SERVICE
    or ROBOT): TikTok Shop reports the seller's own messages too (tiktok-wire.md §4.5).

    Ours in the normal case (matched by TikTok's message id), or one whose worker has not yet
    recorded TikTok's answer (matched by type and content among the conversation's
    ``sending`` rows, and adopted). Anything else was written in Seller Center, by another
    agent or by TikTok Shop's automation, and is stored as such (source ``shop``). ``fields``
    are the message's ``kind``, ``text`` and ``payload`` as the inbox shows them."""
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        known = Message.unscoped.filter(conversation=locked, external_id=message_id).first()
        if known is not None:
            if known.sent_at != sent_at and known.send_id is not None:
                # Ours: it was sent when TikTok Shop says (its clock, whole seconds), not when
                # we queued it; an order matched against the earlier time is matched again.
                Message.unscoped.filter(pk=known.pk).update(sent_at=sent_at, changed_at=Now())
                known.sent_at = sent_at
                if "product" in known.payload:
                    hooks.shop_link_delivered(known)
            return "own send echoed"
        in_flight = Send.unscoped.filter(
            conversation=locked,
            kind=Send.Kind.DM,
            door=Door.SHOP_CHAT,
            provider_id="",
            state__in=[Send.State.SENDING, Send.State.UNKNOWN],
        ).order_by("id")
        for send in in_flight:
            if _same_shop_content(send, message_type, content):
                Message.unscoped.filter(send=send).update(
                    external_id=message_id, sent_at=sent_at, changed_at=Now()
                )
                finish(send, Send.State.SENT, provider_id=message_id)
                _link_delivered(send)
                return "own send echoed before its answer"
        Message.objects.create(
            workspace_id=locked.workspace_id,
            conversation=locked,
            direction=Message.Direction.OUTBOUND,
            external_id=message_id,
            source="shop",
            sent_at=sent_at,
            **fields,
        )
        Conversation.unscoped.filter(pk=locked.pk).update(
            last_message_at=max(locked.last_message_at or sent_at, sent_at)
        )
    return SHOP_ECHO_STORED


def _shop_reconcile(send: Send) -> str:
    """A Shop chat send left ``sending``: TikTok's newest messages in the chat say whether it
    arrived. A chat TikTok never named means the send never went (it follows the naming)."""
    conversation = send.conversation
    assert conversation is not None
    if not conversation.external_id:
        return finish(send, Send.State.PENDING, error="the chat was never opened; will send again")

    def recent(token: str) -> dict[str, Any]:
        with TikTokShopClient(
            access_token=token, shop_cipher=send.connection.shop_cipher
        ) as client:
            return client.cs_messages(conversation_id=conversation.external_id)

    try:
        rows = list(tokens.with_fresh_token(send.connection, recent).get("messages") or [])
    except PlatformError as error:
        return finish(send, Send.State.UNKNOWN, error=f"could not check: {error}")
    since = int(((send.sending_since or send.created_at) - STUCK_AFTER).timestamp())
    known = set(
        Message.unscoped.filter(conversation=conversation)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    message_type, _ = shop_content(send)
    for row in rows:
        role = (row.get("sender") or {}).get("role")
        try:
            content = json.loads(row.get("content") or "{}")
        except ValueError:
            continue
        if (
            role == "SHOP"
            and row.get("type") == message_type
            and int(row.get("create_time") or 0) >= since
            and str(row.get("id")) not in known
            and isinstance(content, dict)
            and _same_shop_content(send, message_type, content)
        ):
            _delivered(send, str(row["id"]))
            return Send.State.SENT
    if rows and all(int(r.get("create_time") or 0) >= since for r in rows):
        # Every message on the first page is recent: ours may be further back.
        return finish(send, Send.State.UNKNOWN, error="could not find it among recent messages")
    return finish(send, Send.State.PENDING, error="not found at TikTok; will send again")


def dm_reconcile(*, send: Send) -> str:
    """A DM left ``sending`` by a lost worker. Found among the conversation's latest messages:
    sent. Provably absent: pending again. Cannot tell: ``unknown`` (never resent blindly)."""
    conversation = send.conversation
    if send.door == Door.SHOP_CHAT and conversation is not None:
        return _shop_reconcile(send)
    if conversation is None or not conversation.external_id:
        return finish(send, Send.State.UNKNOWN, error="could not check with TikTok")

    def recent(token: str) -> list[dict[str, Any]]:
        with TikTokBusinessClient(access_token=token) as client:
            return client.conversation_messages(
                business_id=send.connection.external_id, conversation_id=conversation.external_id
            )

    try:
        messages = tokens.with_fresh_token(send.connection, recent)
    except PlatformError as error:
        return finish(send, Send.State.UNKNOWN, error=f"could not check: {error}")
    since_ms = int(((send.sending_since or send.created_at) - STUCK_AFTER).timestamp() * 1000)
    known = set(
        Message.unscoped.filter(conversation=conversation)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
    )
    for message in messages:
        ours = (message.get("from_user") or {}).get("role") == "BUSINESS_ACCOUNT"
        if (
            ours
            and (message.get("text") or {}).get("body") == send.text
            and int(message.get("timestamp") or 0) >= since_ms
            and str(message.get("message_id")) not in known
        ):
            _delivered(send, str(message["message_id"]))
            return Send.State.SENT
    if len(messages) >= 20:
        # Only the 20 latest are visible: too much has happened to be sure it is absent.
        return finish(send, Send.State.UNKNOWN, error="could not find it among recent messages")
    return finish(send, Send.State.PENDING, error="not found at TikTok; will send again")


def dms_due_unscoped() -> list[tuple[int, int]]:
    """(workspace_id, conversation_id) with DMs pending for over a minute, all workspaces:
    a flush that was lost or gave up is started again."""
    return list(
        Send.unscoped.filter(
            kind=Send.Kind.DM,
            state=Send.State.PENDING,
            conversation__isnull=False,
            updated_at__lt=timezone.now() - timedelta(minutes=1),
        )
        .values_list("workspace_id", "conversation_id")
        .distinct()
    )
