"""Which trigger a comment fires: at most one, the highest-priority match, and never the same
trigger for the same person twice in 24 hours. Every comment gets exactly one evaluation row
saying what happened and why (the "Last 50 evaluations" log); the row's uniqueness per
comment is what makes a redelivered comment unable to fire twice.

Keyword matchers are compiled once per set of active triggers and kept in the process, keyed
by the triggers' ids and update times: publishing a trigger changes the key, so the next
comment rebuilds it. A comment costs one query for the account's active triggers, whatever
their number.
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from flows import replies, runner
from flows.matcher import KeywordMatcher, is_question
from flows.models import Evaluation, Trigger
from inbox.models import Comment
from integrations.models import Product

THROTTLE = timedelta(hours=24)

_keyword_cache: dict[int, tuple[tuple[tuple[int, datetime], ...], KeywordMatcher[int]]] = {}
_catalog_cache: dict[int, tuple[datetime | None, KeywordMatcher[str]]] = {}


def _keyword_matcher(connection_id: int, triggers: list[Trigger]) -> KeywordMatcher[int]:
    key = tuple((t.pk, t.updated_at) for t in triggers)
    cached = _keyword_cache.get(connection_id)
    if cached is None or cached[0] != key:
        matcher = KeywordMatcher.build((word, t.pk) for t in triggers for word in t.keywords)
        _keyword_cache[connection_id] = cached = (key, matcher)
    return cached[1]


def _catalog_matcher(workspace_id: int) -> KeywordMatcher[str]:
    """Product titles of the workspace's synced catalog, for "mentions a SKU"."""
    products = Product.objects.for_workspace(workspace_id)
    version = products.aggregate(latest=Max("synced_at"))["latest"]
    cached = _catalog_cache.get(workspace_id)
    if cached is None or cached[0] != version:
        titles = products.values_list("title", "external_id")
        _catalog_cache[workspace_id] = cached = (version, KeywordMatcher.build(titles))
    return cached[1]


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


class _Facts:
    """What a comment's conditions ask, each looked up at most once per comment however many
    triggers ask it."""

    def __init__(self, comment: Comment, keyword_hits: set[int]) -> None:
        self.comment = comment
        self.keyword_hits = keyword_hits
        self._question: bool | None = None
        self._mentions: bool | None = None
        self._first: bool | None = None

    @property
    def question(self) -> bool:
        if self._question is None:
            self._question = is_question(self.comment.text)
        return self._question

    @property
    def mentions_product(self) -> bool:
        if self._mentions is None:
            matcher = _catalog_matcher(self.comment.workspace_id)
            self._mentions = bool(matcher.match(self.comment.text))
        return self._mentions

    @property
    def first_comment(self) -> bool:
        if self._first is None:
            known = self.comment.contact_id is not None
            self._first = known and _is_first_comment(self.comment)
        return self._first


def _matches(trigger: Trigger, facts: _Facts) -> bool:
    checks: list[bool] = []
    if trigger.keywords:
        checks.append(trigger.pk in facts.keyword_hits)
    if trigger.on_question:
        checks.append(facts.question)
    if trigger.on_sku_mention:
        checks.append(facts.mentions_product)
    if trigger.on_first_comment:
        checks.append(facts.first_comment)
    if not checks:
        return False
    return all(checks) if trigger.combine == Trigger.Combine.ALL else any(checks)


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
        .filter(connection_id=comment.connection_id, status=Trigger.Status.ACTIVE)
        .select_related("flow")
        .order_by("priority", "id")
    )
    if not triggers:
        return Evaluation.Outcome.NO_MATCH, None, "no active trigger on this account"
    keyword_hits = set(_keyword_matcher(comment.connection_id, triggers).match(comment.text))
    facts = _Facts(comment, keyword_hits)
    for trigger in triggers:
        if not _in_scope(trigger, comment) or not _matches(trigger, facts):
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
    probe = Comment(
        workspace_id=workspace_id, connection_id=connection_id, text=text, post_external_id=""
    )
    triggers = list(
        Trigger.objects.for_workspace(workspace_id)
        .filter(connection_id=connection_id, status=Trigger.Status.ACTIVE)
        .order_by("priority", "id")
    )
    hits = set(_keyword_matcher(connection_id, triggers).match(text)) if triggers else set()
    facts = _Facts(probe, hits)
    for trigger in triggers:
        if trigger.scope == Trigger.Scope.ALL_POSTS and _matches(trigger, facts):
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
