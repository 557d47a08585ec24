"""The public reply under a fired trigger's comment: the next variant in rotation, or, when
no DM can reach the commenter, the invitation to DM a keyword (door 4 of DESIGN.md §5).

Which of the two depends on a door that may open seconds after the comment, when TikTok's
high-intent verdict lands. So when that verdict is still possible, the reply is *held*: its
``Send`` row is written (``pending``) but not dispatched, and the run releases it as the
variant once the verdict opens Comment-to-Message, or as the invitation at the first
re-check (``runner.INTENT_RECHECKS[0]``) if it has not. A held row is only ever dispatched
by a release; the send path claims a row once, so a release repeated by a race is harmless.
"""

from django.db.models import F

from chatsparks.celery import enqueue_on_commit
from flows.models import AutomationSettings, Trigger
from inbox.models import Comment, Send
from inbox.tasks import public_reply


def _next_variant(trigger: Trigger) -> str:
    # NO KEY: the rotation counter is no key, so evaluations and runs inserted meanwhile (whose
    # foreign keys take KEY SHARE on this row) neither wait for it nor deadlock with it.
    locked = Trigger.unscoped.select_for_update(no_key=True).get(pk=trigger.pk)
    if not locked.reply_variants:
        return ""
    Trigger.unscoped.filter(pk=trigger.pk).update(replies_queued=F("replies_queued") + 1)
    return locked.reply_variants[locked.replies_queued % len(locked.reply_variants)]


def invitation(trigger: Trigger) -> str:
    """The invitation to DM, with the trigger's first keyword as the word to send."""
    text = trigger.invite_text
    if not text:
        text = AutomationSettings.unscoped.get_or_create(workspace_id=trigger.workspace_id)[
            0
        ].default_invite_text
    keyword = trigger.keywords[0].upper() if trigger.keywords else "INFO"
    return text.replace("{keyword}", keyword)[:150]


def _create(comment: Comment, text: str) -> Send:
    return Send.objects.create(
        workspace_id=comment.workspace_id,
        connection_id=comment.connection_id,
        kind=Send.Kind.PUBLIC_REPLY,
        comment=comment,
        text=text,
    )


def _dispatch(send: Send) -> None:
    enqueue_on_commit(public_reply, workspace_id=send.workspace_id, send_id=send.pk)


def reply_variant(*, trigger: Trigger, comment: Comment) -> None:
    """Queue the next variant (none if the trigger has no public reply)."""
    text = _next_variant(trigger)
    if text:
        _dispatch(_create(comment, text))


def reply_invitation(*, trigger: Trigger, comment: Comment) -> None:
    _dispatch(_create(comment, invitation(trigger)))


def reply_hold(*, comment: Comment) -> None:
    """Write the reply's row now (one per comment, whatever happens next), text to come."""
    _create(comment, "")


def reply_release(*, trigger: Trigger | None, comment: Comment, dm_possible: bool) -> None:
    """Dispatch a held reply: the variant if a DM is on its way, else the invitation."""
    held = (
        Send.objects.for_workspace(comment.workspace_id)
        .select_for_update()
        .filter(comment=comment, kind=Send.Kind.PUBLIC_REPLY, state=Send.State.PENDING, text="")
        .first()
    )
    if held is None:
        return
    text = ""
    if trigger is not None:
        text = _next_variant(trigger) if dm_possible else invitation(trigger)
    if not text:
        held.state, held.error = Send.State.SKIPPED, "no public reply: the DM says it all"
        held.save(update_fields=["state", "error", "updated_at"])
        return
    held.text = text
    held.save(update_fields=["text", "updated_at"])
    _dispatch(held)
