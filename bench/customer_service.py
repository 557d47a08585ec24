"""Analytics → Customer service at a large Shop's size.

    /tmp/dv/bin/python bench/customer_service.py [--conversations 100000] [--runs 20] [--keep]
        [--reuse] [--pg postgres://postgres@127.0.0.1:5432] [--redis redis://127.0.0.1:6379/13]

Creates a fresh database (chatsparks_bench_cs, dropped at the end unless --keep), migrates it
with production settings (bench/settings_attribution.py: production, tasks inline, plain HTTP)
and fills it in SQL (INSERT … SELECT over generate_series) with one workspace in Europe/London:
two TikTok Shop accounts, six teammates and --conversations Shop chats over 90 days. Each chat
has 1-3 sessions (70 % one), each session 1-3 waiting stretches of one or two buyer messages;
answers come from a teammate (80 %) or TikTok Shop's automation after a delay that is mostly
minutes (70 % within 30 min, 20 % within 3 h, the last stretch of a session 10 % of the time
3-30 h later), and 4 % of sessions end unanswered. Half the sessions close with a rating
request (the request message and its ``RatingRequest``); 60 % of those are answered within
5 hours with a rating (5: 50 %, 4: 25 %, 3: 10 %, 2: 7 %, 1: 8 %). Working hours are set and
on: Monday to Friday 09:00-18:00, Saturday 10:00-14:00.

Then, in this process: the messages' ``changed_at`` set to when they were sent (as if stored
as they came), the customer-service waits derived from scratch (timed), and warm:
``analytics.customer_service.service_report`` (its catch-up included) over the last 7, 30 and
90 days, with working hours on and off, and the page and its CSV through Django's test Client
(2 warm-ups, then --runs runs each); a catch-up after 200 chats changed. Prints Markdown tables
(p50 / p95 ms) to paste into bench/README.md, and the plan of the report query over 30 days
(EXPLAIN ANALYZE, buffers).
"""

import argparse
import base64
import os
import secrets
import statistics
import sys
import time
from datetime import time as time_of
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DATABASE = "chatsparks_bench_cs"
OWNER_EMAIL = "bench-owner@chatsparks.test"
DAYS = 90
TEAMMATES = 6


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


def admin(pg: str) -> psycopg.Connection[Any]:
    return psycopg.connect(pg + "/postgres", autocommit=True)


def database_exists(pg: str) -> bool:
    with admin(pg) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE])
        return bool(found.fetchone())


def fresh_database(pg: str) -> None:
    with admin(pg) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def drop_database(pg: str) -> None:
    with admin(pg) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def environment(pg: str, redis: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_attribution",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"{pg}/{DATABASE}",
        "REDIS_URL": redis,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


# --- generating the workspace in SQL ----------------------------------------------------------

# Every random choice is made once, per session and per stretch; the messages read the plans.
# A stretch starts 3 hours after the one before it in its session (plus a few minutes), so a
# session's answers come in order; only a session's last stretch may wait past 3 hours.
_SESSIONS = """
CREATE TEMP TABLE session_plan ON COMMIT PRESERVE ROWS AS
SELECT c.id AS conversation_id, c.connection_id, s.n AS session_no,
       date_trunc('second', %(start)s::timestamptz + random() * interval '90 days') AS at,
       1 + (random() < 0.35)::int + (random() < 0.12)::int AS stretches,
       random() < 0.04 AS unanswered,
       random() < 0.5 AS asked, random() AS r_rating, random() AS r_answer
  FROM inbox_conversation c,
       LATERAL generate_series(1, 1 + (random() + 0 * c.id < 0.25)::int
                                   + (random() + 0 * c.id < 0.08)::int) AS s(n)
 WHERE c.workspace_id = %(ws)s
"""
_STRETCHES = """
CREATE TEMP TABLE stretch_plan ON COMMIT PRESERVE ROWS AS
SELECT p.conversation_id, p.session_no, k.n AS stretch_no, p.stretches,
       p.at + (k.n - 1) * interval '3 hours' + random() * interval '20 minutes' AS buyer_at,
       random() < 0.4 AS second_message,
       CASE WHEN k.n = p.stretches AND p.unanswered THEN NULL
            WHEN r.x < 0.7 THEN random() * interval '30 minutes'
            WHEN r.x < 0.9 OR k.n < p.stretches
                THEN interval '30 minutes' + random() * interval '2 hours'
            ELSE interval '3 hours' + random() * interval '27 hours' END AS delay,
       1 + floor(random() * %(teammates)s)::int AS person, random() < 0.8 AS by_teammate
  FROM session_plan p
  CROSS JOIN LATERAL generate_series(1, p.stretches) AS k(n)
  CROSS JOIN LATERAL (SELECT random() + 0 * k.n AS x) r
"""
_MESSAGES = """
INSERT INTO inbox_message (workspace_id, conversation_id, direction, kind, text, payload,
                           external_id, source, mentions, sent_at, author_id)
SELECT %(ws)s, conversation_id, 'in', 'text', 'Hi, is the serum in stock? Does it ship today?',
       '{"shop_type": "TEXT"}'::jsonb, '', '', '{}'::int[], buyer_at, NULL::bigint
  FROM stretch_plan
UNION ALL
SELECT %(ws)s, conversation_id, 'in', 'text', 'and the 50 ml one?', '{"shop_type": "TEXT"}',
       '', '', '{}', buyer_at + interval '2 minutes', NULL
  FROM stretch_plan WHERE second_message
UNION ALL
SELECT %(ws)s, conversation_id, 'out', 'text', 'Yes! It ships today from our UK warehouse.',
       '{}', '', CASE WHEN by_teammate THEN 'teammate' ELSE 'shop' END, '{}',
       buyer_at + interval '3 minutes' + delay,
       CASE WHEN by_teammate THEN (%(people)s::bigint[])[person] END
  FROM stretch_plan WHERE delay IS NOT NULL
"""
# The request goes out a minute after the session's last answer (or its last buyer message);
# its answer arrives within 5 hours. (Two sessions of a chat drawn within 24 hours are one
# session: the report merges them, and its first request is the one stored.)
_RATINGS = """
CREATE TEMP TABLE rating_plan ON COMMIT PRESERVE ROWS AS
SELECT row_number() OVER () AS plan_id, p.conversation_id, p.connection_id,
       p.at AS session_at, p.r_answer < 0.6 AS answered,
       CASE WHEN p.r_rating < 0.5 THEN 5 WHEN p.r_rating < 0.75 THEN 4
            WHEN p.r_rating < 0.85 THEN 3 WHEN p.r_rating < 0.92 THEN 2 ELSE 1 END AS rating,
       date_trunc('second', last.at + interval '1 minute') AS asked_at,
       (%(people)s::bigint[])[last.person] AS asker
  FROM session_plan p
  JOIN LATERAL (
      SELECT s.buyer_at + interval '3 minutes' + COALESCE(s.delay, interval '0') AS at, s.person
        FROM stretch_plan s
       WHERE s.conversation_id = p.conversation_id AND s.session_no = p.session_no
       ORDER BY s.stretch_no DESC LIMIT 1
  ) last ON TRUE
 WHERE p.asked
"""
_RATING_MESSAGES = """
WITH asks AS (
    INSERT INTO inbox_message (workspace_id, conversation_id, direction, kind, text, payload,
                               external_id, source, mentions, sent_at, author_id)
    SELECT %(ws)s, conversation_id, 'out', 'text', %(request)s, '{"csat_request": true}',
           'bench-ask-' || plan_id, 'teammate', '{}', asked_at, asker
      FROM rating_plan
    RETURNING id, external_id
), answers AS (
    INSERT INTO inbox_message (workspace_id, conversation_id, direction, kind, text, payload,
                               external_id, source, mentions, sent_at, author_id)
    SELECT %(ws)s, conversation_id, 'in', 'text', rating::text,
           jsonb_build_object('csat_rating', rating, 'shop_type', 'TEXT'),
           'bench-answer-' || plan_id, '', '{}',
           asked_at + interval '10 minutes' + random() * interval '290 minutes', NULL
      FROM rating_plan WHERE answered
    RETURNING id, external_id, sent_at
)
INSERT INTO support_ratingrequest (workspace_id, conversation_id, connection_id, requested_by_id,
                                   message_id, session_started_at, requested_at, rating,
                                   answer_id, rated_at)
SELECT DISTINCT ON (p.conversation_id, p.session_at)
       %(ws)s, p.conversation_id, p.connection_id, p.asker, a.id, p.session_at, p.asked_at,
       CASE WHEN p.answered THEN p.rating END, r.id, r.sent_at
  FROM rating_plan p
  JOIN asks a ON a.external_id = 'bench-ask-' || p.plan_id
  LEFT JOIN answers r ON r.external_id = 'bench-answer-' || p.plan_id
 ORDER BY p.conversation_id, p.session_at, p.plan_id
"""


def generate(conversations: int, now: Any) -> Any:
    """The workspace, its people and accounts through the ORM; the chats in SQL."""
    from django.db import connection

    from chatsparks.users.models import User
    from chatsparks.workspaces.models import Membership, Workspace
    from integrations.models import Connection
    from support import services as support_services

    started = time.perf_counter()
    workspace = Workspace.objects.create(name="Glow Beauty (bench)", timezone="Europe/London")
    owner = User.objects.create_user(email=OWNER_EMAIL, password=secrets.token_urlsafe())
    Membership.objects.create(workspace=workspace, user=owner, role="owner")
    people = [owner.pk]
    for n in range(1, TEAMMATES):
        user = User.objects.create_user(
            email=f"agent{n}@chatsparks.test", password=secrets.token_urlsafe()
        )
        Membership.objects.create(workspace=workspace, user=user, role="member")
        people.append(user.pk)
    accounts = [
        Connection.objects.create(
            workspace=workspace,
            provider="tiktok_shop",
            external_id=f"74940496426424416{n}",
            display_name=name,
            status="connected",
            shop_cipher=f"GCP_bench_{n}",
        )
        for n, name in enumerate(("Glow Beauty UK", "Glow Beauty DE"))
    ]
    support_services.working_hours_save(
        workspace=workspace,
        actor=owner,
        enabled=True,
        days={
            **{d: (time_of(9), time_of(18)) for d in range(1, 6)},
            6: (time_of(10), time_of(14)),
        },
    )
    start = now - timedelta(days=DAYS)
    params = {
        "ws": workspace.pk, "n": conversations, "start": start, "people": people,
        "teammates": len(people), "a": accounts[0].pk, "b": accounts[1].pk,
        "request": support_services.SHOP_REQUEST,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO inbox_contact (workspace_id, platform, external_id, handle, display_name,
                                       avatar_url, tags, fields, shop_buyer_id, first_seen_at,
                                       last_seen_at)
            SELECT %(ws)s, 'tiktok_shop', (7494560109000000000 + g)::text, '', 'buyer.' || g,
                   '', '{}', '{}', (7494560109000000000 + g)::text, %(start)s, %(start)s
              FROM generate_series(1, %(n)s) g
            """,
            params,
        )
        cursor.execute(
            """
            INSERT INTO inbox_conversation (workspace_id, connection_id, contact_id, channel,
                                            external_id, state, handoff_reason, trigger_name,
                                            outbound_since_inbound, created_at)
            SELECT %(ws)s, CASE WHEN random() < 0.75 THEN %(a)s ELSE %(b)s END, id, 'shop_chat',
                   (7106888323900000000 + id)::text, 'closed', '', '', 0, %(start)s
              FROM inbox_contact WHERE workspace_id = %(ws)s
            """,
            params,
        )
        for step in (_SESSIONS, _STRETCHES, _MESSAGES, _RATINGS, _RATING_MESSAGES):
            cursor.execute(step, params)
        cursor.execute(
            "UPDATE inbox_conversation c SET last_message_at = m.at FROM ("
            "  SELECT conversation_id, max(sent_at) AS at FROM inbox_message"
            "  WHERE workspace_id = %(ws)s GROUP BY 1) m WHERE m.conversation_id = c.id",
            params,
        )
        cursor.execute("ANALYZE")
        cursor.execute(
            "SELECT (SELECT count(*) FROM inbox_conversation),"
            " (SELECT count(*) FROM inbox_message),"
            " (SELECT count(*) FROM support_ratingrequest),"
            " (SELECT count(rating) FROM support_ratingrequest)"
        )
        chats, messages, requests, rated = cursor.fetchone()
    say(
        f"generated {chats:,} chats, {messages:,} messages, {requests:,} rating requests "
        f"({rated:,} rated) in {time.perf_counter() - started:.1f} s"
    )
    return workspace


# --- measuring --------------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn: Any, runs: int) -> tuple[float, float]:
    for _ in range(2):
        fn()
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - began) * 1000)
    return statistics.median(samples), pct(samples, 0.95)


def measure(workspace: Any, runs: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from analytics import customer_service as service
    from analytics import service_waits
    from analytics.models import ServiceWait, ServiceWaitState
    from analytics.selectors import Period
    from analytics.services import workspace_today
    from chatsparks.users.models import User
    from support.models import WorkingHours

    with connection.cursor() as cursor:
        # Stored as they were sent, so a catch-up finds nothing to read again (answers the plan
        # drew after now count as stored an hour ago, outside the catch-up's margin); the
        # catch-up below measures chats that did change.
        cursor.execute(
            "UPDATE inbox_message SET changed_at = LEAST(sent_at, now() - interval '1 hour')"
            " WHERE workspace_id = %s",
            [workspace.pk],
        )
    ServiceWaitState.objects.for_workspace(workspace).delete()
    began = time.perf_counter()
    derived = service_waits.waits_refresh(workspace=workspace)
    print(
        f"\nDeriving the waits from scratch: {derived:,} chats, "
        f"{ServiceWait.objects.for_workspace(workspace).count():,} waits, "
        f"{time.perf_counter() - began:.1f} s."
    )
    today = workspace_today(workspace)
    client = Client()
    client.force_login(User.objects.get(email=OWNER_EMAIL))
    url = reverse("analytics:customer_service", kwargs={"workspace_id": workspace.public_id})
    rows = []
    for hours_on in (True, False):
        WorkingHours.objects.for_workspace(workspace).update(enabled=hours_on)
        for days in (7, 30, 90):
            period = Period(first=today - timedelta(days=days - 1), last=today)
            report = service.service_report(workspace=workspace, period=period)
            if days == 7:
                # Switching the hours re-derived every wait (the report above); autovacuum
                # would tidy the table within a minute or so, so do it before timing.
                with connection.cursor() as cursor:
                    cursor.execute("VACUUM ANALYZE analytics_servicewait")
            query = timed(
                lambda p=period: service.service_report(workspace=workspace, period=p), runs
            )
            dates = {"from": period.first.isoformat(), "to": period.last.isoformat()}
            page = timed(lambda d=dates: client.get(url, d), runs)
            csv = timed(lambda d=dates: client.get(url, {**d, "format": "csv"}), runs)
            assert client.get(url, dates).status_code == 200
            rows.append((hours_on, days, report, query, page, csv))
    print("\n| working hours | days | sessions | waiting messages | ratings | report p50 / p95 ms "
          "| page p50 / p95 ms | CSV p50 / p95 ms |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for hours_on, days, report, query, page, csv in rows:
        t = report.total
        print(
            f"| {'on' if hours_on else 'off'} | {days} | {t.sessions:,} | {t.stretches:,} | "
            f"{t.ratings_received:,} of {t.ratings_requested:,} | "
            f"{query[0]:.0f} / {query[1]:.0f} | "
            f"{page[0]:.0f} / {page[1]:.0f} | {csv[0]:.0f} / {csv[1]:.0f} |"
        )
    touch = (
        "UPDATE inbox_message SET changed_at = now() WHERE conversation_id IN ("
        " SELECT id FROM inbox_conversation WHERE workspace_id = %s"
        " ORDER BY last_message_at DESC LIMIT 200)"
    )

    def catch_up() -> None:
        with connection.cursor() as cursor:
            cursor.execute(touch, [workspace.pk])
        began = time.perf_counter()
        assert service_waits.waits_refresh(workspace=workspace) == 200
        catch_ups.append((time.perf_counter() - began) * 1000)

    catch_ups: list[float] = []
    for _ in range(runs):
        catch_up()
    print(
        f"\nA catch-up after 200 chats changed: p50 {statistics.median(catch_ups):.0f} ms, "
        f"p95 {pct(catch_ups, 0.95):.0f} ms ({runs} runs)."
    )
    WorkingHours.objects.for_workspace(workspace).update(enabled=True)
    period = Period(first=today - timedelta(days=29), last=today)
    start, end = service._bounds(period, workspace.timezone)
    params = {
        "ws": workspace.pk, "start": start, "end": end,
        "within": service.ANSWER_WITHIN.total_seconds(),
        "hours_on": True, "satisfied": 4, "removed": service.REMOVED,
    }  # fmt: skip
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + service._SQL, params)
        print("\nEXPLAIN ANALYZE, report query, 30 days, working hours on:\n")
        print("\n".join("    " + r[0] for r in cursor.fetchall()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20, help="timed runs of each measure")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13", help="flushed")
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database --keep left")
    args = parser.parse_args()

    os.environ.update(environment(args.pg, args.redis))
    import django
    import redis

    broker = redis.Redis.from_url(args.redis)
    broker.flushdb()
    reuse = args.reuse and database_exists(args.pg)
    if not reuse:
        fresh_database(args.pg)
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from chatsparks.workspaces.models import Workspace

    try:
        call_command("migrate", verbosity=0)
        if reuse:
            workspace = Workspace.objects.get(name="Glow Beauty (bench)")
            say("reusing the generated database")
        else:
            workspace = generate(args.conversations, timezone.now().replace(microsecond=0))
        measure(workspace, args.runs)
    finally:
        from django.db import connections

        connections.close_all()
        broker.flushdb()
        if not args.keep:
            drop_database(args.pg)


if __name__ == "__main__":
    main()
