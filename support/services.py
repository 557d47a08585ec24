"""Writes: the team's working hours, and satisfaction ratings (asking when a teammate closes a
conversation, and recognising the buyer's answer).

A rating request goes to the buyer in the conversation's own channel. TikTok Shop chat carries
text, images and cards but no buttons (tiktok-wire.md §4.3-4.4), so there the buyer is asked
to reply with a number from 1 to 5 beside an emoji scale. A TikTok DM can carry a question card
with at most 3 reply buttons (§5.6): one tap on "😀 Great", "😐 OK" or "😞 Poor" rates 5, 3 or
1, and typing a number from 1 to 5 works there too.
"""

import re
from collections.abc import Mapping
from datetime import time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from chatsparks.workspaces.models import Workspace
from inbox import dm
from inbox import selectors as inbox_selectors
from inbox import services as inbox_services
from inbox.models import Conversation, Message
from support import selectors
from support.models import RatingRequest, WorkingDay, WorkingHours

# How long after the request an answer still counts as the rating.
RATING_VALID_FOR = timedelta(days=7)
# TikTok Shop stamps messages in whole seconds by its own clock: a buyer's answer may read a
# moment earlier than our record of the request.
CLOCK_SKEW = timedelta(seconds=5)
SCALE = {1: "😞", 2: "🙁", 3: "😐", 4: "🙂", 5: "😀"}
# Satisfied: the ratings the report counts as satisfied (its "customer satisfaction %").
SATISFIED_FROM = 4
SHOP_REQUEST = (
    "Thank you for chatting with us! How did we do? Reply with a number from 1 to 5:\n"
    "5 😀 great · 4 🙂 good · 3 😐 okay · 2 🙁 poor · 1 😞 bad"
)
DM_REQUEST = "Thank you for chatting with us! How did we do? Tap a button, or reply 1 (bad) to 5."
DM_BUTTONS = {"😀 Great": 5, "😐 OK": 3, "😞 Poor": 1}
# A digit from 1 to 5, maybe "/5" or "stars" after it, and nothing but punctuation or emoji
# around it ("5", "4/5", "5 😀", "3!", "5 stars"); "5 stars but slow shipping" is a message.
_RATING = re.compile(r"([1-5])\s*(?:/\s*5)?\s*(?:stars?)?[\W_]*", re.IGNORECASE)
_EMOJI = {emoji: value for value, emoji in SCALE.items()}


class RatingRefused(Exception):
    """The buyer cannot be asked; the message says why, in the teammate's terms."""


class AlreadyAsked(RatingRefused):
    """The buyer was already asked about this session (a second click, a second tab)."""


def rating_in(text: str) -> int | None:
    """The rating a buyer's message gives, or None when it is not one (see ``_RATING``)."""
    words = text.strip()
    for label, value in DM_BUTTONS.items():
        if words.casefold() == label.casefold():
            return value
    if words.replace("\ufe0f", "") in _EMOJI:
        return _EMOJI[words.replace("\ufe0f", "")]
    match = _RATING.fullmatch(words)
    return int(match.group(1)) if match else None


def _request_message(conversation: Conversation) -> tuple[str, str, dict[str, Any]]:
    """The door, text and payload of the request in this conversation's channel."""
    if conversation.channel == Conversation.Channel.SHOP_CHAT:
        return dm.Door.SHOP_CHAT, SHOP_REQUEST, {"csat_request": True}
    return dm.Door.WINDOW, DM_REQUEST, {"csat_request": True, "buttons": list(DM_BUTTONS)}


def conversation_close_with_rating(*, conversation: Conversation, actor: Any) -> RatingRequest:
    """Close the conversation and ask the buyer to rate it, as one action under the
    conversation's lock: a second click finds it closed and already asked (``AlreadyAsked``),
    and nothing is sent twice. Raises ``RatingRefused`` (nothing changed) when the channel
    would not carry the request now: the teammate can still close without one."""
    with transaction.atomic():
        locked = (
            Conversation.unscoped.select_for_update(of=("self",))
            .select_related("contact")
            .get(pk=conversation.pk)
        )
        now = timezone.now()
        started = selectors.session_started_at(conversation=locked, at=now)
        asked = RatingRequest.unscoped.filter(conversation=locked, session_started_at=started)
        if asked.exists():
            raise AlreadyAsked("The buyer was already asked to rate this conversation.")
        if locked.state == Conversation.State.CLOSED:
            raise RatingRefused("The conversation is already closed.")
        blocker = inbox_selectors.reply_blocker(locked)
        if blocker:
            raise RatingRefused(f"No rating request can be sent: {blocker}")
        door, text, payload = _request_message(locked)
        send = dm.dm_queue(conversation=locked, door=door, text=text, payload=payload, author=actor)
        request = RatingRequest.objects.create(
            workspace_id=locked.workspace_id,
            conversation=locked,
            connection_id=locked.connection_id,
            requested_by=actor,
            message=Message.unscoped.get(send=send),
            session_started_at=started,
            requested_at=now,
        )
        inbox_services.conversation_close(conversation=locked, actor=actor)
        inbox_services.system_note_add(
            conversation=locked,
            text=f"{actor.label} asked the buyer to rate the conversation from 1 to 5.",
        )
    return request


def rating_answer_claim(message: Message) -> bool:
    """``inbox.hooks.on_inbound_claim``: the buyer's message is their rating when it reads as
    one and answers the conversation's open request within ``RATING_VALID_FOR``. Then it is
    stored as the rating, marked on the message (so the report does not count it as a buyer
    waiting for an answer) and noted in the thread; the inbox keeps the conversation as it is
    and the flows and helpdesk never see it. Runs in the inbox's transaction, under the
    conversation's lock."""
    if message.direction != Message.Direction.INBOUND or message.kind != Message.Kind.TEXT:
        return False
    value = rating_in(message.text)
    if value is None:
        return False
    request = (
        RatingRequest.objects.for_workspace(message.workspace_id)
        .select_for_update()
        .filter(
            conversation_id=message.conversation_id,
            rating__isnull=True,
            requested_at__lte=message.sent_at + CLOCK_SKEW,
            requested_at__gte=message.sent_at - RATING_VALID_FOR,
        )
        .order_by("-requested_at")
        .first()
    )
    if request is None:
        return False
    request.rating, request.answer, request.rated_at = value, message, message.sent_at
    request.save(update_fields=["rating", "answer", "rated_at"])
    message.payload = {**message.payload, "csat_rating": value}
    Message.unscoped.filter(pk=message.pk).update(payload=message.payload)
    conversation = Conversation.unscoped.get(pk=message.conversation_id)
    inbox_services.system_note_add(
        conversation=conversation,
        text=f"The buyer rated the conversation {value} of 5 {SCALE[value]}.",
    )
    return True


def working_hours_save(
    *,
    workspace: Workspace,
    actor: Any,
    enabled: bool,
    days: Mapping[int, tuple[time, time]],
) -> selectors.Hours:
    """Replace the workspace's working hours: ``days`` maps ISO weekdays (1 Monday … 7 Sunday)
    to opening and closing times (opening first); weekdays left out are closed."""
    for weekday, (opens, closes) in days.items():
        if weekday not in selectors.WEEKDAYS or not opens < closes:
            raise ValueError(f"bad working day {weekday}: {opens}-{closes}")
    with transaction.atomic():
        switch, _ = WorkingHours.unscoped.select_for_update().get_or_create(workspace=workspace)
        switch.enabled = enabled
        switch.updated_by = actor
        switch.save(update_fields=["enabled", "updated_by", "updated_at"])
        WorkingDay.objects.for_workspace(workspace).delete()
        WorkingDay.unscoped.bulk_create(
            WorkingDay(workspace=workspace, weekday=weekday, opens=opens, closes=closes)
            for weekday, (opens, closes) in sorted(days.items())
        )
    return selectors.working_hours_get(workspace=workspace)
