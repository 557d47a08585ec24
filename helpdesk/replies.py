"""Emailed replies to forwarded emails: verified, then sent to the buyer in Shop chat or
bounced to the sender saying why.

An email reaches ``email_reply_receive`` from django-anymail's inbound webhook (the view has
already checked the provider's signature and the webhook secret) or from the
``helpdesk_inbound`` command, which replays an ``.eml`` file through the same function. In
order:
1. The recipient must be a reply address of ours with a valid mac (``helpdesk.addresses``).
   Anything else is logged and dropped: there is no workspace to record it in, and answering
   mail we never asked for would only make backscatter.
2. An email already received (same ``Message-ID``) is not processed again.
3. An automatic answer (an autoresponder's acknowledgement, an out-of-office, a delivery
   report, mail the provider flagged as spam) is recorded as ignored: never sent to a buyer,
   never answered (that is how mail loops start). Only mail that says it is an automatic
   *response* counts: some helpdesks mark everything they send ``Precedence: bulk`` or
   ``Auto-Submitted: auto-generated``, their agents' replies included.
4. The sender must be a member of the workspace (their address or a verified one of theirs);
   like TikTok Shop's own bridge, a helpdesk replies as the account of its support address,
   so the team invites that address. The reply goes out as theirs.
5. No attachments: Shop chat takes the reply's text only, and TikTok warns that an attachment
   can sink the whole email. Pictures inline in the body (a signature's logo) are left out and
   the reply says so; files attached are bounced.
6. The text above the quoted history (``helpdesk.reply_text``) goes to the buyer through
   ``inbox.services.conversation_reply``, in pieces of at most 2000 characters, all queued in
   one transaction or none.
Bounces are rows too: sent after commit, and retried by the beat if the mail server is down.
"""

import logging
import re
from datetime import datetime
from email.errors import HeaderParseError
from typing import Any

from anymail.exceptions import AnymailInvalidAddress
from anymail.inbound import AnymailInboundMessage
from django.db import IntegrityError, transaction
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from helpdesk import addresses, emails, forwarding, selectors
from helpdesk.models import EmailReply
from helpdesk.reply_text import reply_body, split_message
from inbox import dm
from inbox import services as inbox_services
from inbox.models import Conversation, Send

log = logging.getLogger(__name__)

# A reply longer than this many Shop chat messages is more likely a pasted document or a
# runaway quote than an answer: the sender is asked to shorten it.
MAX_PARTS = 10

NOT_A_MEMBER = (
    "Only members of the ChatSparks workspace can answer TikTok Shop buyers by email, and "
    "{address} is not one. If you reply from a helpdesk, ask a workspace owner to invite the "
    "helpdesk's support address as a member."
)
FORWARDING_OFF = (
    "Email forwarding is turned off for this workspace, so replies by email are not sent "
    "either. Reply in ChatSparks instead."
)
NOT_SHOP_CHAT = "Only TikTok Shop chat conversations can be answered by email."
HAS_ATTACHMENTS = (
    "It has {count} attachment{plural} ({names}). TikTok Shop chat takes only the text of a "
    "reply: send it again without attachments, with the text and emoji you want the buyer to "
    "read."
)
EMPTY = (
    "We found no text above the quoted message. Write your answer at the top of the email "
    "and send it again."
)
TOO_LONG = (
    "It is {length} characters long, which would reach the buyer as more than {parts} chat "
    "messages of up to {limit} characters. Shorten it and send it again."
)
CANNOT_SEND = "TikTok Shop chat would not take it: {reason}"


def anymail_inbound(sender: Any, event: Any, esp_name: str, **kwargs: Any) -> None:
    """django-anymail's ``inbound`` signal: one email the provider received for us. An error
    propagates: anymail answers 500 and the provider delivers the email again later."""
    outcome = email_reply_receive(message=event.message, source=esp_name)
    log.info("inbound email via %s: %s", esp_name, outcome)


def email_reply_receive(*, message: AnymailInboundMessage, source: str) -> str:
    """Process one received email; returns what became of it (for logs and the command)."""
    target = _target_of(message)
    if target is None:
        log.warning("inbound email to no reply address of ours; dropped (%s)", _recipients(message))
        return "ignored: not addressed to a reply address"
    conversation = (
        Conversation.objects.for_workspace(target.workspace_id)
        .select_related("contact", "workspace", "connection")
        .filter(pk=target.conversation_id)
        .first()
    )
    if conversation is None:
        log.warning("inbound email for a conversation that is gone; dropped")
        return "ignored: the conversation no longer exists"
    message_id = _one_line(message["Message-ID"] or "")[:255]
    if (
        message_id
        and EmailReply.objects.for_workspace(conversation.workspace_id)
        .filter(message_id=message_id)
        .exists()
    ):
        return "duplicate"
    record = {
        "workspace_id": conversation.workspace_id,
        "conversation": conversation,
        "message_id": message_id,
        "from_address": _sender(message),
        "subject": _one_line(message.subject or "")[:300],
        "source": source[:40],
    }
    try:
        return _decide(message, conversation, record)
    except IntegrityError as error:
        if "helpdesk_reply_once" not in str(error):
            raise
        # The same email, delivered twice at once: the other delivery recorded it.
        return "duplicate"


def _decide(
    message: AnymailInboundMessage, conversation: Conversation, record: dict[str, Any]
) -> str:
    automatic = _automatic(message)
    if automatic:
        return _ignore(record, automatic)
    sender = record["from_address"]
    if not sender:
        return _ignore(record, "It names no sender.")
    member = selectors.member_for_address(workspace=conversation.workspace_id, address=sender)
    if member is None:
        return _bounce(record, NOT_A_MEMBER.format(address=sender))
    record["author"] = member.user
    if selectors.forwarding_settings_active(workspace=conversation.workspace_id) is None:
        return _bounce(record, FORWARDING_OFF)
    if conversation.channel != Conversation.Channel.SHOP_CHAT:
        return _bounce(record, NOT_SHOP_CHAT)
    attached = attachment_names(message)
    if attached:
        reason = HAS_ATTACHMENTS.format(
            count=len(attached), plural="" if len(attached) == 1 else "s", names=", ".join(attached)
        )
        return _bounce(record, reason)
    body = reply_body(text=message.text, html=message.html)
    record["body"] = body
    if not body:
        return _bounce(record, EMPTY)
    parts = split_message(body, limit=dm.SHOP_TEXT_MAX)
    if len(parts) > MAX_PARTS:
        reason = TOO_LONG.format(length=len(body), parts=MAX_PARTS, limit=dm.SHOP_TEXT_MAX)
        return _bounce(record, reason)
    left_out = _inline_pictures(message)
    try:
        with transaction.atomic():
            sends: list[Send] = []
            for part in parts:
                sends += inbox_services.conversation_reply(
                    conversation=conversation, author=member.user, text=part
                )
            EmailReply.objects.create(
                **record,
                state=EmailReply.State.ACCEPTED,
                send_ids=[send.pk for send in sends],
                reason=(
                    f"{left_out} picture{'' if left_out == 1 else 's'} in the email left out: "
                    "Shop chat replies by email carry text only."
                    if left_out
                    else ""
                ),
            )
    except inbox_services.ReplyRefused as refused:
        return _bounce(record, CANNOT_SEND.format(reason=refused))
    return f"sent to the buyer in {len(sends)} message{'' if len(sends) == 1 else 's'}"


def _ignore(record: dict[str, Any], reason: str) -> str:
    with transaction.atomic():
        EmailReply.objects.create(**record, state=EmailReply.State.IGNORED, reason=reason)
    return f"ignored: {reason}"


def _bounce(record: dict[str, Any], reason: str) -> str:
    """Record the refusal and answer the sender once it is committed (the beat retries the
    answer if the mail server is down)."""
    from helpdesk import tasks  # the tasks module imports this one

    with transaction.atomic():
        reply = EmailReply.objects.create(
            **record,
            state=EmailReply.State.BOUNCED,
            reason=reason[:500],
            bounce_state=EmailReply.BounceState.PENDING,
            bounce_due_at=timezone.now(),
        )
        enqueue_on_commit(
            tasks.email_reply_bounce, workspace_id=reply.workspace_id, reply_id=reply.pk
        )
    return f"bounced: {reason}"


# --- Reading the email ------------------------------------------------------------------------


def _one_line(value: str) -> str:
    return re.sub(r"\s+", " ", str(value)).strip()


def _recipients(message: AnymailInboundMessage) -> list[str]:
    """Every address the email was delivered to, the envelope's first: a helpdesk may put
    the reply address in To, Cc, or only in the envelope."""
    found: list[str] = []
    if message.envelope_recipient:
        found.append(str(message.envelope_recipient))
    for header in ("To", "Cc", "Delivered-To", "X-Original-To"):
        found += [address.addr_spec for address in _addresses(message, header)]
    return found


def _addresses(message: AnymailInboundMessage, header: str) -> list[Any]:
    """The addresses in ``header``; none when it cannot be read ("undisclosed-recipients:;",
    a mangled From): one odd header must not make the provider redeliver forever."""
    try:
        return list(message.get_address_header(header))
    except (AnymailInvalidAddress, HeaderParseError, ValueError):
        return []


def _target_of(message: AnymailInboundMessage) -> addresses.ReplyTarget | None:
    for address in _recipients(message):
        target = addresses.reply_target(address)
        if target is not None:
            return target
    return None


def _sender(message: AnymailInboundMessage) -> str:
    senders = _addresses(message, "From")
    if len(senders) != 1:  # none, or several: no one to trust as "the" sender
        return ""
    return str(senders[0].addr_spec).strip().lower()


def _automatic(message: AnymailInboundMessage) -> str:
    """Why ``message`` is an automatic response, or ``""``."""
    submitted = (message["Auto-Submitted"] or "").strip().lower()
    if submitted.startswith(("auto-replied", "auto-notified")):
        return f"It is an automatic reply (Auto-Submitted: {submitted})."
    if any(message[header] for header in ("X-Autoreply", "X-Autorespond", "X-Autoresponder")):
        return "It is an automatic reply."
    if (message["Precedence"] or "").strip().lower() == "auto_reply":
        return "It is an automatic reply (Precedence: auto_reply)."
    if message.get_content_type() == "multipart/report":
        return "It is a delivery report."
    sender = _sender(message)
    if sender.split("@")[0] in ("mailer-daemon", "postmaster"):
        return "It is a delivery report."
    if message.spam_detected:
        return "The mail provider marked it as spam."
    return ""


def attachment_names(message: AnymailInboundMessage) -> list[str]:
    """Files attached to ``message``: anything that is neither its text, nor its HTML, nor a
    picture shown inside the HTML (Content-ID, inline). An attached email counts as one."""
    names: list[str] = []
    parts = [message]
    while parts:
        part = parts.pop(0)
        content_type = part.get_content_type()
        if part is not message and part.get_content_maintype() == "message":
            names.append(part.get_filename() or "an attached email")
            continue
        if part.is_multipart():
            parts = list(part.iter_parts()) + parts
            continue
        disposition = part.get_content_disposition()
        if content_type in ("text/plain", "text/html") and disposition != "attachment":
            continue
        shown_inline = disposition == "inline" or part["Content-ID"] is not None
        if (
            disposition == "attachment"
            or not shown_inline
            or part.get_content_maintype() != "image"
        ):
            names.append(part.get_filename() or content_type)
    return names


def _inline_pictures(message: AnymailInboundMessage) -> int:
    return sum(
        1
        for part in message.walk()
        if part.get_content_maintype() == "image" and part.get_content_disposition() != "attachment"
    )


# --- Bounces ----------------------------------------------------------------------------------


def email_reply_bounce_send(*, workspace_id: int, reply_id: int) -> str:
    """Send one pending bounce. The row stays locked while the mail server is called, so two
    runs never both send it; if the worker dies, the lock goes with it and the bounce is
    still pending (a repeated bounce is harmless, a lost one is not)."""
    with transaction.atomic():
        reply = (
            EmailReply.objects.for_workspace(workspace_id)
            .select_for_update(skip_locked=True)
            .select_related("conversation__workspace")
            .filter(pk=reply_id, bounce_state=EmailReply.BounceState.PENDING)
            .first()
        )
        if reply is None:
            return "skipped-not-pending"
        # Someone outside the workspace learns nothing more than that the reply was refused.
        is_member = reply.author_id is not None
        message = emails.bounce_build(
            to_address=reply.from_address,
            subject=reply.subject,
            reason=reply.reason,
            in_reply_to=reply.message_id,
            conversation_link=emails.conversation_url(reply.conversation) if is_member else "",
        )
        try:
            message.send()
        except Exception as error:  # recorded on the row; the beat tries again
            return _bounce_failed(reply, error)
        reply.bounce_state = EmailReply.BounceState.SENT
        reply.bounce_error = ""
        reply.save(update_fields=["bounce_state", "bounce_error"])
    return "sent"


def _bounce_failed(reply: EmailReply, error: Exception) -> str:
    """Under the row lock taken by ``email_reply_bounce_send``."""
    now = timezone.now()
    reply.bounce_attempts += 1
    reply.bounce_error = f"{error.__class__.__name__}: {error}"[:300]
    reply.bounce_due_at = now + forwarding.backoff(reply.bounce_attempts)
    if now - reply.received_at >= forwarding.GIVE_UP_AFTER:
        reply.bounce_state = EmailReply.BounceState.FAILED
    reply.save(update_fields=["bounce_attempts", "bounce_error", "bounce_due_at", "bounce_state"])
    log.warning("bounce for email reply %s not sent: %s", reply.pk, reply.bounce_error)
    return "failed"


def email_reply_bounces_due_unscoped(*, now: datetime | None = None) -> list[tuple[int, int]]:
    """(workspace_id, reply_id) of bounces whose time has come, all workspaces."""
    now = now or timezone.now()
    return list(
        EmailReply.unscoped.filter(
            bounce_state=EmailReply.BounceState.PENDING, bounce_due_at__lte=now
        )
        .order_by("bounce_due_at")
        .values_list("workspace_id", "pk")[:100]
    )
