"""Running DM flows: finding the door to a commenter, going through the blocks, resuming on
the contact's replies, and handing off to a person when the bot should not go on.

A fired trigger with a published flow starts a ``Run`` on the flow's live version. Its first
DM goes through the first open door (DESIGN.md §5):
1. an open messaging window (the contact wrote within 48 h; fewer than 10 business messages);
2. Comment-to-Message, once TikTok flags the comment high intent: the verdict may come before
   the comment (then it is used at once), or after (``comment_flagged`` opens the door), and
   the flag is re-checked 10 s, 45 s, 3 min and 10 min after the comment; then the log
   records exactly one outcome, a send or "blocked";
3. TikTok Shop chat, when the commenter is a known Shop buyer (``Contact.shop_buyer_id``);
4. otherwise the public reply invited a keyword DM, and the run waits as a pending intent
   until that DM opens a window (or the invitation expires).

A Shop chat trigger starts its run on a buyer's message in TikTok Shop chat instead, through
the Shop chat door at once (where the workspace let the bot answer in that Shop's chat); from
then on the run is the same.

Everything is decided inside the transaction that stored the event; DMs are ``Send`` rows sent
after commit (``inbox.dm``). Waits are ``Run.wake_at``, woken by the ``flows.runs_wake`` beat.
The evaluation log gets a note for each decision: the door taken or why none, and every block
a door had to degrade.
"""

import logging
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Func, Q, Value
from django.utils import timezone

from flows import blocks as flow_blocks
from flows import replies
from flows.conditions import THROTTLE, Facts, keyword_matcher, matches
from flows.handoff import sensitive_hits
from flows.models import (
    AutomationSettings,
    Evaluation,
    FlowVersion,
    PendingIntent,
    Run,
    RunStep,
    Trigger,
)
from inbox import active_contacts, dm
from inbox import services as inbox_services
from inbox.models import Comment, Contact, Conversation, Message
from inbox.selectors import shop_bot_enabled
from integrations.capabilities import Capability, capabilities_for
from integrations.models import Connection, Provider

log = logging.getLogger(__name__)

# When TikTok's high-intent verdict is looked for again, counted from the comment: the
# 45 s / 3 min / 10 min schedule, after a first look at 10 s that also settles the public
# reply (the variant if the verdict came, else the invitation: ``flows.replies``).
INTENT_RECHECKS = (
    timedelta(seconds=10),
    timedelta(seconds=45),
    timedelta(minutes=3),
    timedelta(minutes=10),
)
OVER_LIMIT_RETRY = timedelta(minutes=10)
COMMENT_TO_MESSAGE_MAX_AGE = timedelta(hours=48)
_MAX_STEPS = 50  # a flow that loops on itself stops here


def automation_settings(workspace_id: int) -> AutomationSettings:
    found, _ = AutomationSettings.unscoped.get_or_create(workspace_id=workspace_id)
    return found


def _note(run: Run, note: str) -> None:
    """Add to the evaluation log line of the comment that started ``run``."""
    if run.comment_id is None:
        return
    Evaluation.unscoped.filter(comment_id=run.comment_id).update(
        notes=Func(F("notes"), Value(note[:300]), function="array_append")
    )


def _save(run: Run, **changes: Any) -> None:
    for name, value in changes.items():
        setattr(run, name, value)
    run.save(update_fields=[*changes, "updated_at"])


# -- starting ----------------------------------------------------------------------------------


def _run_create(version: FlowVersion, **fields: Any) -> Run | None:
    """A run at the first block of ``version``, looking for its door; None when the comment or
    message in ``fields`` already started one (the unique constraints on ``Run``)."""
    try:
        with transaction.atomic():
            return Run.objects.create(
                flow_version=version,
                state=Run.State.AWAITING_DOOR,
                position=version.blocks[0]["id"] if version.blocks else "",
                **fields,
            )
    except IntegrityError:
        return None


def run_start(*, trigger: Trigger, comment: Comment) -> Run | None:
    """A fired trigger's flow, started for the commenter (in the firing transaction)."""
    flow = trigger.flow
    version = flow.live_version if flow is not None else None
    if version is None or comment.contact_id is None:
        return None
    run = _run_create(
        version,
        workspace_id=comment.workspace_id,
        connection_id=comment.connection_id,
        trigger=trigger,
        comment=comment,
        contact_id=comment.contact_id,
    )
    if run is None:
        return None
    _door_find(run)
    if run.state == Run.State.AWAITING_DOOR and run.door != Run.Door.KEYWORD_DM:
        replies.reply_hold(comment=comment)  # released when the door is known
    elif run.door == Run.Door.KEYWORD_DM:
        replies.reply_invitation(trigger=trigger, comment=comment)
    else:
        replies.reply_variant(trigger=trigger, comment=comment)
    return run


def _can(connection: Connection, capability: Capability) -> bool:
    live = connection.status in (Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION)
    return live and capability in capabilities_for(
        connection.provider, set(connection.granted_scopes)
    )


def _comment_to_message_possible(run: Run) -> str:
    """Why Comment-to-Message cannot carry this DM, or "" if it may."""
    comment = run.comment
    if comment is None:
        return "no comment to answer"
    if not _can(run.connection, Capability.COMMENT_TO_MESSAGE):
        return "the TikTok connection lacks the messaging permissions"
    if comment.parent_external_id:
        return "Comment-to-Message answers first-level comments only"
    if comment.post is not None and comment.post.kind == "live":
        return "Comment-to-Message does not answer comments on a Live"
    if timezone.now() - comment.commented_at >= COMMENT_TO_MESSAGE_MAX_AGE:
        return "the comment is over 48 hours old"
    return ""


def _shop_connection(run: Run) -> Connection | None:
    """A Shop account whose chat the bot may write in: allowed by TikTok, and switched on by
    the workspace (off by default, so TikTok Shop's own automation and ours never both
    answer a buyer; see ``inbox.models.ShopChatSettings``)."""
    for connection in Connection.objects.for_workspace(run.workspace_id).filter(
        provider=Provider.TIKTOK_SHOP
    ):
        if _can(connection, Capability.SHOP_CHAT) and shop_bot_enabled(connection_id=connection.pk):
            return connection
    return None


def _door_find(run: Run) -> None:
    """Try the doors in order; open the first that is open, else wait or give up honestly."""
    contact = run.contact
    conversation = dm.conversation_for(connection=run.connection, contact=contact)
    if dm.window_open(conversation):
        _door_open(run, conversation, dm.Door.WINDOW, "DM through the open messaging window")
        return
    why_not = _comment_to_message_possible(run)
    comment = run.comment
    if not why_not and comment is not None and comment.high_intent:
        _door_open(
            run, conversation, dm.Door.COMMENT_TO_MESSAGE,
            "DM through Comment-to-Message (TikTok flagged the comment high intent)",
        )  # fmt: skip
        return
    if not why_not and comment is not None and run.intent_checks < len(INTENT_RECHECKS):
        _save(run, wake_at=comment.received_at + INTENT_RECHECKS[run.intent_checks])
        if run.intent_checks == 0:
            _pending_intent(run)
        else:
            # No verdict yet: the public reply can wait no longer, and invites a DM.
            replies.reply_release(trigger=run.trigger, comment=comment, dm_possible=False)
        return
    shop = _shop_connection(run) if contact.shop_buyer_id else None
    if shop is not None:
        chat = dm.conversation_for(
            connection=shop, contact=contact, channel=Conversation.Channel.SHOP_CHAT
        )
        _door_open(run, chat, dm.Door.SHOP_CHAT, "DM through TikTok Shop chat (a known buyer)")
        return
    if why_not:
        blocked = f"no DM door: {why_not}"
    else:
        blocked = "no DM door: TikTok did not flag the comment for Comment-to-Message in 10 minutes"
    _pending_intent(run)
    if comment is not None:
        replies.reply_release(trigger=run.trigger, comment=comment, dm_possible=False)
    intent = run.pending_intent
    _note(run, f"{blocked}; waiting for their DM until {intent.expires_at:%d %b %H:%M} UTC")
    _save(run, wake_at=intent.expires_at, door=Run.Door.KEYWORD_DM)


def _pending_intent(run: Run) -> None:
    days = automation_settings(run.workspace_id).intent_valid_days
    PendingIntent.unscoped.get_or_create(
        run=run,
        defaults={
            "workspace_id": run.workspace_id,
            "connection_id": run.connection_id,
            "contact_id": run.contact_id,
            "expires_at": timezone.now() + timedelta(days=days),
        },
    )


def _door_open(run: Run, conversation: Conversation, door: str, note: str) -> None:
    if run.comment is not None:
        replies.reply_release(trigger=run.trigger, comment=run.comment, dm_possible=True)
    workspace = conversation.workspace
    if not active_contacts.bot_may_reach(workspace=workspace, contact_id=run.contact_id):
        if run.state != Run.State.OVER_LIMIT:
            _note(run, "queued: the plan's monthly active contacts are used up")
        _save(run, state=Run.State.OVER_LIMIT, wake_at=timezone.now() + OVER_LIMIT_RETRY)
        return
    PendingIntent.unscoped.filter(run=run, consumed_at__isnull=True).update(
        consumed_at=timezone.now()
    )
    if not conversation.trigger_id and run.trigger_id:
        Conversation.unscoped.filter(pk=conversation.pk).update(
            trigger_id=run.trigger_id, trigger_name=run.trigger.name if run.trigger else ""
        )
    _note(run, note)
    _save(run, conversation=conversation, door=door, state=Run.State.WAITING_TIMER, wake_at=None)
    _advance(run)


# -- going through the blocks ------------------------------------------------------------------


def _blocks(run: Run) -> tuple[list[dict[str, Any]], dict[str, int]]:
    blocks = list(run.flow_version.blocks)
    return blocks, {b["id"]: n for n, b in enumerate(blocks)}


def _next_id(blocks: list[dict[str, Any]], index: dict[str, int], block: dict[str, Any]) -> str:
    goto = block.get("goto", "")
    if goto:
        return "" if goto == "end" else goto
    n = index[block["id"]] + 1
    return blocks[n]["id"] if n < len(blocks) else ""


def _context(run: Run, blocks: list[dict[str, Any]]) -> flow_blocks.Context:
    contact = Contact.unscoped.get(pk=run.contact_id)
    return flow_blocks.Context(
        handle=contact.handle,
        fields=dict(contact.fields),
        catalog=flow_blocks.catalog_for(run.workspace_id, flow_blocks.skus_named(blocks)),
    )


def _can_send(run: Run, conversation: Conversation) -> bool:
    if run.door in (dm.Door.COMMENT_TO_MESSAGE, dm.Door.SHOP_CHAT):
        return True
    return dm.window_open(conversation)


def _advance(run: Run) -> None:
    """Run blocks from ``run.position`` until one waits (a reply, a timer, a person) or the
    flow ends. Messages from consecutive blocks go into one DM through Comment-to-Message,
    which carries a single text; any other door sends one DM per message."""
    assert run.conversation_id is not None
    conversation = Conversation.unscoped.select_related("workspace").get(pk=run.conversation_id)
    if conversation.state == Conversation.State.HUMAN:
        _save(run, state=Run.State.HANDED_OFF, wake_at=None)
        return
    blocks, index = _blocks(run)
    context = _context(run, blocks)
    bundle: list[flow_blocks.Outgoing] = []
    position = run.position
    for _ in range(_MAX_STEPS):
        if not position or position not in index:
            _flush(run, conversation, bundle)
            _finish(run, conversation)
            return
        block = blocks[index[position]]
        kind = block["type"]
        outgoing = flow_blocks.compose(block, door=run.door, context=context)
        for message in outgoing:
            # Which run and step said it: attribution credits an order to them.
            message.payload["block"] = block["id"]
        if outgoing and not bundle and not _can_send(run, conversation):
            # Waiting for the contact to write: TikTok allows no DM until they do.
            _save(run, position=position, state=Run.State.WAITING_REPLY, wake_at=None)
            _note(run, "waiting for the contact to write before the next message")
            return
        notes = [n for o in outgoing for n in o.notes]
        RunStep.objects.create(
            workspace_id=run.workspace_id,
            run=run,
            block_id=block["id"],
            block_type=kind,
            note="; ".join(notes)[:300],
        )
        for note in notes:
            _note(run, note)
        bundle += outgoing
        if run.door != dm.Door.COMMENT_TO_MESSAGE:
            _flush(run, conversation, bundle)
            bundle = []
        if kind in flow_blocks.WAITS_FOR_REPLY:
            _flush(run, conversation, bundle)
            _save(run, position=position, state=Run.State.WAITING_REPLY, wake_at=None)
            Conversation.unscoped.filter(pk=conversation.pk, state=Conversation.State.BOT).update(
                state=Conversation.State.WAITING
            )
            return
        if kind == "branch":
            value = str(context.fields.get(block.get("field", ""), "")).strip().casefold()
            target = next(
                (c.get("goto", "") for c in block.get("cases", [])
                 if str(c.get("equals", "")).strip().casefold() == value),
                block.get("else_goto", ""),
            )  # fmt: skip
            position = ("" if target == "end" else target) or _next_id(blocks, index, block)
            continue
        if kind == "tag":
            _tag(run.contact_id, str(block["tag"]).strip())
        if kind == "handoff":
            _flush(run, conversation, bundle)
            reason = str(block.get("reason") or "the flow asked for a person")
            _save(run, position=_next_id(blocks, index, block), state=Run.State.HANDED_OFF)
            inbox_services.conversation_hand_off(conversation=conversation, reason=reason)
            return
        if kind == "wait":
            _flush(run, conversation, bundle)
            wake = timezone.now() + timedelta(seconds=int(block["seconds"]))
            _save(
                run,
                position=_next_id(blocks, index, block),
                state=Run.State.WAITING_TIMER,
                wake_at=wake,
            )
            return
        position = _next_id(blocks, index, block)
    log.warning("run %s: stopped after %s steps (a loop in the flow?)", run.pk, _MAX_STEPS)
    _flush(run, conversation, bundle)
    _finish(run, conversation)


def _flush(run: Run, conversation: Conversation, bundle: list[flow_blocks.Outgoing]) -> None:
    if not bundle:
        return
    first_dm = run.door == dm.Door.COMMENT_TO_MESSAGE
    if first_dm:
        # One text: buttons are already numbered, cards already text for this door.
        with_product = [o for o in bundle if "product" in o.payload]
        outgoing = [
            flow_blocks.Outgoing(
                text="\n\n".join(o.text for o in bundle if o.text)[: flow_blocks.MAX_TEXT * 6],
                payload=dict((with_product or bundle)[0].payload),
            )
        ]
    else:
        outgoing = bundle
    for message in outgoing:
        try:
            with transaction.atomic():
                dm.dm_queue(
                    conversation=conversation,
                    door=run.door,
                    text=message.text,
                    payload={**message.payload, "run": run.pk},
                    comment=run.comment if first_dm else None,
                )
        except IntegrityError:
            _note(run, "not sent: this comment already had its DM")
            continue
    if first_dm:
        # TikTok opens no window with a Comment-to-Message DM: from now on the contact must
        # write first, and then the window carries the rest of the flow.
        _save(run, door=dm.Door.WINDOW)
    bundle.clear()


def _finish(run: Run, conversation: Conversation) -> None:
    _save(run, position="", state=Run.State.DONE, wake_at=None)
    Conversation.unscoped.filter(pk=conversation.pk, state=Conversation.State.WAITING).update(
        state=Conversation.State.BOT
    )


def _tag(contact_id: int, tag: str) -> None:
    contact = Contact.unscoped.select_for_update().get(pk=contact_id)
    if tag and tag not in contact.tags:
        contact.tags = [*contact.tags, tag]
        contact.save(update_fields=["tags"])


# -- the contact writes ------------------------------------------------------------------------


def _active_run(conversation: Conversation) -> Run | None:
    """The run talking in ``conversation``, or one of its account's runs still looking for a
    way to reach this contact (no conversation yet: a pending keyword DM)."""
    return (
        Run.objects.for_workspace(conversation.workspace_id)
        .select_for_update(of=("self",))
        .select_related("flow_version", "connection", "comment", "trigger", "contact")
        .filter(
            Q(conversation_id=conversation.pk)
            | Q(
                conversation__isnull=True,
                connection_id=conversation.connection_id,
                contact_id=conversation.contact_id,
            ),
            state__in=Run.ACTIVE_STATES,
        )
        .order_by("-started_at", "-id")
        .first()
    )


def _match_option(block: dict[str, Any], text: str) -> str | None:
    answer = text.strip().casefold().rstrip(".")
    labels = [o["label"].strip() for o in block.get("options", [])]
    if answer.isdigit() and 1 <= int(answer) <= len(labels):
        return labels[int(answer) - 1]
    return next((label for label in labels if label.casefold() == answer), None)


def message_received(message: Message) -> None:
    """The inbox's hook for every new inbound message: a TikTok DM, or a buyer's message in
    TikTok Shop chat where the workspace switched the bot on for that Shop (elsewhere TikTok
    Shop's own automation answers, and the inbox gave the chat to a person)."""
    conversation = Conversation.unscoped.select_related("workspace").get(pk=message.conversation_id)
    shop_chat = conversation.channel == Conversation.Channel.SHOP_CHAT
    if shop_chat:
        if not shop_bot_enabled(connection_id=conversation.connection_id):
            return
    elif conversation.channel != Conversation.Channel.TIKTOK_DM:
        return
    hits = sensitive_hits(workspace_id=conversation.workspace_id, text=message.text)
    for hit in hits:
        if hit.tag:
            _tag(conversation.contact_id, hit.tag)
    run = _active_run(conversation)
    handoff = next((h for h in hits if h.handoff), None)
    if handoff is not None:
        if run is not None:
            _save(run, state=Run.State.HANDED_OFF, wake_at=None)
        if conversation.state != Conversation.State.HUMAN:
            inbox_services.conversation_hand_off(
                conversation=conversation, reason=f"they wrote “{handoff.phrase}”"
            )
        return
    if conversation.state == Conversation.State.HUMAN:
        return  # a person has it: the bot says nothing
    if run is None and shop_chat:
        unmatched = _shop_chat_trigger(conversation, message)
        if unmatched:
            inbox_services.conversation_hand_off(conversation=conversation, reason=unmatched)
        return
    if run is None or run.state in (Run.State.HANDED_OFF, Run.State.OVER_LIMIT):
        if run is None:
            inbox_services.conversation_hand_off(
                conversation=conversation, reason="a DM outside any flow (the bot never improvises)"
            )
        return
    if run.state == Run.State.AWAITING_DOOR:
        _door_open(
            run, conversation, dm.Door.WINDOW,
            "they wrote to us: DM through the messaging window that opened",
        )  # fmt: skip
        return
    if run.state != Run.State.WAITING_REPLY:
        return  # a reply during a Wait: the flow goes on when the wait ends
    _answer(run, conversation, message)


def _shop_chat_trigger(conversation: Conversation, message: Message) -> str:
    """A buyer's message in Shop chat, no flow under way: the first active Shop chat trigger of
    the Shop that matches (by priority) starts its flow there, unless it already did for this
    buyer in the last 24 hours. Returns "" when a flow started, else why a person should
    answer."""
    triggers = list(
        Trigger.objects.for_workspace(conversation.workspace_id)
        .filter(
            connection_id=conversation.connection_id,
            source=Trigger.Source.SHOP_CHAT,
            status=Trigger.Status.ACTIVE,
            flow__live_version__isnull=False,
        )
        .select_related("flow__live_version")
        .order_by("priority", "id")
    )
    unmatched = "a Shop chat message no trigger matched (the bot never improvises)"
    if not triggers:
        return unmatched
    facts = Facts(
        text=message.text,
        workspace_id=conversation.workspace_id,
        keyword_hits=set(keyword_matcher(conversation.connection_id, triggers).match(message.text)),
    )
    trigger = next((t for t in triggers if matches(t, facts)), None)
    if trigger is None:
        return unmatched
    recently = Run.objects.for_workspace(conversation.workspace_id).filter(
        trigger=trigger,
        contact_id=conversation.contact_id,
        started_at__gte=timezone.now() - THROTTLE,
    )
    if recently.exists():
        return f"“{trigger.name}” already answered this buyer in the last 24 hours"
    flow = trigger.flow
    version = flow.live_version if flow is not None else None
    if flow is None or version is None:  # filtered above; kept honest for the type checker
        return unmatched
    run = _run_create(
        version,
        workspace_id=conversation.workspace_id,
        connection_id=conversation.connection_id,
        trigger=trigger,
        message=message,
        contact_id=conversation.contact_id,
    )
    if run is None:
        return ""
    inbox_services.system_note_add(
        conversation=conversation,
        text=f"“{trigger.name}” matched the buyer's message: flow “{flow.name}” "
        f"v{version.number} answers.",
    )
    _door_open(run, conversation, dm.Door.SHOP_CHAT, "the buyer wrote in TikTok Shop chat")
    return ""


def _answer(run: Run, conversation: Conversation, message: Message) -> None:
    blocks, index = _blocks(run)
    block = blocks[index[run.position]] if run.position in index else None
    if run.conversation_id != conversation.pk:
        _save(run, conversation=conversation)
    if block is None or block["type"] not in flow_blocks.WAITS_FOR_REPLY:
        # It was waiting for the window to open, not for an answer.
        _advance(run)
        return
    answer = message.text.strip()
    if block["type"] == "quick_replies":
        choice = _match_option(block, answer)
        if choice is None:
            threshold = automation_settings(run.workspace_id).free_text_handoff_after
            count = run.free_text_count + 1
            _save(run, free_text_count=count)
            if count >= threshold:
                _save(run, state=Run.State.HANDED_OFF)
                inbox_services.conversation_hand_off(
                    conversation=conversation,
                    reason=f"free text {count} times in a row to a quick-reply question",
                )
                return
            _advance(run)  # ask again
            return
        answer = choice
    field = str(block.get("field") or ("choice" if block["type"] == "quick_replies" else ""))
    if field:
        contact = Contact.unscoped.select_for_update().get(pk=run.contact_id)
        contact.fields = {**contact.fields, field: answer}
        contact.save(update_fields=["fields"])
    _save(run, position=_next_id(blocks, index, block), free_text_count=0)
    Conversation.unscoped.filter(pk=conversation.pk, state=Conversation.State.WAITING).update(
        state=Conversation.State.BOT
    )
    _advance(run)


def comment_flagged(comment: Comment) -> None:
    """The inbox's hook: TikTok's high-intent verdict arrived after the comment."""
    run = (
        Run.objects.for_workspace(comment.workspace_id)
        .select_for_update(of=("self",))
        .select_related("flow_version", "connection", "comment", "trigger", "contact")
        .filter(comment=comment, state=Run.State.AWAITING_DOOR)
        .first()
    )
    if run is not None:
        _door_find(run)


def conversation_handed_back(conversation: Conversation) -> None:
    """The inbox's hook: a teammate gave the conversation back; the flow resumes where it
    left off. A run the bot had handed off continues after its Handoff block; one waiting on
    a question keeps waiting, and the contact's next message answers it."""
    run = _active_run(conversation)
    if run is not None and run.state == Run.State.HANDED_OFF and run.conversation_id:
        _save(run, state=Run.State.WAITING_TIMER, free_text_count=0)
        _advance(run)


# -- waking ------------------------------------------------------------------------------------


def runs_due_unscoped(limit: int = 200) -> list[tuple[int, int]]:
    """(workspace_id, run_id) of runs whose wait is over, all workspaces."""
    return list(
        Run.unscoped.filter(wake_at__lte=timezone.now())
        .order_by("wake_at")
        .values_list("workspace_id", "pk")[:limit]
    )


def run_wake(*, workspace_id: int, run_id: int) -> str:
    """One due run: a Wait is over, a high-intent re-check, room under the plan again, or an
    invitation expiring. Locked and re-checked, so two beats never wake it twice."""
    with transaction.atomic():
        run = (
            Run.objects.for_workspace(workspace_id)
            .select_for_update(of=("self",), skip_locked=True)
            .select_related("flow_version", "connection", "comment", "trigger", "contact")
            .filter(pk=run_id, wake_at__lte=timezone.now())
            .first()
        )
        if run is None:
            return "not due"
        if run.state == Run.State.WAITING_TIMER:
            _save(run, wake_at=None)
            _advance(run)
            return "wait over"
        if run.state == Run.State.OVER_LIMIT:
            conversation = (
                Conversation.unscoped.get(pk=run.conversation_id) if run.conversation_id else None
            )
            if conversation is None:
                _save(run, state=Run.State.AWAITING_DOOR, wake_at=None)
                _door_find(run)
            else:
                _door_open(
                    run, conversation, run.door or dm.Door.WINDOW, "room under the plan again"
                )
            return "limit re-checked"
        if run.state == Run.State.AWAITING_DOOR:
            if run.door == Run.Door.KEYWORD_DM:
                _save(run, state=Run.State.BLOCKED, wake_at=None)
                _note(run, "no DM: the invitation expired before they wrote")
                return "invitation expired"
            _save(run, intent_checks=run.intent_checks + 1, wake_at=None)
            _door_find(run)
            return "intent re-checked"
        _save(run, wake_at=None)
        return "nothing to do"
