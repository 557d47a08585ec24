"""Which trigger a comment fires: at most one, the highest-priority match, and never the same
trigger for the same person twice in 24 hours. Every comment gets exactly one evaluation row
saying what happened and why (the "Last 50 evaluations" log); the row's uniqueness per
comment is what makes a redelivered comment unable to fire twice.

What each condition means is ``flows.conditions``. A comment costs one query for the account's
active triggers, whatever their number.
"""

from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from flows import replies, runner
from flows.conditions import THROTTLE, Facts, keyword_matcher, matches
from flows.models import Evaluation, Trigger
from inbox.models import Comment


def _in_scope(trigger: Trigger, comment: Comment) -> bool:
    return trigger.scope == Trigger.Scope.ALL_POSTS or comment.post_external_id in trigger.post_ids


def _is_first_comment(comment: Comment) -> bool:
    return (
        not Comment.objects.for_workspace(comment.workspace_id)
        .filter(
            connection_id=comment.connection_id,
            contact_id=comment.contact_id,
            commented_at__lt=comment.commented_at,
        )
        .exists()
    )


def _throttled(trigger: Trigger, comment: Comment) -> bool:
    return (
        Evaluation.objects.for_workspace(comment.workspace_id)
        .filter(
            trigger=trigger,
            contact_id=comment.contact_id,
            outcome=Evaluation.Outcome.FIRED,
            created_at__gte=timezone.now() - THROTTLE,
        )
        .exists()
    )


def _decide(comment: Comment) -> tuple[str, Trigger | None, str]:
    window = timedelta(days=comment.workspace.listening_window_days)
    if comment.post is not None and comment.post.published_at < timezone.now() - window:
        days = comment.workspace.listening_window_days
        return (
            Evaluation.Outcome.NOT_ELIGIBLE,
            None,
            f"post older than the {days}-day listening window",
        )
    if comment.contact_id is None:
        return Evaluation.Outcome.NOT_ELIGIBLE, None, "TikTok did not say who wrote it"
    triggers = list(
        Trigger.objects.for_workspace(comment.workspace_id)
        .filter(
            connection_id=comment.connection_id,
            source=Trigger.Source.COMMENTS,
            status=Trigger.Status.ACTIVE,
        )
        .select_related("flow")
        .order_by("priority", "id")
    )
    if not triggers:
        return Evaluation.Outcome.NO_MATCH, None, "no active trigger on this account"
    keyword_hits = set(keyword_matcher(comment.connection_id, triggers).match(comment.text))
    facts = Facts(
        text=comment.text,
        workspace_id=comment.workspace_id,
        keyword_hits=keyword_hits,
        first=lambda: _is_first_comment(comment),
    )
    for trigger in triggers:
        if not _in_scope(trigger, comment) or not matches(trigger, facts):
            continue
        if _throttled(trigger, comment):
            return (
                Evaluation.Outcome.THROTTLED,
                trigger,
                (f"“{trigger.name}” already fired for this person in the last 24 hours"),
            )
        return Evaluation.Outcome.FIRED, trigger, f"matched “{trigger.name}”"
    names = ", ".join(f"“{t.name}”" for t in triggers[:3])
    more = f" and {len(triggers) - 3} more" if len(triggers) > 3 else ""
    return Evaluation.Outcome.NO_MATCH, None, f"matched none of {names}{more}"


def comment_evaluate(*, comment: Comment) -> Evaluation:
    """Decide once for ``comment`` and record it; a second call returns the first decision."""
    existing = (
        Evaluation.objects.for_workspace(comment.workspace_id).filter(comment=comment).first()
    )
    if existing is not None:
        return existing
    outcome, trigger, reason = _decide(comment)
    try:
        with transaction.atomic():
            evaluation = Evaluation.objects.create(
                workspace_id=comment.workspace_id,
                comment=comment,
                contact_id=comment.contact_id,
                trigger=trigger,
                outcome=outcome,
                reason=reason[:300],
            )
            if outcome == Evaluation.Outcome.FIRED and trigger is not None:
                _fire(trigger, comment)
    except IntegrityError:  # decided concurrently for the same comment
        return Evaluation.objects.for_workspace(comment.workspace_id).get(comment=comment)
    return evaluation


def _fire(trigger: Trigger, comment: Comment) -> None:
    """The public reply, and the DM flow if the trigger has a published one: the runner then
    decides the reply too, since it depends on which door the DM can take."""
    if trigger.flow is not None and trigger.flow.live_version_id is not None:
        runner.run_start(trigger=trigger, comment=comment)
    else:
        replies.reply_variant(trigger=trigger, comment=comment)


def trigger_preview(
    *, connection_id: int, workspace_id: int, text: str
) -> tuple[Trigger | None, str]:
    """ "Test a comment": which active trigger ``text`` would fire, without recording anything.
    Who wrote it is unknown here, so "first comment" conditions and throttling are left out."""
    triggers = list(
        Trigger.objects.for_workspace(workspace_id)
        .filter(
            connection_id=connection_id,
            source=Trigger.Source.COMMENTS,
            status=Trigger.Status.ACTIVE,
        )
        .order_by("priority", "id")
    )
    hits = set(keyword_matcher(connection_id, triggers).match(text)) if triggers else set()
    facts = Facts(text=text, workspace_id=workspace_id, keyword_hits=hits)
    for trigger in triggers:
        if trigger.scope == Trigger.Scope.ALL_POSTS and matches(trigger, facts):
            return trigger, f"would fire “{trigger.name}”"
    return None, "no active trigger would fire"


def triggers_test_history(
    *, connection_id: int, workspace_id: int, limit: int = 500
) -> dict[str, object]:
    """ "Test against history": which active trigger each of the last ``limit`` comments on the
    account would fire now, as counts per trigger and a few examples."""
    comments = list(
        Comment.objects.for_workspace(workspace_id)
        .filter(connection_id=connection_id)
        .order_by("-commented_at")
        .values_list("text", flat=True)[:limit]
    )
    counts: dict[str, int] = {}
    examples: list[tuple[str, str]] = []
    for text in comments:
        trigger, _reason = trigger_preview(
            connection_id=connection_id, workspace_id=workspace_id, text=text
        )
        if trigger is None:
            continue
        counts[trigger.name] = counts.get(trigger.name, 0) + 1
        if len(examples) < 10:
            examples.append((text, trigger.name))
    return {"looked_at": len(comments), "counts": counts, "examples": examples}


def comment_stored(comment: Comment) -> None:
    """The inbox's hook: every new comment is evaluated as it is stored."""
    comment_evaluate(comment=comment)
