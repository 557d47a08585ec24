"""Reads: the workspace's working hours, the session a rating request belongs to, and a
conversation's ratings."""

from dataclasses import dataclass, field
from datetime import datetime, time

from django.db import connection as db

from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation
from support.models import RatingRequest, WorkingDay, WorkingHours

WEEKDAYS = {
    1: "Monday",
    2: "Tuesday",
    3: "Wednesday",
    4: "Thursday",
    5: "Friday",
    6: "Saturday",
    7: "Sunday",
}


@dataclass(frozen=True)
class Hours:
    """A workspace's working hours: ``days`` maps an ISO weekday (1 Monday … 7 Sunday) to its
    opening and closing times; a weekday not in it is closed. ``enabled`` says whether the
    report counts in them (they are kept while switched off)."""

    enabled: bool = False
    days: dict[int, tuple[time, time]] = field(default_factory=dict)

    @property
    def counting(self) -> bool:
        """Response times count in working hours: switched on, with at least one open day."""
        return self.enabled and bool(self.days)


def working_hours_get(*, workspace: Workspace | int) -> Hours:
    switch = WorkingHours.objects.for_workspace(workspace).first()
    days = {d.weekday: (d.opens, d.closes) for d in WorkingDay.objects.for_workspace(workspace)}
    return Hours(enabled=bool(switch and switch.enabled), days=days)


# The latest buyer message of the conversation up to ``at`` that starts a session: no message
# between the buyer and us in the 24 hours before it (the definition in
# ``analytics.customer_service``; our own messages never start one). Rating requests and
# answers are not part of the conversation's sessions.
_SESSION_START = """
SELECT sent_at FROM (
    SELECT direction, sent_at,
           LAG(sent_at) OVER (ORDER BY sent_at, id) AS prev_at
      FROM inbox_message
     WHERE conversation_id = %(conversation)s AND sent_at <= %(at)s
       AND direction IN ('in', 'out') AND kind NOT IN ('system', 'note')
       AND NOT (payload ?| ARRAY['csat_request', 'csat_rating'])
) m
 WHERE direction = 'in' AND (prev_at IS NULL OR sent_at - prev_at > interval '24 hours')
 ORDER BY sent_at DESC
 LIMIT 1
"""


def session_started_at(*, conversation: Conversation, at: datetime) -> datetime:
    """When the session open at ``at`` began; ``at`` itself when the buyer never wrote (a chat
    we opened and closed): the request is then a session of its own."""
    with db.cursor() as cursor:
        cursor.execute(_SESSION_START, {"conversation": conversation.pk, "at": at})
        row = cursor.fetchone()
    return row[0] if row else at


def conversation_ratings(*, conversation: Conversation) -> list[RatingRequest]:
    """The conversation's rating requests, newest first, with who asked."""
    return list(
        RatingRequest.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .select_related("requested_by")
        .order_by("-requested_at", "-id")[:10]
    )
