"""Reads for Analytics → Customer service: how TikTok Shop buyers are answered and how they
rate it, per Shop account and per teammate, over a date range. Read from ``ServiceWait``, a
row per buyer message waiting for an answer derived from the messages by
``analytics.service_waits`` (brought up to date first, so never stale), in one SQL query, plus
one over the rating requests and a lookup of the accounts and teammates.

What each figure counts (the page says the same):

- Only TikTok Shop chat conversations count, and in them only messages between the buyer and
  the shop: buyer messages (``direction = "in"``) and our messages (``"out"``); internal notes
  and system notes are not messages here, nor are a rating request and the buyer's rating
  (``csat_request`` / ``csat_rating`` in the message's payload, see ``support.services``): a
  rating request answers nobody, and a rating is not a buyer waiting for an answer.
- A **session** is a run of messages in one conversation with no gap of more than 24 hours. It
  starts with a buyer message that has no message before it in the conversation within the
  previous 24 hours (our own messages never start a session). A session counts in the range of
  the day its first message was sent, in the workspace's time zone.
- A **waiting stretch** starts at a buyer message that follows one of our messages or starts a
  session; the buyer's further messages before our answer belong to the same stretch. It
  counts on the day of that buyer message.
- A stretch's **response** is the next message we send in the conversation, whenever it comes.
  Its **response time** is the time from the stretch's first buyer message to it: calendar
  time, or, when the workspace counts in working hours (``support.models.WorkingDay``,
  switched on), only the part of it within the team's hours on each day it spans, wall-clock
  hours in the workspace's time zone (a buyer message at 22:00 answered at 09:05 next morning,
  with hours from 09:00, took 5 minutes; one answered outside hours within them took 0).
- **First response** is the response to a session's first stretch, i.e. from the session's
  first buyer message to our first message after it. **All responses** covers every stretch.
  Median and 90th percentile (PostgreSQL ``percentile_cont``, interpolated) are over the
  stretches answered so far; unanswered ones have no time.
- **Response rate** is the share of stretches answered within 24 hours of calendar time,
  whatever the working hours: it is TikTok Shop's own KPI (tiktok-wire.md §4.1).
- **Per teammate**, a response belongs to the author of the answering message; answers without
  a teammate (the bot, the API, the TikTok Shop app) are grouped as "Automation". A session
  belongs to whoever gave its first response, and a teammate's response rate is the share of
  their own responses that came within 24 hours (an unanswered stretch has nobody to count
  against).
- **Customer satisfaction** is the share of ratings of 4 or 5 among the ratings received
  (``support.models.RatingRequest``), beside the number of requests sent and ratings
  received. A request belongs to the session that was open when it was sent and counts on
  that session's day; per Shop account by the conversation's account, per teammate by whoever
  closed the conversation and asked.
- **Day by day** (the charts): per day, the sessions that started and the median first
  response time of their stretches, as above.
"""

import zoneinfo
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection as db
from django.db import transaction

from analytics import service_waits
from analytics.selectors import Period
from analytics.service_waits import AUTOMATION
from chatsparks.users.models import User
from chatsparks.workspaces.models import Workspace
from integrations.models import Connection, Provider
from support import selectors as support_selectors
from support.selectors import Hours
from support.services import SATISFIED_FROM

REMOVED = 0  # the requester key of rating requests whose teammate was removed
ANSWER_WITHIN = timedelta(hours=24)
REPORT_WORK_MEM = "64MB"

# The waiting stretches of the range come from ``ServiceWait`` (``analytics.service_waits``
# derives them from the messages, with their day and their response time in working hours or
# not, and the report brings them up to date first). They are added up four ways at once:
# the whole workspace, each Shop account, each responder and each day (GROUPING SETS); the
# median and the 90th percentile come from one sort of each group's times (PERCENTILE_CONT
# over an array; the identical aggregates written twice are computed once).
_SQL = """
WITH timed AS (
    SELECT connection_id, day, opens_session, wait, responder, response
      FROM analytics_servicewait
     WHERE workspace_id = %(ws)s AND opened_at >= %(start)s AND opened_at < %(end)s
)
SELECT GROUPING(connection_id) AS by_account_off, GROUPING(responder) AS by_responder_off,
       GROUPING(day) AS by_day_off, connection_id, responder, day,
       COUNT(*) FILTER (WHERE opens_session) AS sessions,
       (PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY response)
            FILTER (WHERE opens_session))[1],
       (PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY response)
            FILTER (WHERE opens_session))[2],
       (PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY response))[1],
       (PERCENTILE_CONT(ARRAY[0.5, 0.9]) WITHIN GROUP (ORDER BY response))[2],
       COUNT(*) AS stretches,
       COUNT(wait) AS answered,
       COUNT(*) FILTER (WHERE wait <= %(within)s) AS answered_in_time
  FROM timed
 GROUP BY GROUPING SETS ((), (connection_id), (responder), (day))
"""

# Rating requests of the sessions that started in the range, added up the same ways (by the
# teammate who asked rather than who answered).
_RATINGS_SQL = """
SELECT GROUPING(connection_id), GROUPING(requester), connection_id, requester,
       COUNT(*), COUNT(rating), COUNT(*) FILTER (WHERE rating >= %(satisfied)s)
  FROM (SELECT connection_id, rating, COALESCE(requested_by_id, %(removed)s) AS requester
          FROM support_ratingrequest
         WHERE workspace_id = %(ws)s
           AND session_started_at >= %(start)s AND session_started_at < %(end)s) r
 GROUP BY GROUPING SETS ((), (connection_id), (requester))
"""


@dataclass
class ServiceFigures:
    """One row of the report. Times are in seconds; None when nothing was answered."""

    key: int | None = None
    name: str = ""
    sessions: int = 0
    first_median: float | None = None
    first_p90: float | None = None
    all_median: float | None = None
    all_p90: float | None = None
    stretches: int = 0  # buyer messages waiting for an answer (see the module docstring)
    answered: int = 0
    answered_in_time: int = 0  # within 24 hours
    # Per teammate the rate is over their own answers; otherwise over every waiting stretch.
    rate_base: str = "stretches"
    ratings_requested: int = 0
    ratings_received: int = 0
    ratings_satisfied: int = 0  # 4 or 5

    @property
    def response_rate(self) -> float | None:
        base = self.answered if self.rate_base == "answered" else self.stretches
        return self.answered_in_time / base if base else None

    @property
    def unanswered(self) -> int:
        return self.stretches - self.answered

    @property
    def satisfaction(self) -> float | None:
        """Customer satisfaction: the share of ratings received that are 4 or 5."""
        return self.ratings_satisfied / self.ratings_received if self.ratings_received else None


@dataclass(frozen=True)
class DayFigures:
    day: date
    sessions: int = 0
    first_median: float | None = None


@dataclass
class ServiceReport:
    total: ServiceFigures
    accounts: list[ServiceFigures] = field(default_factory=list)
    teammates: list[ServiceFigures] = field(default_factory=list)
    days: list[DayFigures] = field(default_factory=list)
    hours: Hours = field(default_factory=Hours)


def _bounds(period: Period, tz_name: str) -> tuple[datetime, datetime]:
    tz = zoneinfo.ZoneInfo(tz_name)
    return (
        datetime.combine(period.first, time.min, tzinfo=tz),
        datetime.combine(period.last + timedelta(days=1), time.min, tzinfo=tz),
    )


def _ms(seconds: float | None) -> float | None:  # interpolation noise off, to the millisecond
    return None if seconds is None else round(seconds, 3)


def _figures(values: tuple[Any, ...], **extra: Any) -> ServiceFigures:
    sessions, first_median, first_p90, all_median, all_p90, stretches, answered, in_time = values
    return ServiceFigures(
        sessions=sessions, first_median=_ms(first_median), first_p90=_ms(first_p90),
        all_median=_ms(all_median), all_p90=_ms(all_p90), stretches=stretches, answered=answered,
        answered_in_time=in_time, **extra,
    )  # fmt: skip


def service_report(*, workspace: Workspace, period: Period) -> ServiceReport:
    """Sessions, response times, response rate and customer satisfaction over ``period``
    (days in the workspace's time zone): for the workspace, each of its TikTok Shop accounts
    (all of them, idle ones too), each teammate and each day, busiest first. A handful of
    queries whatever the size of the data, after bringing ``ServiceWait`` up to date (the
    conversations changed since the last catch-up, a minute ago at most with the beat)."""
    hours = support_selectors.working_hours_get(workspace=workspace)
    service_waits.waits_refresh(workspace=workspace, hours=hours)
    start, end = _bounds(period, workspace.timezone)
    params: dict[str, Any] = {
        "ws": workspace.pk,
        "start": start,
        "end": end,
        "within": ANSWER_WITHIN.total_seconds(),
        "satisfied": SATISFIED_FROM,
        "removed": REMOVED,
    }
    with transaction.atomic(), db.cursor() as cursor:
        # The range's waits are sorted in memory rather than on disk (several MB for a large
        # Shop's quarter); for this transaction only.
        cursor.execute(f"SET LOCAL work_mem = '{REPORT_WORK_MEM}'")
        cursor.execute(_SQL, params)
        found = cursor.fetchall()
        cursor.execute(_RATINGS_SQL, params)
        rated = cursor.fetchall()
    total = ServiceFigures(name="All Shop accounts")
    by_account: dict[int, ServiceFigures] = {}
    by_responder: dict[int, ServiceFigures] = {}
    by_day: dict[date, DayFigures] = {}
    for account_off, responder_off, day_off, account_id, responder, day, *values in found:
        if account_off and responder_off and day_off:
            total = _figures(tuple(values), name=total.name)
        elif not account_off:
            by_account[account_id] = _figures(tuple(values), key=account_id)
        elif not day_off:
            by_day[day] = DayFigures(day=day, sessions=values[0], first_median=_ms(values[1]))
        elif responder is not None:  # stretches nobody answered belong to no teammate
            by_responder[responder] = _figures(tuple(values), key=responder, rate_base="answered")

    for account_off, requester_off, account_id, requester, asked, received, satisfied in rated:
        if account_off and requester_off:
            target = total
        elif not account_off:
            target = by_account.setdefault(account_id, ServiceFigures(key=account_id))
        else:
            target = by_responder.setdefault(
                requester, ServiceFigures(key=requester, rate_base="answered")
            )
        target.ratings_requested, target.ratings_received = asked, received
        target.ratings_satisfied = satisfied

    accounts = []
    shops = Connection.objects.for_workspace(workspace).filter(provider=Provider.TIKTOK_SHOP)
    for shop in shops.order_by("display_name", "pk"):
        row = by_account.pop(shop.pk, None) or ServiceFigures(key=shop.pk)
        row.name = shop.display_name or (f"@{shop.handle}" if shop.handle else shop.external_id)
        accounts.append(row)
    # A connection outside the Shop list (it cannot be, but a row is never dropped).
    for row in by_account.values():
        row.name = f"Account {row.key}"
        accounts.append(row)

    people = User.objects.in_bulk([k for k in by_responder if k not in (AUTOMATION, REMOVED)])
    for key, row in by_responder.items():
        user = people.get(key)
        row.name = "Automation" if key == AUTOMATION else user.label if user else "Removed user"
    teammates = sorted(
        by_responder.values(), key=lambda r: (-r.answered, -r.ratings_requested, r.name.lower())
    )
    accounts.sort(key=lambda r: (-r.sessions, r.name.lower()))
    days = [by_day.get(day) or DayFigures(day=day) for day in period.days]
    return ServiceReport(
        total=total, accounts=accounts, teammates=teammates, days=days, hours=hours
    )
