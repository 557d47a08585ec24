"""``ServiceWait`` rows, derived from TikTok Shop chat messages, so Analytics → Customer service
adds up a row per waiting buyer message instead of windowing every message of the range (at
100,000 chats a month's messages take seconds to window; bench/README.md).

What a waiting stretch is, and its answer, is ``analytics.customer_service``'s to say (its
module docstring); the statement below is the one place that turns messages into stretches.
A conversation's stretches depend on all its messages in order, so a conversation that
changed is recomputed whole (a chat holds tens of messages), in one statement for all of them.

Each row also carries what depends on the workspace's settings: its day in the workspace's
time zone and its response time in working hours when they count, so the report reads them
instead of converting 100,000 instants per page. A change of time zone or working hours
(``ServiceWaitState.basis``) recomputes every conversation at the next catch-up.

Catching up. Messages say when they were stored or last corrected (``Message.changed_at``, by
the database's clock). ``waits_refresh`` recomputes the conversations with messages changed
since the workspace's ``ServiceWaitState.through`` less ``MARGIN``, then moves ``through`` to
when it started. The margin covers a transaction that stored a message before that start but
committed after the read (webhook drains are cut off long before it) and clocks that differ;
recomputing a conversation twice is harmless. The ``analytics.service_waits`` beat keeps every
workspace within a minute or so, and the report catches up first, so it is never stale.
"""

import json
from datetime import datetime, timedelta
from typing import Any

from django.db import connection as db
from django.db import transaction
from django.utils import timezone

from analytics.models import ServiceWaitState
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation, Message
from support.selectors import Hours, working_hours_get

MARGIN = timedelta(minutes=10)
SESSION_GAP = timedelta(hours=24)
AUTOMATION = -1  # the responder of answers no teammate wrote

# Each buyer message of the conversations that starts a waiting stretch (it starts a session,
# or follows one of our messages), with the session flag and our first message after it. The
# messages are read newest first per conversation, so the message before one is LEAD and our
# first message after it a running MIN over the rows already read; the MIN is over
# [epoch, id] so ties in time go by id, as the thread orders them.
# Its response time in working hours, when they count (``calendar``, else empty): one row per
# local day from the first wait's day to tomorrow, with that day's opening and closing
# instants in the workspace's zone (wall-clock hours, so daylight saving time moves nothing;
# a closed day opens and closes at midnight, so the arrays hold no NULL and their subscripts
# cost the same for every day) and ``before``, the open seconds of all earlier days. Open
# seconds up to an instant t on day d are F(t) = before(d) + clamp(t, opens(d), closes(d)) -
# opens(d), and the response is F(answer) - F(buyer message): two lookups by day, whatever the
# number of days the wait spans.
_RECOMPUTE = """
WITH ordered AS (
    SELECT m.id, m.conversation_id, c.connection_id, m.direction, m.sent_at,
           LEAD(m.sent_at) OVER w AS prev_at,
           LEAD(m.direction) OVER w AS prev_direction,
           MIN(ARRAY[EXTRACT(EPOCH FROM m.sent_at), m.id::numeric])
               FILTER (WHERE m.direction = 'out')
               OVER (w ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS answer
      FROM inbox_message m
      JOIN inbox_conversation c ON c.id = m.conversation_id
     WHERE m.workspace_id = %(ws)s AND c.workspace_id = %(ws)s
       AND m.conversation_id = ANY(%(conversations)s)
       AND c.channel = 'shop_chat'
       AND m.direction IN ('in', 'out')
       AND m.kind NOT IN ('system', 'note')
       AND NOT (m.payload ?| ARRAY['csat_request', 'csat_rating'])
    WINDOW w AS (PARTITION BY m.conversation_id ORDER BY m.sent_at DESC, m.id DESC)
),
waits AS (
    SELECT o.conversation_id, o.connection_id, o.id, o.sent_at,
           (o.sent_at AT TIME ZONE %(tz)s)::date AS day,
           o.prev_at IS NULL OR o.sent_at - o.prev_at > %(gap)s AS opens_session,
           a.sent_at AS answered_at,
           (a.sent_at AT TIME ZONE %(tz)s)::date AS answer_day,
           CASE WHEN a.id IS NULL THEN NULL ELSE COALESCE(a.author_id, %(automation)s) END
               AS responder,
           EXTRACT(EPOCH FROM a.sent_at - o.sent_at)::float8 AS wait
      FROM ordered o
      LEFT JOIN inbox_message a ON a.id = o.answer[2]::bigint
     WHERE o.direction = 'in'
       AND (o.prev_at IS NULL OR o.prev_direction = 'out' OR o.sent_at - o.prev_at > %(gap)s)
),
calendar AS (
    SELECT MIN(day) AS first_day,
           ARRAY_AGG(opens_at ORDER BY day) AS opens_at,
           ARRAY_AGG(closes_at ORDER BY day) AS closes_at,
           ARRAY_AGG(before ORDER BY day) AS before
      FROM (SELECT day, opens_at, closes_at,
                   COALESCE(SUM(EXTRACT(EPOCH FROM closes_at - opens_at)) OVER (
                       ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::float8
                       AS before
              FROM (SELECT d.day::date AS day,
                           COALESCE(d.day + h.opens, d.day) AT TIME ZONE %(tz)s AS opens_at,
                           COALESCE(d.day + h.closes, d.day) AT TIME ZONE %(tz)s AS closes_at
                      FROM generate_series((SELECT MIN(day) FROM waits)::timestamp,
                                           (now() AT TIME ZONE %(tz)s)::date + 1,
                                           interval '1 day') AS d(day)
                      LEFT JOIN support_workingday h
                        ON h.workspace_id = %(ws)s AND h.weekday = EXTRACT(ISODOW FROM d.day)
                     WHERE %(hours_on)s) days) numbered
)
INSERT INTO analytics_servicewait (workspace_id, conversation_id, connection_id, message_id,
                                   opened_at, opens_session, answered_at, responder, wait, day,
                                   response)
SELECT %(ws)s, w.conversation_id, w.connection_id, w.id, w.sent_at, w.opens_session,
       w.answered_at, w.responder, w.wait, w.day,
       CASE WHEN NOT %(hours_on)s OR w.answered_at IS NULL THEN w.wait
            ELSE GREATEST(
               (k.before[a.i] + EXTRACT(EPOCH FROM
                 LEAST(GREATEST(w.answered_at, k.opens_at[a.i]), k.closes_at[a.i])
                 - k.opens_at[a.i]))
               - (k.before[b.i] + EXTRACT(EPOCH FROM
                 LEAST(GREATEST(w.sent_at, k.opens_at[b.i]), k.closes_at[b.i])
                 - k.opens_at[b.i])), 0)
            END
  FROM waits w
 CROSS JOIN calendar k
 CROSS JOIN LATERAL (SELECT (w.day - k.first_day) + 1 AS i) b
 CROSS JOIN LATERAL (SELECT (w.answer_day - k.first_day) + 1 AS i) a
"""


def _changed_conversations(workspace_id: int, since: datetime | None) -> list[int]:
    chats = Conversation.objects.for_workspace(workspace_id).filter(
        channel=Conversation.Channel.SHOP_CHAT
    )
    if since is None:
        return list(chats.values_list("pk", flat=True))
    return list(
        Message.objects.for_workspace(workspace_id)
        .filter(changed_at__gte=since, conversation__in=chats)
        .order_by()  # no default ordering: it would join the DISTINCT
        .values_list("conversation_id", flat=True)
        .distinct()
    )


def _basis(workspace: Workspace, hours: Hours) -> str:
    """What a derived row's day and response time depend on besides the messages."""
    days = sorted((day, str(opens), str(closes)) for day, (opens, closes) in hours.days.items())
    return json.dumps([workspace.timezone, hours.counting, days])


def waits_refresh(*, workspace: Workspace, hours: Hours | None = None) -> int:
    """Bring the workspace's ``ServiceWait`` rows up to date; returns how many conversations
    were recomputed: all of them the first time, and after the workspace's time zone or
    working hours changed. ``hours``: the workspace's working hours, if the caller has them."""
    workspace_id = workspace.pk
    hours = hours or working_hours_get(workspace=workspace)
    basis = _basis(workspace, hours)
    ServiceWaitState.unscoped.get_or_create(workspace_id=workspace_id)
    with transaction.atomic():
        state = ServiceWaitState.unscoped.select_for_update().get(workspace_id=workspace_id)
        started = timezone.now()
        since = None if state.through is None or state.basis != basis else state.through - MARGIN
        conversations = _changed_conversations(workspace_id, since)
        if conversations:
            with db.cursor() as cursor:
                # By conversation alone (they are this workspace's): the conversation index
                # then finds the rows, where naming the workspace too tempts the planner into
                # reading the workspace's whole index.
                cursor.execute(
                    "DELETE FROM analytics_servicewait WHERE conversation_id = ANY(%s)",
                    [conversations],
                )
                params: dict[str, Any] = {
                    "ws": workspace_id,
                    "tz": workspace.timezone,
                    "conversations": conversations,
                    "gap": SESSION_GAP,
                    "automation": AUTOMATION,
                    "hours_on": hours.counting,
                }
                cursor.execute(_RECOMPUTE, params)
        state.through, state.basis = started, basis
        state.save(update_fields=["through", "basis"])
    return len(conversations)


def workspaces_changed_unscoped(*, within: timedelta) -> list[int]:
    """Workspaces whose Shop chats have messages changed in the last ``within``: the beat's
    round (all workspaces, hence unscoped)."""
    return list(
        Message.unscoped.filter(
            changed_at__gte=timezone.now() - within,
            conversation__channel=Conversation.Channel.SHOP_CHAT,
        )
        .order_by()  # no default ordering: it would join the DISTINCT
        .values_list("workspace_id", flat=True)
        .distinct()
    )
