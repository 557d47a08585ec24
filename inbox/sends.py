"""Carrying out a Send row (see ``Send``'s docstring for the state machine): the shared
claim-and-finish steps, and public replies under comments (DMs are in ``inbox.dm``)."""

import logging
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from inbox.models import Send
from integrations import ratelimit, tokens
from integrations.capabilities import Capability, capabilities_for
from integrations.clients.errors import PlatformError, RateLimited, Rejected, Transient
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.models import Connection

log = logging.getLogger(__name__)

# A send still "sending" after this long lost its worker mid-call: reconcile it.
STUCK_AFTER = timedelta(minutes=2)


class SendDeferred(Exception):
    """TikTok asked us to wait (or was unreachable before anything was sent); the row is
    ``pending`` again and the caller retries after ``retry_after`` seconds."""

    def __init__(self, retry_after: float) -> None:
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = retry_after


def finish(send: Send, state: str, *, provider_id: str = "", error: str = "") -> str:
    Send.unscoped.filter(pk=send.pk).update(
        state=state, provider_id=provider_id, error=error[:300], updated_at=timezone.now()
    )
    return state


def claim(send_id: int, related: tuple[str, ...] = ("comment", "connection")) -> Send | None:
    """Move a pending row to ``sending`` and commit that before any network call."""
    with transaction.atomic():
        send = (
            Send.unscoped.select_for_update(of=("self",))
            .select_related(*related)
            .filter(pk=send_id)
            .first()
        )
        if send is None or send.state != Send.State.PENDING:
            return None
        send.state = Send.State.SENDING
        send.attempts += 1
        send.sending_since = timezone.now()
        send.save(update_fields=["state", "attempts", "sending_since", "updated_at"])
    return send


def _skip_reason(send: Send) -> str:
    connection = send.connection
    if connection.status not in (Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION):
        return f"the TikTok connection is {connection.get_status_display().lower()}"
    granted = set(connection.granted_scopes)
    if Capability.PUBLIC_REPLY not in capabilities_for(connection.provider, granted):
        return "the TikTok connection lacks the comment.list.manage permission"
    return ""


def public_reply_send(*, send_id: int) -> str:
    """Post a public reply. Returns the row's final state for this attempt."""
    send = claim(send_id)
    if send is None:
        return "skipped-not-pending"
    reason = _skip_reason(send)
    if reason:
        return finish(send, Send.State.SKIPPED, error=reason)
    comment = send.comment
    assert comment is not None
    wait = ratelimit.acquire(connection_id=send.connection_id, endpoint="comment_reply")
    if wait:
        finish(send, Send.State.PENDING)
        raise SendDeferred(wait)

    def reply(token: str) -> dict[str, object]:
        with TikTokBusinessClient(access_token=token) as client:
            return client.comment_reply(
                business_id=send.connection.external_id,
                video_id=comment.post_external_id,
                comment_id=comment.external_id,
                text=send.text,
            )

    try:
        data = tokens.with_fresh_token(send.connection, reply)
    except RateLimited as error:
        # Refused before anything happened: safe to send again later, and nothing else on
        # this account's bucket goes out until TikTok's wait is over.
        ratelimit.pause(
            connection_id=send.connection_id, endpoint="comment_reply", seconds=error.retry_after
        )
        finish(send, Send.State.PENDING, error=str(error))
        raise SendDeferred(error.retry_after) from error
    except Rejected as error:
        return finish(send, Send.State.FAILED, error=str(error))
    except Transient:
        # The reply may or may not have been posted: leave it "sending" for reconciliation.
        log.warning("public reply %s: outcome unknown, will reconcile", send.pk)
        return Send.State.SENDING
    except PlatformError as error:
        return finish(send, Send.State.FAILED, error=str(error))
    return finish(send, Send.State.SENT, provider_id=str(data.get("comment_id", "")))


def public_reply_reconcile(*, send: Send) -> str:
    """A reply stuck in ``sending``: look under the comment for our reply. Found: sent. Not
    found: it never reached TikTok, so it is pending again. TikTok unreachable: unknown."""
    comment = send.comment
    assert comment is not None

    def replies(token: str) -> list[dict[str, object]]:
        with TikTokBusinessClient(access_token=token) as client:
            return client.comment_replies(
                business_id=send.connection.external_id,
                video_id=comment.post_external_id,
                comment_id=comment.external_id,
            )

    try:
        found = tokens.with_fresh_token(send.connection, replies)
    except PlatformError as error:
        return finish(send, Send.State.UNKNOWN, error=f"could not check: {error}")
    ours = next((r for r in found if r.get("owner") and r.get("text") == send.text), None)
    if ours is not None:
        return finish(send, Send.State.SENT, provider_id=str(ours.get("comment_id", "")))
    return finish(send, Send.State.PENDING, error="not found at TikTok; will send again")


def sends_stuck_unscoped() -> list[tuple[int, int]]:
    """(workspace_id, send_id) of rows left in ``sending`` by a lost worker, all workspaces."""
    return list(
        Send.unscoped.filter(
            state=Send.State.SENDING, sending_since__lt=timezone.now() - STUCK_AFTER
        ).values_list("workspace_id", "pk")
    )


def sends_cancel_for_connection(connection: Connection, reason: str) -> None:
    """Integrations' pause hook: nothing still waiting to go out on this account is sent."""
    Send.objects.for_workspace(connection.workspace_id).filter(
        connection=connection, state=Send.State.PENDING
    ).update(state=Send.State.SKIPPED, error=f"account {reason}"[:300], updated_at=timezone.now())
