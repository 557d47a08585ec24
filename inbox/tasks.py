import random

from celery import Task, shared_task

from inbox import sends
from inbox.models import Send


@shared_task(name="sends.public_reply", bind=True, max_retries=8)
def public_reply(self: Task, *, workspace_id: int, send_id: int) -> str:
    if not Send.objects.for_workspace(workspace_id).filter(pk=send_id).exists():
        return "skipped-missing"
    try:
        return sends.public_reply_send(send_id=send_id)
    except sends.SendDeferred as deferred:
        countdown = deferred.retry_after + random.uniform(0, 5)  # noqa: S311 - jitter
        raise self.retry(countdown=countdown) from deferred


@shared_task(name="sends.recover_stuck")
def recover_stuck() -> str:
    """Beat: reconcile sends a lost worker left in ``sending``; resend only what provably
    never reached TikTok."""
    resent = 0
    for workspace_id, send_id in sends.sends_stuck_unscoped():
        send = (
            Send.objects.for_workspace(workspace_id)
            .select_related("comment", "connection")
            .get(pk=send_id)
        )
        if send.kind != Send.Kind.PUBLIC_REPLY:
            continue
        if sends.public_reply_reconcile(send=send) == Send.State.PENDING:
            public_reply.delay(workspace_id=workspace_id, send_id=send_id)
            resent += 1
    return f"resent {resent}"
