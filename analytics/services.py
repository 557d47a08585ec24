"""Recomputing the daily rollups from the base tables.

What each figure counts, for a workspace's calendar day ``D`` in its own time zone:

- ``comments``: comments made on ``D`` (``Comment.commented_at``).
- ``triggered``: of those, the ones a trigger fired on (``Evaluation.outcome == "fired"``). For
  a flow, this is the runs it started (only a fired trigger starts a run).
- ``dms`` (DMs delivered): of those, the ones whose DM flow delivered at least one DM to the
  commenter: a DM ``Send`` in state ``sent`` that the comment's run queued. One per comment,
  however many messages the flow sent.
- ``replies``: of those, the ones where the commenter wrote back (an inbound message in the
  conversation) after the run's first delivered DM.
- ``reached`` and ``stopped`` (flow steps): of the runs those comments started, how many went
  through each block, and how many have gone no further than it so far (their latest step).
- ``orders`` and ``revenue``: orders placed on ``D`` (``Attribution.ordered_at``) that
  ChatSparks counts (``selectors.attributions_counted``), per currency.

Activity is counted on the comment's day and orders on the order's day: a figure for a day
never moves to another day, and an order counts when the shop counts it.

Everything hangs off indexed paths (comments by workspace and time, orders by workspace,
outcome and time, then unique or foreign keys), so one day costs a few queries whatever the
size of the workspace's history.
"""

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection, transaction
from django.db.models import CharField, Count, Exists, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from analytics.models import DailyStat, RollupState
from analytics.selectors import attributions_counted
from attribution.models import Attribution
from chatsparks.workspaces.models import Workspace
from flows.models import Evaluation, FlowVersion, Run, RunStep
from inbox.models import Comment, Conversation, Message, Send

Dim = DailyStat.Dimension

# Comments and orders can reach us a little after the time TikTok gives them: the beat looks
# back this much further than its last run.
ARRIVAL_SLACK = timedelta(minutes=10)
# Replies, refunds and a person's word on a soft attribution change older days: the nightly
# settle recomputes this many days back (TikTok Shop's return window is well inside it).
SETTLE_DAYS = 35
_LONG_AGO = datetime(2000, 1, 1, tzinfo=zoneinfo.ZoneInfo("UTC"))


def workspace_today(workspace: Workspace, *, now: datetime | None = None) -> date:
    return (now or timezone.now()).astimezone(zoneinfo.ZoneInfo(workspace.timezone)).date()


def day_bounds(day: date, tz: zoneinfo.ZoneInfo) -> tuple[datetime, datetime]:
    """Local midnight to the next local midnight (23 or 25 hours across a DST change)."""
    return (
        datetime.combine(day, time.min, tzinfo=tz),
        datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz),
    )


@dataclass
class _Row:
    comments: int = 0
    triggered: int = 0
    dms: int = 0
    replies: int = 0
    reached: int = 0
    stopped: int = 0
    orders: int = 0
    revenue: Decimal = Decimal(0)


# Which dimension an activity row belongs to: GROUPING() sets a bit for each of (post_key,
# trigger_id, flow_id) that the row is *not* grouped by.
_GROUPING: dict[int, str] = {0b111: Dim.TOTAL, 0b011: Dim.POST, 0b101: Dim.TRIGGER, 0b110: Dim.FLOW}


def _activity_sql() -> str:
    """One statement for all of a day's activity: the four dimensions in one pass over the
    comments (GROUPING SETS, which the ORM cannot say), and the flow steps their runs went
    through, reusing the same comment-to-run join (which reaches runs by their unique comment,
    never by scanning them). Table names come from the models; values are parameters."""
    comment, evaluation = Comment._meta.db_table, Evaluation._meta.db_table
    run, version = Run._meta.db_table, FlowVersion._meta.db_table
    message, send, step = Message._meta.db_table, Send._meta.db_table, RunStep._meta.db_table
    return f"""
    WITH c AS MATERIALIZED (
        SELECT c.id, c.post_external_id AS post_key,
               CASE WHEN e.outcome = 'fired' THEN e.trigger_id END AS trigger_id,
               e.outcome = 'fired' AS fired,
               r.id AS run_id, v.flow_id, r.conversation_id
        FROM {comment} c
        LEFT JOIN {evaluation} e ON e.comment_id = c.id
        LEFT JOIN {run} r ON r.comment_id = c.id
        LEFT JOIN {version} v ON v.id = r.flow_version_id
        WHERE c.workspace_id = %(ws)s AND c.commented_at >= %(start)s AND c.commented_at < %(end)s
    ), first_dm AS (
        SELECT c.run_id, MIN(m.sent_at) AS at
        FROM c
        JOIN {message} m ON m.conversation_id = c.conversation_id
        JOIN {send} s ON s.id = m.send_id
        WHERE m.direction = 'out' AND s.kind = 'dm' AND s.state = 'sent'
          AND m.payload ->> 'run' = c.run_id::text
        GROUP BY c.run_id
    ), facts AS (
        SELECT c.post_key, c.trigger_id, c.flow_id, c.fired,
               d.at IS NOT NULL AS delivered,
               d.at IS NOT NULL AND EXISTS (
                   SELECT 1 FROM {message} i
                   WHERE i.conversation_id = c.conversation_id
                     AND i.direction = 'in' AND i.sent_at > d.at
               ) AS replied
        FROM c LEFT JOIN first_dm d ON d.run_id = c.run_id
    ), steps AS (
        SELECT c.flow_id, s.run_id, s.block_id,
               ROW_NUMBER() OVER (PARTITION BY s.run_id ORDER BY s.at DESC, s.id DESC) AS from_end
        FROM c JOIN {step} s ON s.run_id = c.run_id
    )
    SELECT 'activity', GROUPING(post_key, trigger_id, flow_id), post_key, trigger_id, flow_id,
           NULL, COUNT(*), COUNT(*) FILTER (WHERE fired), COUNT(*) FILTER (WHERE delivered),
           COUNT(*) FILTER (WHERE replied)
    FROM facts
    GROUP BY GROUPING SETS ((), (post_key), (trigger_id), (flow_id))
    UNION ALL
    SELECT 'step', 0, NULL, NULL, flow_id, block_id,
           COUNT(DISTINCT run_id), COUNT(*) FILTER (WHERE from_end = 1), 0, 0
    FROM steps
    GROUP BY flow_id, block_id
    """  # noqa: S608


def _day_rows(*, workspace_id: int, start: datetime, end: datetime) -> dict[tuple[str, ...], _Row]:
    """The day's figures keyed by (dimension, key, step, currency)."""
    rows: dict[tuple[str, ...], _Row] = {}

    def row(dimension: str, key: Any, step: str = "", currency: str = "") -> _Row:
        return rows.setdefault((dimension, str(key), step, currency), _Row())

    params: dict[str, Any] = {"ws": workspace_id, "start": start, "end": end}
    with connection.cursor() as cursor:
        # The plan is a few thousand index probes, but its cost estimate crosses PostgreSQL's
        # JIT threshold, and compiling it took longer (~200 ms) than running it. SET LOCAL: the
        # caller's transaction (``rollup_day``) ends it.
        cursor.execute("SET LOCAL jit = off")
        cursor.execute(_activity_sql(), params)
        found = cursor.fetchall()
    for kind, grouping, post_key, trigger_id, flow_id, block_id, *counts in found:
        if kind == "step":
            r = row(Dim.STEP, flow_id, block_id)
            r.reached, r.stopped = counts[:2]
            continue
        dimension = _GROUPING[grouping]
        key_of: dict[str, Any] = {
            Dim.TOTAL: "", Dim.POST: post_key, Dim.TRIGGER: trigger_id, Dim.FLOW: flow_id,
        }  # fmt: skip
        key = key_of[dimension]
        # Comments no trigger fired on, or that started no flow; and the grand total of a day
        # without comments, which GROUPING SETS still returns.
        if key is None or not any(counts):
            continue
        r = row(dimension, key)
        r.comments, r.triggered, r.dms, r.replies = counts

    orders = attributions_counted(workspace=workspace_id).filter(
        ordered_at__gte=start, ordered_at__lt=end
    )
    money = {"orders": Count("pk"), "revenue": Sum("revenue")}
    post_key = Coalesce("post__external_id", "comment__post_external_id")
    by_dimension: Iterable[tuple[str, Any, tuple[str, ...]]] = (
        (Dim.TOTAL, orders.annotate(k=Value("", output_field=CharField())), ("k",)),
        (Dim.POST, orders.annotate(k=post_key).exclude(k=None), ("k",)),
        (Dim.TRIGGER, orders.exclude(trigger=None).annotate(k=F("trigger_id")), ("k",)),
        (Dim.FLOW, orders.exclude(flow=None).annotate(k=F("flow_id")), ("k",)),
        (
            Dim.STEP,
            orders.exclude(flow=None).exclude(block_id="").annotate(k=F("flow_id")),
            ("k", "block_id"),
        ),
    )
    for dimension, queryset, keys in by_dimension:
        for found in queryset.values(*keys, "currency").annotate(**money).order_by():
            r = row(dimension, found["k"], found.get("block_id", ""), found["currency"])
            r.orders += found["orders"]
            r.revenue += found["revenue"] or 0
    return rows


def rollup_day(*, workspace_id: int, day: date) -> int:
    """Recompute one day of a workspace's rollups (idempotent); returns the rows written.

    The old rows are deleted and the new ones inserted in one transaction, under the lock on
    the workspace's ``RollupState`` row, and the figures are read under that lock too: two
    runs for the same workspace queue up, and the later one writes the fresher figures.
    """
    workspace = Workspace.objects.get(pk=workspace_id)
    start, end = day_bounds(day, zoneinfo.ZoneInfo(workspace.timezone))
    RollupState.unscoped.get_or_create(workspace=workspace)
    with transaction.atomic():
        RollupState.objects.for_workspace(workspace).select_for_update().get()
        rows = _day_rows(workspace_id=workspace_id, start=start, end=end)
        DailyStat.objects.for_workspace(workspace).filter(
            dimension__in=Dim.values, day=day
        ).delete()
        DailyStat.objects.for_workspace(workspace).bulk_create(
            DailyStat(
                workspace=workspace,
                day=day,
                dimension=dimension,
                key=key,
                step=step,
                currency=currency,
                comments=r.comments,
                triggered=r.triggered,
                dms=r.dms,
                replies=r.replies,
                reached=r.reached,
                stopped=r.stopped,
                orders=r.orders,
                revenue=r.revenue,
            )
            for (dimension, key, step, currency), r in rows.items()
        )
    return len(rows)


def rollup_recent(*, workspace_id: int, now: datetime | None = None) -> int:
    """Recompute today and yesterday (the workspace's own days) and record when."""
    started = now or timezone.now()
    workspace = Workspace.objects.get(pk=workspace_id)
    today = workspace_today(workspace, now=started)
    written = rollup_days(workspace_id=workspace_id, first=today - timedelta(days=1), last=today)
    _refreshed(workspace, started)
    return written


def rollup_rebuild(*, workspace_id: int, days: int) -> int:
    """Recompute the last ``days`` days, today included (``analytics_rebuild``)."""
    started = timezone.now()
    workspace = Workspace.objects.get(pk=workspace_id)
    today = workspace_today(workspace, now=started)
    written = rollup_days(
        workspace_id=workspace_id, first=today - timedelta(days=days - 1), last=today
    )
    if days >= 2:  # today and yesterday are fresh: the refresh beat may start from here
        _refreshed(workspace, started)
    return written


def _refreshed(workspace: Workspace, started: datetime) -> None:
    RollupState.objects.for_workspace(workspace).filter(
        Q(refreshed_at=None) | Q(refreshed_at__lt=started)
    ).update(refreshed_at=started)


def rollup_days(*, workspace_id: int, first: date, last: date) -> int:
    """Recompute every day from ``first`` to ``last`` included (the rebuild and the settle)."""
    written, day = 0, first
    while day <= last:
        written += rollup_day(workspace_id=workspace_id, day=day)
        day += timedelta(days=1)
    return written


def workspaces_with_new_activity_unscoped() -> list[int]:
    """Workspaces with a comment, an order or a message since their last refresh.

    Crosses tenants on purpose (the beat's sweep). Each test is an index probe per workspace:
    comments by (workspace, commented_at), orders by (workspace, outcome, ordered_at) and
    conversations by (workspace, state, last_message_at), so the sweep stays cheap however
    much history there is. A workspace never refreshed has activity if it has any at all.
    """
    since = Coalesce(
        Subquery(RollupState.unscoped.filter(workspace=OuterRef("pk")).values("refreshed_at")[:1]),
        Value(_LONG_AGO),
    ) - Value(ARRIVAL_SLACK)
    comments = Comment.unscoped.filter(workspace=OuterRef("pk"), commented_at__gt=OuterRef("since"))
    orders = Attribution.unscoped.filter(
        workspace=OuterRef("pk"),
        outcome__in=[Attribution.Outcome.ATTRIBUTED, Attribution.Outcome.SOFT],
        ordered_at__gt=OuterRef("since"),
    )
    messages = Conversation.unscoped.filter(
        workspace=OuterRef("pk"),
        state__in=Conversation.State.values,
        last_message_at__gt=OuterRef("since"),
    )
    return list(
        Workspace.objects.annotate(since=since)
        .filter(Q(Exists(comments)) | Q(Exists(orders)) | Q(Exists(messages)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def workspaces_active_within_unscoped(*, days: int, now: datetime | None = None) -> list[int]:
    """Workspaces with a comment or a counted-outcome order in the last ``days`` days."""
    since = (now or timezone.now()) - timedelta(days=days + 1)
    comments = Comment.unscoped.filter(workspace=OuterRef("pk"), commented_at__gt=since)
    orders = Attribution.unscoped.filter(
        workspace=OuterRef("pk"),
        outcome__in=[Attribution.Outcome.ATTRIBUTED, Attribution.Outcome.SOFT],
        ordered_at__gt=since,
    )
    return list(
        Workspace.objects.filter(Q(Exists(comments)) | Q(Exists(orders)))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def settle_spans() -> list[tuple[int, int]]:
    """The nightly settle in week-long pieces, as days back from today (oldest first), so no
    single task runs long: ``[(35, 29), (28, 22), …, (7, 2)]``."""
    spans, back = [], SETTLE_DAYS
    while back >= 2:
        spans.append((back, max(back - 6, 2)))
        back -= 7
    return spans


def rollup_settle(
    *, workspace_id: int, first_back: int, last_back: int, now: datetime | None = None
) -> int:
    """Part of the nightly pass over the days before yesterday (``first_back`` to
    ``last_back`` days ago, in the workspace's own days), for what changes after the fact:
    late replies, refunds, soft attributions confirmed or rejected."""
    workspace = Workspace.objects.get(pk=workspace_id)
    today = workspace_today(workspace, now=now)
    return rollup_days(
        workspace_id=workspace_id,
        first=today - timedelta(days=first_back),
        last=today - timedelta(days=last_back),
    )
