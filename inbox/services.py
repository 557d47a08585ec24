"""Writes to contacts, comments, conversations and messages."""

from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from inbox import dm, hooks, routing, selectors
from inbox.models import (
    Comment,
    Contact,
    Conversation,
    Message,
    SavedReply,
    SavedView,
    Send,
    ShopChatSettings,
)
from integrations.models import Connection, Post

_STATUS_BY_ACTION = {
    "delete": Comment.Status.DELETED,
    "set_to_hidden": Comment.Status.HIDDEN,
    "set_to_friends_only": Comment.Status.FRIENDS_ONLY,
    "set_to_public": Comment.Status.VISIBLE,
}


def _from_ms(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value) / 1000, tz=UTC)


def contact_seen(
    *, workspace_id: int, external_id: str, at: datetime, handle: str = "", platform: str = "tiktok"
) -> Contact:
    """The contact behind ``external_id``, created on first sight; ``last_seen_at`` only moves
    forward and a known handle is never blanked by an event that lacks one."""
    # get_or_create survives a concurrent insert: it re-reads on the unique violation.
    contact, created = Contact.unscoped.get_or_create(
        workspace_id=workspace_id,
        platform=platform,
        external_id=external_id,
        defaults={"handle": handle, "first_seen_at": at, "last_seen_at": at},
    )
    if not created:
        changes: dict[str, Any] = {}
        if at > contact.last_seen_at:
            changes["last_seen_at"] = at
        if handle and handle != contact.handle:
            changes["handle"] = handle
        if changes:
            Contact.unscoped.filter(pk=contact.pk).update(**changes)
            for name, value in changes.items():
                setattr(contact, name, value)
    return contact


def _comment_upsert(
    *, connection: Connection, data: dict[str, Any], high_intent: bool = False
) -> tuple[Comment, bool]:
    commented_at = _from_ms(data.get("timestamp") or 0)
    author = str(data.get("unique_identifier") or "")
    contact = (
        contact_seen(workspace_id=connection.workspace_id, external_id=author, at=commented_at)
        if author
        else None
    )
    post_id = str(data.get("video_id", ""))
    defaults = {
        "workspace_id": connection.workspace_id,
        "post": Post.objects.for_workspace(connection.workspace_id)
        .filter(connection=connection, external_id=post_id)
        .first(),
        "post_external_id": post_id,
        "contact": contact,
        "parent_external_id": str(data.get("parent_comment_id") or ""),
        "text": data.get("text") or "",
        "commented_at": commented_at,
        "high_intent": high_intent,
    }
    return Comment.unscoped.get_or_create(
        connection=connection, external_id=str(data["comment_id"]), defaults=defaults
    )


def comment_record(*, connection: Connection, data: dict[str, Any]) -> str:
    """A ``comment.update``: a new comment, or a visibility change to a known one."""
    comment_id = str(data.get("comment_id", ""))
    author = str(data.get("unique_identifier") or "")
    if author and author == connection.external_id:
        # Our own public replies come back as comments; they are not anyone's words to us.
        return "own comment"
    action = data.get("comment_action", "insert")
    if action != "insert":
        status = _STATUS_BY_ACTION.get(action)
        if status is None:
            return f"unknown action {action}"
        updated = (
            Comment.objects.for_workspace(connection.workspace_id)
            .filter(connection=connection, external_id=comment_id)
            .update(status=status)
        )
        return f"comment {action}" if updated else f"{action} for unknown comment"
    comment, created = _comment_upsert(connection=connection, data=data)
    if not created:
        return "comment already known"
    hooks.comment_stored(comment)
    return "comment stored"


def comment_high_intent(*, connection: Connection, data: dict[str, Any]) -> str:
    """TikTok flagged a comment for Comment-to-Message. The verdict may come before the
    comment itself; it carries enough to create the row, and the comment then finds it."""
    comment, created = _comment_upsert(connection=connection, data=data, high_intent=True)
    if created:
        # The verdict brought the comment first: it is new to us either way.
        hooks.comment_stored(comment)
    elif not comment.high_intent:
        Comment.unscoped.filter(pk=comment.pk).update(high_intent=True)
        comment.high_intent = True
        hooks.comment_flagged(comment)
    return "high intent recorded"


def _kind(value: str) -> str:
    return value if value in Message.Kind.values else Message.Kind.OTHER


def message_record(*, connection: Connection, data: dict[str, Any], inbound: bool) -> str:
    """An ``im_receive_msg`` (inbound) or ``im_send_msg`` (outbound) event."""
    source = str((data.get("message_tag") or {}).get("source", ""))
    person = data.get("from_user" if inbound else "to_user") or {}
    handle = str(data.get("from" if inbound else "to") or "")
    sent_at = _from_ms(data.get("timestamp") or 0)
    contact = contact_seen(
        workspace_id=connection.workspace_id,
        external_id=str(person.get("id", "")),
        at=sent_at,
        handle=handle,
    )
    conversation = dm.conversation_for(connection=connection, contact=contact)
    external_id = str(data.get("conversation_id") or "")
    if external_id and conversation.external_id != external_id:
        Conversation.unscoped.filter(pk=conversation.pk).update(external_id=external_id)
        conversation.external_id = external_id
    if not inbound and source == "API":
        return dm.message_echo(conversation=conversation, data=data, sent_at=sent_at)
    with transaction.atomic():
        conversation = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        kind = _kind(str(data.get("type", "text")))
        body = data.get(str(data.get("type", "text"))) or {}
        message, created = Message.unscoped.get_or_create(
            conversation=conversation,
            external_id=str(data.get("message_id", "")),
            defaults={
                "workspace_id": connection.workspace_id,
                "direction": Message.Direction.INBOUND if inbound else Message.Direction.OUTBOUND,
                "kind": kind,
                "text": body.get("body", "") if isinstance(body, dict) else "",
                "payload": body if isinstance(body, dict) else {},
                "source": "" if inbound else source.lower(),
                "sent_at": sent_at,
            },
        )
        if not created:
            return "message already known"
        # An answer to a question asked outside any flow (a rating) reopens nothing.
        claimed = inbound and hooks.inbound_claimed(message)
        if inbound:
            # Each message from the contact opens a new messaging window.
            conversation.last_inbound_at = max(conversation.last_inbound_at or sent_at, sent_at)
            conversation.outbound_since_inbound = 0
            if not claimed and conversation.state in (
                Conversation.State.CLOSED,
                Conversation.State.WAITING,
            ):
                # Writing again reopens it; who answers is the flows' call (hook below).
                conversation.state = (
                    Conversation.State.HUMAN if conversation.assignee_id else Conversation.State.BOT
                )
        else:
            # Written in the TikTok app or web by someone on the account.
            conversation.outbound_since_inbound += 1
        conversation.last_message_at = max(conversation.last_message_at or sent_at, sent_at)
        conversation.save(
            update_fields=["last_inbound_at", "outbound_since_inbound", "last_message_at", "state"]
        )
        if inbound and not claimed:
            routing.message_route(message=message, conversation=conversation)
            hooks.message_received(message)
    return "message stored"


def system_note_add(*, conversation: Conversation, text: str) -> Message:
    """A line in the thread saying what happened (a handoff, a chat opened); never sent."""
    return Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        direction=Message.Direction.INTERNAL,
        kind=Message.Kind.SYSTEM,
        text=text,
        sent_at=timezone.now(),
    )


def _system_note(conversation: Conversation, text: str) -> None:
    system_note_add(conversation=conversation, text=text)


def conversation_take(*, conversation: Conversation, user: Any) -> Conversation:
    """A teammate takes over: the bot sends nothing more in this conversation."""
    return conversation_assign(conversation=conversation, assignee=user, actor=user)


def conversation_assign(*, conversation: Conversation, assignee: Any, actor: Any) -> Conversation:
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        locked.assignee = assignee
        locked.state = Conversation.State.HUMAN
        locked.handoff_reason = locked.handoff_reason or "a teammate took over"
        locked.save(update_fields=["assignee", "state", "handoff_reason"])
        who = "took over" if assignee == actor else f"assigned it to {assignee.label}"
        _system_note(locked, f"{actor.label} {who}.")
    return locked


def conversation_hand_back(*, conversation: Conversation, actor: Any) -> Conversation:
    """Back to the bot, which resumes where the flow left off."""
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        locked.assignee = None
        locked.state = Conversation.State.BOT
        locked.handoff_reason = ""
        locked.save(update_fields=["assignee", "state", "handoff_reason"])
        _system_note(locked, f"{actor.label} handed the conversation back to the bot.")
        hooks.conversation_handed_back(locked)
    return locked


def conversation_hand_off(*, conversation: Conversation, reason: str) -> None:
    """The bot steps back: the conversation waits in Unassigned humans, saying why."""
    Conversation.unscoped.filter(pk=conversation.pk).update(
        state=Conversation.State.HUMAN, assignee=None, handoff_reason=reason[:200]
    )
    conversation.state, conversation.handoff_reason = Conversation.State.HUMAN, reason[:200]
    _system_note(conversation, f"Handed to a person: {reason}.")


def conversation_close(*, conversation: Conversation, actor: Any) -> Conversation:
    with transaction.atomic():
        locked = Conversation.unscoped.select_for_update().get(pk=conversation.pk)
        locked.state = Conversation.State.CLOSED
        locked.save(update_fields=["state"])
        _system_note(locked, f"{actor.label} closed the conversation.")
    return locked


def conversations_release(*, workspace_id: int, user_id: int) -> int:
    """A teammate left or was removed: their conversations go back to unassigned humans.
    What they wrote stays attributed to them."""
    return (
        Conversation.objects.for_workspace(workspace_id)
        .filter(assignee_id=user_id)
        .exclude(state=Conversation.State.CLOSED)
        .update(assignee=None, state=Conversation.State.HUMAN)
    )


def member_removed(workspace_id: int, user_id: int) -> None:
    """The workspaces hook for a teammate leaving."""
    conversations_release(workspace_id=workspace_id, user_id=user_id)


def conversations_close_expired_unscoped() -> int:
    """Close every Waiting conversation whose messaging window has ended, all workspaces."""
    ended = timezone.now() - dm.WINDOW
    closed = 0
    for conversation in Conversation.unscoped.filter(
        state=Conversation.State.WAITING, last_inbound_at__lt=ended
    ):
        updated = Conversation.unscoped.filter(
            pk=conversation.pk, state=Conversation.State.WAITING
        ).update(state=Conversation.State.CLOSED)
        if updated:
            _system_note(conversation, "Closed: the 48-hour messaging window ended.")
            closed += updated
    return closed


# --- The composer: teammate replies and internal notes ----------------------------------------


class ReplyRefused(Exception):
    """A teammate's DM cannot go out; the message says why, in the teammate's terms."""


def _take_over_for_reply(conversation: Conversation, author: Any) -> None:
    """Under the caller's lock: a teammate writing to the contact owns the conversation from
    now on, so the bot (which only acts in Bot and Waiting) sends nothing more. Someone else's
    conversation stays theirs."""
    if conversation.state == Conversation.State.HUMAN and conversation.assignee_id is not None:
        return
    was_bot = conversation.state in (Conversation.State.BOT, Conversation.State.WAITING)
    conversation.state = Conversation.State.HUMAN
    conversation.assignee = author
    conversation.handoff_reason = conversation.handoff_reason or "a teammate took over"
    conversation.save(update_fields=["state", "assignee", "handoff_reason"])
    if was_bot:
        _system_note(conversation, f"{author.label} replied and took over: the bot stops here.")
    else:
        _system_note(conversation, f"{author.label} replied and took over.")


class ShopTextTooLong(ReplyRefused):
    """Over Shop chat's 2,000 characters: refused with the count, and ``parts`` says how many
    messages it would make if the teammate agrees to split it."""

    def __init__(self, length: int, parts: int) -> None:
        super().__init__(selectors.shop_text_too_long(length))
        self.length = length
        self.parts = parts


Outgoing = list[tuple[str, dict[str, Any]]]


def _reply(
    conversation: Conversation, author: Any, door: str, build: Callable[[Conversation], Outgoing]
) -> list[Send]:
    """Under the conversation's lock: check TikTok would carry a reply now, let ``build``
    say what goes out (it may refuse), take the conversation over, queue each message."""
    with transaction.atomic():
        locked = (
            Conversation.unscoped.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=conversation.pk)
        )
        reason = selectors.reply_blocker(locked)
        if reason:
            raise ReplyRefused(reason)
        messages = build(locked)
        if not messages:
            raise ReplyRefused("Write a message first.")
        _take_over_for_reply(locked, author)
        return [
            dm.dm_queue(conversation=locked, door=door, text=body, payload=payload, author=author)
            for body, payload in messages
        ]


def _shop_text(text: str, *, split: bool) -> Outgoing:
    """Shop chat text: links as plain text; over 2,000 characters refused, or split between
    words when the teammate agreed."""
    words = selectors.plain_links(text).strip()
    if not words:
        return []
    if len(words) <= dm.SHOP_TEXT_MAX:
        return [(words, {})]
    parts = selectors.split_text(words)
    if not split:
        raise ShopTextTooLong(len(words), len(parts))
    return [(part, {}) for part in parts]


def conversation_reply(
    *,
    conversation: Conversation,
    author: Any,
    text: str,
    product: dict[str, Any] | None = None,
    split: bool = False,
) -> list[Send]:
    """A teammate's DM to the contact, queued (sent after commit), the conversation taken over
    first. ``product`` is a card from the workspace's catalog. Raises ``ReplyRefused`` and
    queues nothing when TikTok would not accept it.

    TikTok DMs carry text only: the text (with the product link) goes out and the card is what
    the inbox shows. Shop chat carries a real card but no links: the product link leaves the
    text, any other link goes as plain text, and the words go as a text message before the
    card; text over 2,000 characters is refused with its count (``ShopTextTooLong``) unless
    ``split`` says to send it as several messages."""
    text = text.strip()

    def shop(locked: Conversation) -> Outgoing:
        words = selectors.PRODUCT_URL.sub("", text) if product else text
        messages = _shop_text(words, split=split)
        if product:
            messages.append((product["title"], {"product": product}))
        return messages

    def window(locked: Conversation) -> Outgoing:
        messages: Outgoing = [(text, {"product": product} if product else {})] if text else []
        room = dm.WINDOW_MESSAGES - locked.outbound_since_inbound
        if len(messages) > room:
            raise ReplyRefused(selectors.WINDOW_FULL)
        return messages

    if conversation.channel == Conversation.Channel.SHOP_CHAT:
        return _reply(conversation, author, dm.Door.SHOP_CHAT, shop)
    return _reply(conversation, author, dm.Door.WINDOW, window)


SHOP_ONLY = "Images and order cards go through TikTok Shop chat only."


def shop_card_reply(
    *,
    conversation: Conversation,
    author: Any,
    product: dict[str, Any] | None = None,
    order_id: str = "",
) -> Send:
    """A product card (from the catalog) or an order card (one of the buyer's orders) into a
    Shop chat, as a message of its own (TikTok sends one type per message)."""
    if conversation.channel != Conversation.Channel.SHOP_CHAT:
        raise ReplyRefused("Product and order cards go through TikTok Shop chat only.")

    def card(locked: Conversation) -> Outgoing:
        if product:
            return [(product["title"], {"product": product})]
        if order_id:
            return [("", {"order": {"order_id": order_id}})]
        return []

    [send] = _reply(conversation, author, dm.Door.SHOP_CHAT, card)
    return send


def shop_image_reply(*, conversation: Conversation, author: Any, image: dict[str, Any]) -> Send:
    """An image TikTok Shop already holds (``inbox.shop_chat.shop_image_upload``) into the
    chat: ``{url, width, height}``."""
    if conversation.channel != Conversation.Channel.SHOP_CHAT:
        raise ReplyRefused(SHOP_ONLY)
    [send] = _reply(
        conversation, author, dm.Door.SHOP_CHAT, lambda locked: [("", {"image": image})]
    )
    return send


def shop_bot_set(*, connection: Connection, enabled: bool, actor: Any) -> ShopChatSettings:
    """Let ChatSparks' bot write in this Shop account's chats, or stop it. Turning it off also
    cancels what the bot queued there and has not sent: TikTok Shop's own automation answers
    from now on, and the two must never both write to a buyer."""
    with transaction.atomic():
        row, _ = ShopChatSettings.unscoped.select_for_update().get_or_create(
            connection=connection, defaults={"workspace_id": connection.workspace_id}
        )
        row.bot_enabled = enabled
        row.updated_by = actor
        row.save(update_fields=["bot_enabled", "updated_by", "updated_at"])
        if not enabled:
            Send.objects.for_workspace(connection.workspace_id).filter(
                connection=connection,
                door=dm.Door.SHOP_CHAT,
                author__isnull=True,
                state=Send.State.PENDING,
            ).update(state=Send.State.SKIPPED, error=dm.SHOP_BOT_OFF, updated_at=timezone.now())
    return row


def note_add(
    *, conversation: Conversation, author: Any, text: str, mentions: Sequence[int] = ()
) -> Message:
    """An internal note: seen by the team, never sent. ``@Label`` of a teammate mentions them
    (stored as user ids, for their Mentions me view); the API may also name ``mentions`` (ids
    the caller checked are members)."""
    text = text.strip()
    if not text:
        raise ReplyRefused("Write a note first.")
    teammates = selectors.teammate_list(workspace=conversation.workspace)
    mentioned = sorted(set(selectors.mentions_in(text, teammates)) | set(mentions))
    return Message.objects.create(
        workspace_id=conversation.workspace_id,
        conversation=conversation,
        direction=Message.Direction.INTERNAL,
        kind=Message.Kind.NOTE,
        text=text,
        author=author,
        source="teammate",
        mentions=mentioned,
        sent_at=timezone.now(),
    )


# --- Saved views and saved replies -----------------------------------------------------------


def saved_view_save(*, workspace: Any, user: Any, name: str, query: str) -> SavedView:
    """Save (or, under a name already used, replace) a teammate's inbox view."""
    view, _ = SavedView.objects.for_workspace(workspace).update_or_create(
        user=user, name=name.strip(), defaults={"workspace": workspace, "query": query[:500]}
    )
    return view


def saved_view_delete(*, view: SavedView) -> None:
    view.delete()


def saved_reply_create(*, workspace: Any, shortcut: str, text: str) -> SavedReply:
    """Raises ``ValidationError`` when the shortcut is taken in this workspace."""
    try:
        with transaction.atomic():
            return SavedReply.objects.create(workspace=workspace, shortcut=shortcut, text=text)
    except IntegrityError as error:
        raise ValidationError(f"/{shortcut} is already a saved reply.") from error


def saved_reply_delete(*, reply: SavedReply) -> None:
    reply.delete()


def contact_link_buyer(*, contact: Contact, buyer_user_id: str) -> bool:
    """Record that ``contact`` is the TikTok Shop buyer ``buyer_user_id``. The one place a
    link is made, and only where both identities are seen together (a Shop chat
    conversation carries the buyer's id beside the person writing); never guessed from
    names or timing. Returns whether anything changed; attribution re-matches on a change."""
    if not buyer_user_id or contact.shop_buyer_id == buyer_user_id:
        return False
    Contact.unscoped.filter(pk=contact.pk).update(shop_buyer_id=buyer_user_id)
    contact.shop_buyer_id = buyer_user_id
    hooks.contact_linked(contact)
    return True
