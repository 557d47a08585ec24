"""Buyer messages to the helpdesk: collected per conversation while the buyer is writing, and
sent as one email once the buyer has been quiet for the workspace's window.

Two halves meet in ``ForwardedEmail`` rows (their docstring has the state machine):
- ``message_received``, the inbox hook, runs inside the transaction that stores each new buyer
  message and does one cheap thing: it adds the message to the conversation's collecting row
  (or opens one) and moves the row's ``due_at`` to the message's time plus the window;
- ``forwarded_emails_send_due_unscoped``, woken by beat every 30 seconds, claims due rows one
  at a time with ``SELECT … FOR UPDATE SKIP LOCKED`` (two runs never claim the same row),
  commits ``sending``, then talks to the mail server. A server that is down leaves the row
  ``pending`` with its next try in the database, so nothing is lost and nothing waits in a
  Celery countdown; after a day of failures the row is ``failed`` and the panel says why.
"""

import logging
import smtplib
import time
from datetime import datetime, timedelta

from django.core.mail import make_msgid
from django.db import IntegrityError, transaction
from django.utils import timezone

from helpdesk import addresses, emails, selectors
from helpdesk.models import ForwardedEmail
from inbox.models import Conversation, Message

log = logging.getLogger(__name__)

# Kinds that are the buyer's words or things; system notes never leave ChatSparks.
_NOT_FORWARDED = (Message.Kind.SYSTEM, Message.Kind.NOTE)
# A row left "sending" this long lost its worker mid-send: it is tried again.
STUCK_AFTER = timedelta(minutes=10)
# Failed attempts are retried for this long, then the row is "failed".
GIVE_UP_AFTER = timedelta(days=1)
BACKOFF_MAX = timedelta(hours=1)
# One beat run stops claiming after this, well inside the task's time limit.
RUN_BUDGET_SECONDS = 60.0


def message_received(message: Message) -> None:
    """The inbox hook (``inbox.hooks.on_message_received``): a new message from a contact."""
    if message.direction != Message.Direction.INBOUND or message.kind in _NOT_FORWARDED:
        return
    if message.conversation.channel != Conversation.Channel.SHOP_CHAT:
        return
    active = selectors.forwarding_settings_active(workspace=message.workspace_id)
    if active is None:
        return
    forwarded_email_collect(message=message, window=timedelta(minutes=active.window_minutes))


def forwarded_email_collect(*, message: Message, window: timedelta) -> ForwardedEmail:
    """Add ``message`` to its conversation's collecting email, opening one if there is none.

    Runs in the caller's transaction. The collecting row is locked while it changes, so two
    messages arriving together both land in it; if two transactions open one at once, the
    partial unique index lets one win and the other joins it. A collecting row whose window
    ended before this message was written is complete: it is closed (beat sends it) and the
    message starts the next one, even when beat has not got to it yet."""
    due = message.sent_at + window
    with transaction.atomic():  # a savepoint in the ingest's transaction; one if it has none
        return _collect(message, due)


def _collect(message: Message, due: datetime) -> ForwardedEmail:
    for attempt in range(2):
        collecting = (
            ForwardedEmail.objects.for_workspace(message.workspace_id)
            .select_for_update()
            .filter(conversation_id=message.conversation_id, closed_at__isnull=True)
            .first()
        )
        if collecting is not None and collecting.due_at <= message.sent_at:
            collecting.closed_at = timezone.now()
            collecting.save(update_fields=["closed_at"])
            collecting = None
        if collecting is not None:
            if message.pk not in collecting.message_ids:
                collecting.message_ids = [*collecting.message_ids, message.pk]
            collecting.first_message_at = min(collecting.first_message_at, message.sent_at)
            collecting.last_message_at = max(collecting.last_message_at, message.sent_at)
            collecting.due_at = max(collecting.due_at, due)
            collecting.save(
                update_fields=["message_ids", "first_message_at", "last_message_at", "due_at"]
            )
            return collecting
        try:
            with transaction.atomic():
                return ForwardedEmail.objects.create(
                    workspace_id=message.workspace_id,
                    conversation_id=message.conversation_id,
                    message_ids=[message.pk],
                    first_message_at=message.sent_at,
                    last_message_at=message.sent_at,
                    due_at=due,
                )
        except IntegrityError:
            if attempt:
                raise
    raise AssertionError("unreachable")


# --- Sending -----------------------------------------------------------------------------------


def forwarded_emails_send_due_unscoped(*, now: datetime | None = None, limit: int = 100) -> str:
    """Beat, all workspaces: send every email whose time has come. ``now`` is for tests."""
    now = now or timezone.now()
    requeued = forwarded_emails_requeue_stuck_unscoped(now=now)
    deadline = time.monotonic() + RUN_BUDGET_SECONDS
    outcomes: dict[str, int] = {}
    for _ in range(limit):
        if time.monotonic() > deadline:
            break
        email = _claim_next_due(now)
        if email is None:
            break
        skipped = email.state == ForwardedEmail.State.SKIPPED
        outcome = email.state if skipped else _attempt(email, now=now)
        outcomes[outcome] = outcomes.get(outcome, 0) + 1
        if outcome == ForwardedEmail.State.PENDING:
            # The mail server is down or refusing for now: the rest can wait for the next run
            # rather than each waiting out its own timeout.
            break
    summary = ", ".join(f"{state} {count}" for state, count in sorted(outcomes.items()))
    return f"{summary or 'nothing due'}; requeued {requeued}"


def _claim_next_due(now: datetime) -> ForwardedEmail | None:
    """Lock the oldest due row no other run holds and commit it as ``sending`` (or
    ``skipped`` when forwarding was turned off meanwhile)."""
    with transaction.atomic():
        email = (
            ForwardedEmail.unscoped.select_for_update(skip_locked=True)
            .filter(state=ForwardedEmail.State.PENDING, due_at__lte=now)
            .order_by("due_at", "pk")
            .first()
        )
        if email is None:
            return None
        email.closed_at = email.closed_at or now
        active = selectors.forwarding_settings_active(workspace=email.workspace_id)
        if active is None:
            email.state = ForwardedEmail.State.SKIPPED
            email.error = "Forwarding was turned off before this email went out."
            email.save(update_fields=["state", "error", "closed_at"])
            return email
        if not email.message_id:
            domain = addresses.inbound_domain() or None
            email.message_id = make_msgid(idstring=f"fwd{email.pk}", domain=domain)
        email.to_address = active.address
        email.state = ForwardedEmail.State.SENDING
        email.attempts += 1
        email.sending_since = now
        email.save(
            update_fields=[
                "closed_at",
                "message_id",
                "to_address",
                "state",
                "attempts",
                "sending_since",
            ]
        )
    return email


def _attempt(email: ForwardedEmail, *, now: datetime) -> str:
    """One try at sending a claimed row; returns the row's state after it."""
    conversation = (
        Conversation.objects.for_workspace(email.workspace_id)
        .select_related("contact", "workspace", "connection")
        .get(pk=email.conversation_id)
    )
    messages = Message.objects.for_workspace(email.workspace_id).filter(
        conversation=conversation, pk__in=email.message_ids
    )
    anchor = addresses.thread_anchor(
        workspace_id=email.workspace_id, conversation_id=conversation.pk
    )
    previous = (
        ForwardedEmail.objects.for_workspace(email.workspace_id)
        .filter(conversation=conversation, state=ForwardedEmail.State.SENT, pk__lt=email.pk)
        .order_by("-pk")
        .values_list("message_id", flat=True)
        .first()
    )
    subject = emails.subject_for(conversation.contact)
    try:
        message = emails.forwarded_email_build(
            conversation=conversation,
            messages=messages,
            to_address=email.to_address,
            message_id=email.message_id,
            references=[anchor, previous] if previous else [anchor],
        )
        message.send()
    except Exception as error:  # whatever the backend raises is recorded on the row, by class
        return _failed(email, error, subject=subject, now=now)
    ForwardedEmail.objects.for_workspace(email.workspace_id).filter(pk=email.pk).update(
        state=ForwardedEmail.State.SENT,
        subject=subject[:300],
        sent_at=now,
        sending_since=None,
        error="",
    )
    return ForwardedEmail.State.SENT


def _failed(email: ForwardedEmail, error: Exception, *, subject: str, now: datetime) -> str:
    reason = _describe(error)
    gave_up = email.closed_at is not None and now - email.closed_at >= GIVE_UP_AFTER
    if _is_permanent(error) or gave_up:
        state = ForwardedEmail.State.FAILED
        due = email.due_at
        log.warning("forwarded email %s failed for good: %s", email.pk, reason)
    else:
        state = ForwardedEmail.State.PENDING
        due = now + backoff(email.attempts)
        log.warning("forwarded email %s: attempt %s failed: %s", email.pk, email.attempts, reason)
    ForwardedEmail.objects.for_workspace(email.workspace_id).filter(pk=email.pk).update(
        state=state, due_at=due, error=reason[:300], subject=subject[:300], sending_since=None
    )
    return state


def backoff(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after the attempt, then hourly."""
    return min(timedelta(minutes=2 ** max(attempts - 1, 0)), BACKOFF_MAX)


def _is_permanent(error: Exception) -> bool:
    """The server answered 5xx for this email: trying again gets the same answer."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    return False


def _text(value: object) -> str:
    return value.decode(errors="replace") if isinstance(value, bytes) else str(value)


def _describe(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        refusals = "; ".join(
            f"{address}: {code} {_text(text)}" for address, (code, text) in error.recipients.items()
        )
        return f"The mail server refused the helpdesk address ({refusals})."
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered {error.smtp_code}: {_text(error.smtp_error)}"
    if isinstance(error, OSError):
        return f"Could not reach the mail server ({error.__class__.__name__}: {error})."
    return f"{error.__class__.__name__}: {error}"


def forwarded_emails_requeue_stuck_unscoped(*, now: datetime) -> int:
    """Rows a lost worker left ``sending``: due again, with the same Message-ID (a helpdesk
    that did get the first try drops the repeat)."""
    return ForwardedEmail.unscoped.filter(
        state=ForwardedEmail.State.SENDING, sending_since__lt=now - STUCK_AFTER
    ).update(
        state=ForwardedEmail.State.PENDING,
        due_at=now,
        sending_since=None,
        error="Interrupted while sending; sending again.",
    )
