import random

from celery import Task, shared_task

from inbox import active_contacts, dm, selectors, sends, services, shop_chat
from inbox.models import Send
from integrations.clients.errors import RateLimited, Rejected, ScopeMissing, TokenInvalid, Transient
from integrations.models import Connection


def _jittered(seconds: float) -> float:
    return seconds + random.uniform(0, min(5.0, 1 + seconds / 4))  # noqa: S311 - jitter


@shared_task(name="sends.public_reply", bind=True, max_retries=8)
def public_reply(self: Task, *, workspace_id: int, send_id: int) -> str:
    if not Send.objects.for_workspace(workspace_id).filter(pk=send_id).exists():
        return "skipped-missing"
    try:
        return sends.public_reply_send(send_id=send_id)
    except sends.SendDeferred as deferred:
        raise self.retry(countdown=_jittered(deferred.retry_after)) from deferred


@shared_task(name="sends.dm_flush", bind=True, max_retries=8)
def dm_flush(self: Task, *, workspace_id: int, conversation_id: int) -> str:
    """Send a conversation's queued DMs in order. A long wait gives up the retries: the
    ``sends.recover_stuck`` beat starts the flush again from the database."""
    if (
        not Send.objects.for_workspace(workspace_id)
        .filter(conversation_id=conversation_id)
        .exists()
    ):
        return "skipped-missing"
    try:
        return f"sent {dm.dm_flush(conversation_id=conversation_id)}"
    except sends.SendDeferred as deferred:
        raise self.retry(countdown=_jittered(deferred.retry_after)) from deferred


@shared_task(name="sends.recover_stuck")
def recover_stuck() -> str:
    """Beat: reconcile sends a lost worker left in ``sending`` (resend only what provably
    never reached TikTok) and restart DM flushes that were lost or gave up."""
    resent = 0
    for workspace_id, send_id in sends.sends_stuck_unscoped():
        send = (
            Send.objects.for_workspace(workspace_id)
            .select_related("comment", "connection", "conversation")
            .get(pk=send_id)
        )
        if send.kind == Send.Kind.PUBLIC_REPLY:
            if sends.public_reply_reconcile(send=send) == Send.State.PENDING:
                public_reply.delay(workspace_id=workspace_id, send_id=send_id)
                resent += 1
        elif dm.dm_reconcile(send=send) == Send.State.PENDING:
            resent += 1
    for workspace_id, conversation_id in dm.dms_due_unscoped():
        dm_flush.delay(workspace_id=workspace_id, conversation_id=conversation_id)
    return f"resent {resent}"


@shared_task(name="inbox.usage_alert_send")
def usage_alert_send(*, workspace_id: int, threshold: int) -> str:
    return active_contacts.alert_send(workspace_id=workspace_id, threshold=threshold)


@shared_task(name="inbox.conversations_close_expired")
def conversations_close_expired() -> str:
    """Beat: a Waiting conversation closes when TikTok's messaging window ends."""
    return f"closed {services.conversations_close_expired_unscoped()}"


@shared_task(
    name="sync.shop_chat",
    bind=True,
    autoretry_for=(Transient,),
    retry_backoff=15,
    retry_jitter=True,
    max_retries=4,
)
def shop_chat_sync(self: Task, *, workspace_id: int, connection_id: int) -> str:
    """One Shop account's chats: what webhooks 13 and 14 missed, and TikTok's word on who
    the seller may still write to."""
    connection = Connection.objects.for_workspace(workspace_id).filter(pk=connection_id).first()
    if connection is None or not selectors.shop_chat_capable(connection):
        return "skipped-not-connected"
    try:
        return shop_chat.shop_chat_sync(connection=connection)
    except RateLimited as error:
        raise self.retry(countdown=_jittered(error.retry_after)) from error
    except (TokenInvalid, Rejected, ScopeMissing) as error:
        return f"skipped: {error}"[:200]


@shared_task(name="sync.shop_chat_all")
def shop_chat_sync_all() -> str:
    """Beat: queue a chat sync of every Shop account allowed to chat, one task each."""
    due = shop_chat.shop_chat_connections_unscoped()
    for workspace_id, connection_id in due:
        shop_chat_sync.delay(workspace_id=workspace_id, connection_id=connection_id)
    return f"queued {len(due)}"
