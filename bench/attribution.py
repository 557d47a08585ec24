"""Matching orders to conversations, and the analytics pages, at a large workspace's size.

    /tmp/dv/bin/python bench/attribution.py [--scale 1] [--sample 2000] [--runs 10] [--keep]
        [--reuse] [--no-http] [--pg postgres://postgres@127.0.0.1:5432]
        [--database chatsparks_bench_attr] [--redis redis://127.0.0.1:6379/14]

PostgreSQL and Redis must already run. Creates a fresh database (--database, dropped at the
end unless --keep; two runs at once need two names), migrates it with production settings
(bench/settings_attribution.py) and fills it in SQL (INSERT … SELECT over generate_series,
foreign-key triggers off and the big tables' secondary indexes built after loading, about
3 minutes at --scale 1) with one big workspace and three small ones. At
--scale 1 the big one holds 1,000,000 contacts, each with a TikTok DM conversation; 85 %
commented on one of 400 videos and LIVEs (mostly recent ones), triggers fired on 72 % of
those, and the 20 of 25 triggers that have a DM flow started a run: a "hello" DM, a question,
then a shop link to one of 600 SKUs (89 % of runs; a quarter of them a second link 1-8 days
later), 35 % of contacts replying, 3 % of DMs failed. Teammates sent shop links by hand to
5 % of the others. That is about 600,000 shop-link DMs over 90 days. 20 % of contacts carry
a TikTok Shop buyer id. 100,000 orders (1-3 lines each) over the same 90 days: 45 % by a
buyer who got a shop link 0-13.5 days before (three quarters of those for that very SKU),
25 % by a known buyer at a random time, 30 % by buyers no contact is linked to. Every
attribution is computed in one set-based statement that follows ``attribution.matching``'s
rules (each timed ``order_match`` call below checks it agrees), and the daily rollups are
built with ``analytics.services.rollup_day`` for 91 days.

Then, in this process, warm:

- ``attribution.matching.order_match`` over a sample of orders (a quarter each attributed,
  soft, organic with a known buyer, buyer unknown): ms per order and SQL queries per order
  (CaptureQueriesContext, in a second pass, so the timing pass carries no capture cost);
- planning and execution time of matching's two reads (EXPLAIN ANALYZE, unprepared), which
  is why the product prepares them;
- ``attribution.orders.order_store`` end to end for new orders built from sampled ones;
- a baseline ("bare match", as webhook_ingest has bare-ingest): the same rules and the write
  in one hand-written statement per order, then COMMIT, planned at each call as Django sends
  queries, and prepared once on the server;
- each analytics page through Django's test Client (2 warm-ups, then --runs runs), and again
  over HTTP through gunicorn with 2 sync workers (--no-http skips it).

Prints Markdown tables to paste into bench/README.md, and EXPLAIN ANALYZE of the matching
queries. --reuse keeps an already generated database (with --keep from an earlier run).
"""

import argparse
import base64
import math
import os
import re
import secrets
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from localservices import die_with_parent, free_port  # noqa: E402

DATABASE = "chatsparks_bench_attr"  # --database
OWNER_EMAIL = "bench-owner@chatsparks.test"
DAYS = 90
FLOWS, TRIGGERS, FLOW_TRIGGERS, PRODUCTS = 8, 25, 20, 200
SKUS = PRODUCTS * 3
BLOCKS = [
    {"id": "hello", "type": "message", "text": "Hi {handle}! Here is today's price."},
    {"id": "shade", "type": "question", "text": "Which shade would you like?", "field": "shade"},
    {"id": "card", "type": "shop_link", "sku_id": "1729000001"},
]
REASONS = {
    "attributed": "a shop link to an ordered SKU, sent in this conversation",
    "soft": "a shop link within 14 days, but to other products",
    "organic_known": "the buyer got no shop link from us in the 14 days before ordering",
    "organic_unknown": "the buyer is not a known contact",
}


def say(message: str) -> None:
    print(f"bench: {message}", file=sys.stderr, flush=True)


class Stopwatch:
    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __str__(self) -> str:
        return f"{time.perf_counter() - self.start:.1f} s"


# --- the database -----------------------------------------------------------------------------


def admin(pg: str) -> psycopg.Connection[Any]:
    return psycopg.connect(pg + "/postgres", autocommit=True)


def database_exists(pg: str, name: str) -> bool:
    with admin(pg) as conn:
        return bool(conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone())


def fresh_database(pg: str, name: str) -> None:
    with admin(pg) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {name}")


def drop_database(pg: str, name: str) -> None:
    with admin(pg) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def environment(pg: str, name: str, redis: str) -> dict[str, str]:
    return {
        "DJANGO_SETTINGS_MODULE": "bench.settings_attribution",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "DATABASE_URL": f"{pg}/{name}",
        "REDIS_URL": redis,
        "ALLOWED_HOSTS": "127.0.0.1",
    }


# --- generating one workspace in SQL ----------------------------------------------------------

# One row per contact with every random choice made once; each table below reads it. Ids are
# explicit (a base plus the contact's number), so rows find each other without joins.
_PLAN = """
CREATE TEMP TABLE plan ON COMMIT PRESERVE ROWS AS
WITH base AS (
    SELECT g,
           date_trunc('second', %(start)s::timestamptz + random() * interval '90 days') AS at,
           random() AS r_comment, random() AS r_eval, random() AS r_trig, random() AS r_post,
           random() AS r_steps, random() AS r_reply, random() AS r_second, random() AS r_fail,
           random() AS r_sku, random() AS r_sku2
    FROM generate_series(1, %(n)s) g
), chosen AS (
    SELECT g, at, r_reply, r_second, r_fail,
           r_comment < 0.85 AS commented,
           CASE WHEN r_eval < 0.72 THEN 'fired' WHEN r_eval < 0.95 THEN 'no_match'
                ELSE 'throttled' END AS outcome,
           floor(%(triggers)s * r_trig * r_trig)::int + 1 AS trigger_i,
           greatest(1, least(%(posts)s,
               floor(extract(epoch FROM at - %(post_epoch)s::timestamptz) / %(post_every)s)::int + 1
           ) - floor(power(r_post, 3) * 60)::int) AS post_i,
           CASE WHEN r_steps < 0.06 THEN 1 WHEN r_steps < 0.11 THEN 2 ELSE 3 END AS steps,
           floor(%(skus)s * r_sku * r_sku)::int + 1 AS sku_i,
           floor(%(skus)s * r_sku2)::int + 1 AS sku2_i,
           at + interval '1 day' + r_second * interval '28 days' AS card2_at
    FROM base
)
SELECT *, commented AND outcome = 'fired' AND trigger_i <= %(flow_triggers)s AS has_run
FROM chosen
"""


def _product(sku: str) -> str:
    """The JSON of a shop link's product, for SKU number ``sku`` (an SQL expression)."""
    return (
        f"jsonb_build_object('product_id', '1730' || lpad((({sku} - 1) / 3 + 1)::text, 6, '0'), "
        f"'sku_id', '1729' || lpad(({sku})::text, 6, '0'), "
        f"'title', 'Glow product ' || (({sku} - 1) / 3 + 1))"
    )


_STEPS: list[tuple[str, str]] = [
    (
        "contacts",
        """
        INSERT INTO inbox_contact (id, workspace_id, platform, external_id, handle, display_name,
            avatar_url, tags, fields, shop_buyer_id, first_seen_at, last_seen_at)
        SELECT %(cb)s + g, %(ws)s, 'tiktok', 'tt' || lpad(g::text, 12, '0'), 'viewer' || g, '',
               '', '{}', '{}',
               CASE WHEN mod(g, 5) = 0
                    THEN '7494' || lpad(%(ws)s::text, 4, '0') || lpad(g::text, 11, '0')
                    ELSE '' END,
               at, at + interval '1 hour'
        FROM plan
        """,
    ),
    (
        "conversations",
        """
        INSERT INTO inbox_conversation (id, workspace_id, connection_id, contact_id, channel,
            external_id, state, handoff_reason, trigger_id, trigger_name, last_inbound_at,
            outbound_since_inbound, last_message_at, created_at)
        SELECT %(vb)s + g, %(ws)s, %(tt)s, %(cb)s + g, 'tiktok_dm', '0:1:' || g,
               CASE WHEN r_reply > 0.9 THEN 'closed' ELSE 'bot' END, '',
               CASE WHEN has_run THEN t.id END, CASE WHEN has_run THEN t.name ELSE '' END,
               at, 0, at + interval '1 hour', at
        FROM plan p JOIN bench_triggers t ON t.i = p.trigger_i
        """,
    ),
    (
        "comments",
        """
        INSERT INTO inbox_comment (id, workspace_id, connection_id, post_id, post_external_id,
            contact_id, external_id, parent_external_id, text, status, commented_at,
            received_at, high_intent)
        SELECT %(mb)s + g, %(ws)s, %(tt)s, bp.id, bp.external_id, %(cb)s + g,
               '7449' || lpad(g::text, 15, '0'), '',
               (ARRAY['price?', 'link pls', 'how much is the 30ml?', 'ราคาเท่าไหร่คะ',
                      'love it', 'restock when?'])[1 + mod(g, 6)],
               'visible', at, at + interval '2 seconds', r_reply < 0.5
        FROM plan p JOIN bench_posts bp ON bp.i = p.post_i
        WHERE commented
        """,
    ),
    (
        "evaluations",
        """
        INSERT INTO flows_evaluation (id, workspace_id, comment_id, contact_id, trigger_id,
            outcome, reason, notes, created_at)
        SELECT %(eb)s + g, %(ws)s, %(mb)s + g, %(cb)s + g,
               CASE WHEN outcome <> 'no_match' THEN t.id END, outcome,
               CASE outcome WHEN 'fired' THEN 'matched ' || t.name
                    WHEN 'throttled' THEN 'one DM a day per person' ELSE 'no keyword' END,
               '{}', at + interval '3 seconds'
        FROM plan p JOIN bench_triggers t ON t.i = p.trigger_i
        WHERE commented
        """,
    ),
    (
        "runs",
        """
        INSERT INTO flows_run (id, workspace_id, connection_id, flow_version_id, trigger_id,
            comment_id, contact_id, conversation_id, state, door, position, intent_checks,
            free_text_count, started_at, updated_at)
        SELECT %(rb)s + g, %(ws)s, %(tt)s, t.version_id, t.id, %(mb)s + g, %(cb)s + g,
               %(vb)s + g, 'done', 'comment_to_message', '', 0, 0, at + interval '3 seconds',
               at + interval '40 minutes'
        FROM plan p JOIN bench_triggers t ON t.i = p.trigger_i
        WHERE has_run
        """,
    ),
    (
        "run steps",
        """
        INSERT INTO flows_runstep (workspace_id, run_id, block_id, block_type, note, at)
        SELECT %(ws)s, %(rb)s + g, b.block_id, b.block_type, '', p.at + b.after
        FROM plan p
        JOIN (VALUES (1, 'hello', 'message', interval '5 seconds'),
                     (2, 'shade', 'question', interval '2 minutes'),
                     (3, 'card', 'shop_link', interval '35 minutes'))
             b(n, block_id, block_type, after) ON b.n <= p.steps
        WHERE has_run
        ORDER BY g, b.n
        """,
    ),
    (
        "sends",
        """
        INSERT INTO inbox_send (id, workspace_id, connection_id, kind, comment_id,
            conversation_id, contact_id, door, text, payload, state, provider_id, error,
            attempts, created_at, updated_at)
        SELECT %(sb)s + 3 * g + s.k, %(ws)s, %(tt)s, 'dm',
               CASE WHEN s.k = 0 THEN %(mb)s + g END, %(vb)s + g, %(cb)s + g,
               'comment_to_message', s.text, s.payload, s.state,
               CASE WHEN s.state = 'sent' THEN 'm' || g || '-' || s.k ELSE '' END,
               CASE WHEN s.state = 'failed' THEN 'rejected by TikTok' ELSE '' END, 1,
               s.at, s.at + interval '1 second'
        FROM plan p
        CROSS JOIN LATERAL (VALUES
            (0, 'Hi! Here is today''s price.', '{}'::jsonb,
             CASE WHEN p.r_fail < 0.03 THEN 'failed' ELSE 'sent' END,
             p.at + interval '4 seconds', true),
            (1, 'Here it is', jsonb_build_object('product', @PRODUCT(p.sku_i)@),
             CASE WHEN p.r_fail > 0.97 THEN 'failed' ELSE 'sent' END,
             p.at + interval '35 minutes', p.steps = 3),
            (2, 'You might also like', jsonb_build_object('product', @PRODUCT(p.sku2_i)@),
             'sent', p.card2_at,
             p.steps = 3 AND p.r_second < 0.25 AND p.card2_at < %(now)s)
        ) s(k, text, payload, state, at, wanted)
        WHERE p.has_run AND s.wanted
        ORDER BY g, s.k
        """,
    ),
    (
        "messages",
        """
        INSERT INTO inbox_message (workspace_id, conversation_id, direction, kind, text, payload,
            external_id, source, send_id, mentions, sent_at)
        SELECT %(ws)s, %(vb)s + g, m.direction, m.kind, m.text, m.payload, '', m.source,
               m.send_id, '{}', m.at
        FROM plan p
        CROSS JOIN LATERAL (VALUES
            ('out', 'text', 'Hi! Here is today''s price.',
             jsonb_build_object('run', %(rb)s + g, 'block', 'hello'), 'bot',
             %(sb)s + 3 * g, p.at + interval '5 seconds', p.has_run),
            ('in', 'text', 'pink please', '{}'::jsonb, '', NULL::bigint,
             p.at + interval '2 minutes' + p.r_reply * interval '1 hour',
             p.has_run AND p.r_fail >= 0.03 AND p.r_reply < 0.35),
            ('out', 'product_card', 'Here it is',
             jsonb_build_object('product', @PRODUCT(p.sku_i)@, 'run', %(rb)s + g,
                                'block', 'card'),
             'bot', %(sb)s + 3 * g + 1, p.at + interval '35 minutes',
             p.has_run AND p.steps = 3),
            ('out', 'product_card', 'You might also like',
             jsonb_build_object('product', @PRODUCT(p.sku2_i)@, 'run', %(rb)s + g,
                                'block', 'card'),
             'bot', %(sb)s + 3 * g + 2, p.card2_at,
             p.has_run AND p.steps = 3 AND p.r_second < 0.25 AND p.card2_at < %(now)s),
            ('in', 'text', 'hi, do you ship to Leeds?', '{}'::jsonb, '', NULL, p.at,
             NOT p.has_run),
            ('out', 'product_card', 'This one',
             jsonb_build_object('product', @PRODUCT(p.sku2_i)@), 'app', NULL,
             p.at + interval '10 minutes', NOT p.has_run AND p.r_second > 0.9)
        ) m(direction, kind, text, payload, source, send_id, at, wanted)
        WHERE m.wanted
        ORDER BY m.at
        """,
    ),
    (
        "active contacts",
        """
        INSERT INTO inbox_activecontact (workspace_id, contact_id, cycle_start, created_at)
        SELECT %(ws)s, contact_id, %(cycle)s, min(created_at)
        FROM inbox_send
        WHERE workspace_id = %(ws)s AND state = 'sent' AND created_at >= %(cycle)s
        GROUP BY contact_id
        """,
    ),
    (
        "shop links to buyers",
        """
        CREATE TEMP TABLE cards ON COMMIT PRESERVE ROWS AS
        SELECT row_number() OVER (ORDER BY m.id) AS k, m.sent_at,
               m.payload -> 'product' ->> 'sku_id' AS sku, k.shop_buyer_id AS buyer
        FROM inbox_message m
        JOIN inbox_conversation c ON c.id = m.conversation_id
        JOIN inbox_contact k ON k.id = c.contact_id
        WHERE m.workspace_id = %(ws)s AND m.direction = 'out' AND m.payload ? 'product'
          AND k.shop_buyer_id <> '' AND m.sent_at < %(now)s - interval '1 hour'
        """,
    ),
    (
        "order plan",
        """
        CREATE TEMP TABLE oplan ON COMMIT PRESERVE ROWS AS
        WITH base AS (
            SELECT j, random() AS r_kind, random() AS r_card, random() AS r_lag,
                   random() AS r_sku, random() AS r_status, random() AS r_lines,
                   random() AS r_when, random() AS r_other, random() AS r_third,
                   random() AS r_fourth
            FROM generate_series(1, %(orders)s) j
        ), sized AS (
            SELECT b.*, (SELECT count(*) FROM cards) AS ncards FROM base b
        ), kinded AS (
            SELECT s.*, CASE WHEN r_kind < 0.45 AND ncards > 0 THEN 'link'
                             WHEN r_kind < 0.70 THEN 'known' ELSE 'unknown' END AS kind
            FROM sized s
        )
        SELECT o.j, o.kind,
               CASE o.kind WHEN 'link' THEN c.buyer
                    WHEN 'known' THEN '7494' || lpad(%(ws)s::text, 4, '0')
                        || lpad((5 * (1 + floor(o.r_card * (%(n)s / 5))::int))::text, 11, '0')
                    ELSE '7495' || lpad(%(ws)s::text, 4, '0') || lpad(o.j::text, 11, '0')
               END AS buyer,
               CASE WHEN o.kind = 'link'
                    THEN least(c.sent_at + date_trunc('second',
                                   o.r_lag * interval '13 days 12 hours'),
                               %(now)s - interval '1 minute')
                    ELSE date_trunc('second',
                                    %(start)s::timestamptz + o.r_when * interval '90 days')
               END AS at,
               CASE WHEN o.kind = 'link' AND o.r_sku < 0.75 THEN c.sku
                    ELSE '1729' || lpad((floor(%(skus)s * o.r_other * o.r_other)::int + 1)::text,
                                        6, '0') END AS sku1,
               '1729' || lpad((floor(%(skus)s * o.r_third)::int + 1)::text, 6, '0') AS sku2,
               '1729' || lpad((floor(%(skus)s * o.r_fourth)::int + 1)::text, 6, '0') AS sku3,
               CASE WHEN o.r_lines < 0.08 THEN 3 WHEN o.r_lines < 0.30 THEN 2 ELSE 1 END AS lines,
               CASE WHEN o.r_lines > 0.9 THEN 2 ELSE 1 END AS quantity,
               CASE WHEN o.r_status < 0.04 THEN 'CANCELLED'
                    WHEN o.r_status < 0.30 THEN 'AWAITING_SHIPMENT'
                    WHEN o.r_status < 0.45 THEN 'IN_TRANSIT'
                    WHEN o.r_status < 0.70 THEN 'DELIVERED' ELSE 'COMPLETED' END AS status,
               o.r_status > 0.98 AS refunded, o.r_when
        FROM kinded o
        LEFT JOIN cards c ON o.kind = 'link' AND c.k = floor(o.r_card * o.ncards)::int + 1
        """,
    ),
    (
        "orders",
        """
        INSERT INTO attribution_order (id, workspace_id, connection_id, external_id, status,
            buyer_user_id, currency, total, created_at_platform, updated_at_platform, refunded,
            details_missing, synced_at)
        SELECT %(ob)s + j, %(ws)s, %(shop)s,
               '5769' || lpad(%(ws)s::text, 4, '0') || lpad(j::text, 12, '0'), status, buyer,
               %(currency)s, 0, at,
               least(at + r_when * interval '3 days', %(now)s), refunded, false, %(now)s
        FROM oplan
        """,
    ),
    (
        "order lines",
        """
        INSERT INTO attribution_orderline (workspace_id, order_id, sku_id, product_id,
            product_name, sku_name, unit_price, quantity, currency)
        SELECT %(ws)s, %(ob)s + o.j, s.sku,
               '1730' || lpad(((substr(s.sku, 5)::int - 1) / 3 + 1)::text, 6, '0'),
               'Glow product ' || ((substr(s.sku, 5)::int - 1) / 3 + 1),
               'Shade ' || mod(substr(s.sku, 5)::int, 3), 5.99 + mod(substr(s.sku, 5)::int, 40),
               o.quantity, %(currency)s
        FROM oplan o
        CROSS JOIN LATERAL (VALUES (1, o.sku1), (2, o.sku2), (3, o.sku3)) s(n, sku)
        WHERE s.n <= o.lines
        ON CONFLICT DO NOTHING
        """,
    ),
    (
        "order totals",
        """
        UPDATE attribution_order o SET total = l.total
        FROM (SELECT order_id, sum(unit_price * quantity) AS total FROM attribution_orderline
              WHERE workspace_id = %(ws)s GROUP BY order_id) l
        WHERE o.id = l.order_id
        """,
    ),
    ("attributions", "@ATTRIBUTIONS@"),
    (
        "a person's word on soft ones",
        """
        UPDATE attribution_attribution a
        SET decision = CASE WHEN mod(a.id, 10) < 3 THEN 'confirmed' ELSE 'rejected' END,
            decided_by_id = %(user)s, decided_at = a.ordered_at + interval '1 day',
            revenue = CASE WHEN mod(a.id, 10) < 3 AND NOT (o.refunded OR o.status = 'CANCELLED')
                           THEN o.total ELSE 0 END
        FROM attribution_order o
        WHERE a.workspace_id = %(ws)s AND a.outcome = 'soft' AND o.id = a.order_id
          AND mod(a.id, 10) < 4
        """,
    ),
]


# The rules of attribution.matching as one statement: the buyer's contact by shop_buyer_id
# (the most recently seen), their delivered shop links in the 14 days before the order, the
# newest link's conversation, a link there to an ordered SKU (attributed) or else its newest
# link (soft), and the run that sent it. Every order of the workspace when %(order)s is NULL
# (generating the data), else that one order (the "bare match" baseline). One row per order,
# named like Attribution's columns.
_DECIDE = """
WITH buyer AS (
    SELECT DISTINCT ON (shop_buyer_id) shop_buyer_id, id
    FROM inbox_contact
    WHERE workspace_id = %(ws)s AND shop_buyer_id <> ''
      AND (%(order)s::bigint IS NULL OR shop_buyer_id = (
          SELECT buyer_user_id FROM attribution_order WHERE id = %(order)s::bigint))
    ORDER BY shop_buyer_id, last_seen_at DESC
), links AS (
    SELECT o.id AS order_id, m.id AS message_id, m.conversation_id, c.contact_id,
           m.sent_at, m.payload,
           row_number() OVER (PARTITION BY o.id ORDER BY m.sent_at DESC, m.id DESC) AS rn
    FROM attribution_order o
    JOIN inbox_contact k ON k.workspace_id = o.workspace_id AND k.shop_buyer_id = o.buyer_user_id
         AND k.shop_buyer_id <> ''  -- what lets PostgreSQL use a partial index on it
    JOIN inbox_conversation c ON c.contact_id = k.id
    JOIN inbox_message m ON m.conversation_id = c.id AND m.workspace_id = o.workspace_id
    LEFT JOIN inbox_send s ON s.id = m.send_id
    WHERE o.workspace_id = %(ws)s AND (%(order)s::bigint IS NULL OR o.id = %(order)s::bigint)
      AND o.buyer_user_id <> '' AND m.direction = 'out' AND m.payload ? 'product'
      AND m.sent_at >= o.created_at_platform - interval '14 days'
      AND m.sent_at <= o.created_at_platform
      AND (m.send_id IS NULL OR s.state = 'sent')
), chosen AS (
    SELECT l.*, EXISTS (
               SELECT 1 FROM attribution_orderline ol
               WHERE ol.order_id = l.order_id
                 AND ol.sku_id = coalesce(l.payload -> 'product' ->> 'sku_id', '')
           ) AS matches
    FROM links l
    JOIN (SELECT order_id, conversation_id FROM links WHERE rn = 1) first
      USING (order_id, conversation_id)
), credit AS (
    SELECT DISTINCT ON (order_id) * FROM chosen ORDER BY order_id, matches DESC, rn
), decided AS (
    SELECT o.id AS order_id, o.total, o.currency, o.created_at_platform,
           o.updated_at_platform, o.refunded OR o.status = 'CANCELLED' AS reversed,
           b.id AS buyer_id, cr.message_id, cr.conversation_id, cr.contact_id,
           cr.sent_at, cr.payload,
           CASE WHEN cr.order_id IS NULL THEN 'organic'
                WHEN cr.matches THEN 'attributed' ELSE 'soft' END AS outcome,
           CASE WHEN jsonb_typeof(cr.payload -> 'run') = 'number'
                THEN (cr.payload ->> 'run')::bigint END AS run_id
    FROM attribution_order o
    LEFT JOIN buyer b ON b.shop_buyer_id = o.buyer_user_id
    LEFT JOIN credit cr ON cr.order_id = o.id
    WHERE o.workspace_id = %(ws)s AND (%(order)s::bigint IS NULL OR o.id = %(order)s::bigint)
)
SELECT %(ws)s::bigint AS workspace_id, d.order_id, d.outcome,
       CASE WHEN d.buyer_id IS NOT NULL THEN 'shop_buyer_id' ELSE '' END AS match_key,
       CASE WHEN d.outcome = 'attributed' THEN %(r_attributed)s
            WHEN d.outcome = 'soft' THEN %(r_soft)s
            WHEN d.buyer_id IS NOT NULL THEN %(r_organic_known)s
            ELSE %(r_organic_unknown)s END AS reason,
       coalesce(d.contact_id, d.buyer_id) AS contact_id, d.conversation_id,
       d.message_id AS link_message_id, d.sent_at AS link_sent_at, r.id AS run_id,
       cm.id AS comment_id, cm.post_id, r.trigger_id, v.flow_id, v.id AS flow_version_id,
       left(coalesce(d.payload ->> 'block', ''), 32) AS block_id,
       d.created_at_platform - cm.commented_at AS time_to_order,
       CASE WHEN d.outcome = 'attributed' AND NOT d.reversed THEN d.total ELSE 0 END AS revenue,
       d.currency, '' AS decision,
       coalesce(d.created_at_platform, d.updated_at_platform) AS ordered_at,
       %(now)s::timestamptz AS matched_at
FROM decided d
LEFT JOIN flows_run r ON r.id = d.run_id AND r.workspace_id = %(ws)s
LEFT JOIN flows_flowversion v ON v.id = r.flow_version_id
LEFT JOIN inbox_comment cm ON cm.id = r.comment_id
"""
_COLUMNS = (
    "workspace_id, order_id, outcome, match_key, reason, contact_id, conversation_id, "
    "link_message_id, link_sent_at, run_id, comment_id, post_id, trigger_id, flow_id, "
    "flow_version_id, block_id, time_to_order, revenue, currency, decision, ordered_at, "
    "matched_at"
)
_UPDATED = [c for c in _COLUMNS.split(", ") if c not in ("workspace_id", "order_id", "decision")]
# The floor for a matcher: the decision and the write in one statement, then COMMIT.
BARE_MATCH = "".join(
    [
        "WITH d AS (",
        _DECIDE.replace("%(order)s::bigint IS NULL OR ", "false OR "),  # this order only
        ") UPDATE attribution_attribution a SET ",
        ", ".join(f"{c} = d.{c}" for c in _UPDATED),
        " FROM d WHERE a.order_id = d.order_id AND a.workspace_id = %(ws)s",
    ]
)
_STEPS = [
    (label, re.sub(r"@PRODUCT\((\S+?)\)@", lambda m: _product(m.group(1)), sql))
    for label, sql in _STEPS
]
_STEPS = [
    (
        label,
        sql.replace(
            "@ATTRIBUTIONS@",
            "".join(["INSERT INTO attribution_attribution (", _COLUMNS, ") ", _DECIDE]),
        ),
    )
    for label, sql in _STEPS
]

_BULK_TABLES = [
    "inbox_contact", "inbox_conversation", "inbox_comment", "flows_evaluation", "flows_run",
    "flows_runstep", "inbox_send", "inbox_message", "inbox_activecontact",
]  # fmt: skip
_BULK_TABLES_DONE = "active contacts"  # the last step that fills them
_ANALYZE_AFTER = {
    "shop links to buyers": ["cards"],
    "order plan": ["oplan"],
    "order totals": ["attribution_order", "attribution_orderline"],
}
# Indexes that back no constraint (foreign-key and Meta indexes, partial unique indexes).
_SECONDARY_INDEXES = """
SELECT i.indexname, i.indexdef FROM pg_indexes i
WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
"""

# Tables whose ids the statements above set explicitly: (table, base parameter).
_EXPLICIT_IDS = [
    ("inbox_contact", "cb"),
    ("inbox_conversation", "vb"),
    ("inbox_comment", "mb"),
    ("flows_evaluation", "eb"),
    ("flows_run", "rb"),
    ("inbox_send", "sb"),
    ("attribution_order", "ob"),
]


def _small_objects(
    *, name: str, tz: str, contacts: int, user: Any, now: datetime
) -> dict[str, Any]:
    """The workspace, its two connections, posts, catalog, flows and triggers (ORM), and the
    parameters the SQL needs."""
    from chatsparks.workspaces.models import Membership, Workspace
    from flows.models import Flow, FlowVersion, Trigger
    from inbox.active_contacts import cycle_start
    from integrations.models import Connection, Post, Product, Sku

    start = now - timedelta(days=DAYS)
    workspace = Workspace.objects.create(
        name=name,
        timezone=tz,
        contact_limit=contacts * 5,
        billing_anchor=(now - timedelta(days=120)).date().replace(day=1),
    )
    Membership.objects.create(workspace=workspace, user=user, role="owner")
    tiktok = Connection.objects.create(
        workspace=workspace, provider="tiktok", external_id=f"bench-tiktok-{workspace.pk}",
        handle=f"glow{workspace.pk}", display_name=name, connected_at=start,
    )  # fmt: skip
    shop = Connection.objects.create(
        workspace=workspace, provider="tiktok_shop", external_id=f"bench-shop-{workspace.pk}",
        display_name=f"{name} Shop", shop_cipher="ROW_bench", connected_at=start,
    )  # fmt: skip
    posts = max(20, contacts // 2500)
    post_epoch = start - timedelta(days=30)
    post_every = (now - post_epoch).total_seconds() / posts
    created_posts = Post.unscoped.bulk_create(
        Post(
            workspace=workspace,
            connection=tiktok,
            external_id=f"74488{workspace.pk:04d}{i:010d}",
            kind="live" if i % 7 == 0 else "video",
            caption=f"Glow haul #{i}: swatches and prices",
            published_at=post_epoch + timedelta(seconds=post_every * (i - 1)),
        )
        for i in range(1, posts + 1)
    )
    products = Product.unscoped.bulk_create(
        Product(
            workspace=workspace,
            connection=shop,
            external_id=f"1730{p:06d}",
            title=f"Glow product {p}",
            status="ACTIVATE",
        )
        for p in range(1, PRODUCTS + 1)
    )
    Sku.unscoped.bulk_create(
        Sku(
            workspace=workspace,
            product=products[(s - 1) // 3],
            external_id=f"1729{s:06d}",
            name=f"Shade {s % 3}",
            price=Decimal("5.99") + s % 40,
            currency="GBP",
            stock=100,
        )
        for s in range(1, SKUS + 1)
    )
    versions = []
    for f in range(1, FLOWS + 1):
        flow = Flow.objects.create(workspace=workspace, name=f"Price DM {f}", draft=BLOCKS)
        version = FlowVersion.objects.create(
            workspace=workspace, flow=flow, number=1, blocks=BLOCKS
        )
        flow.live_version = version
        flow.save(update_fields=["live_version"])
        versions.append(version)
    triggers = []
    for t in range(1, TRIGGERS + 1):
        version = versions[(t - 1) % FLOWS] if t <= FLOW_TRIGGERS else None
        triggers.append(
            (
                t,
                Trigger.objects.create(
                    workspace=workspace,
                    connection=tiktok,
                    name=f"Keyword {t}",
                    status="active",
                    priority=t,
                    keywords=[f"price{t}", f"link{t}"],
                    reply_variants=["Sent you a DM 💌"],
                    flow_id=version.flow_id if version else None,
                ),
                version,
            )
        )
    return {
        "workspace": workspace,
        "posts": [(i, p.pk, p.external_id) for i, p in enumerate(created_posts, start=1)],
        "triggers": [(i, t.pk, t.name, t.flow_id, v.pk if v else None) for i, t, v in triggers],
        "params": {
            "ws": workspace.pk,
            "tt": tiktok.pk,
            "shop": shop.pk,
            "user": user.pk,
            "start": start,
            "now": now,
            "posts": posts,
            "post_epoch": post_epoch,
            "post_every": post_every,
            "triggers": TRIGGERS,
            "flow_triggers": FLOW_TRIGGERS,
            "skus": SKUS,
            "currency": "GBP",
            "cycle": cycle_start(workspace),
        },
    }


def generate_workspace(
    db: psycopg.Connection[Any],
    *,
    name: str,
    tz: str,
    contacts: int,
    orders: int,
    user: Any,
    now: datetime,
    verbose: bool,
) -> Any:
    """One workspace. The big one (``verbose``) is loaded with the bulk tables' secondary
    indexes dropped and built again afterwards, which is several times faster than
    maintaining them row by row."""
    made = _small_objects(name=name, tz=tz, contacts=contacts, user=user, now=now)
    params: dict[str, Any] = {
        **made["params"], "n": contacts, "orders": orders, "order": None,
        **{f"r_{k}": v for k, v in REASONS.items()},
    }  # fmt: skip
    with db.cursor() as cur:
        for table, base in _EXPLICIT_IDS:
            params[base] = cur.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # type: ignore[index]  # noqa: S608
            params[base] += 10  # a gap: no formula can reach the previous workspace's ids
        for temp in ("plan", "cards", "oplan", "bench_posts", "bench_triggers"):
            cur.execute(f"DROP TABLE IF EXISTS {temp}")
        cur.execute("CREATE TEMP TABLE bench_posts (i int, id bigint, external_id text)")
        cur.executemany("INSERT INTO bench_posts VALUES (%s, %s, %s)", made["posts"])
        cur.execute(
            "CREATE TEMP TABLE bench_triggers "
            "(i int, id bigint, name text, flow_id bigint, version_id bigint)"
        )
        cur.executemany("INSERT INTO bench_triggers VALUES (%s, %s, %s, %s, %s)", made["triggers"])
        watch = Stopwatch()
        cur.execute(_PLAN, params)
        cur.execute("ANALYZE plan")
        db.commit()
        if verbose:
            say(f"  plan: {watch}")
        indexes: list[tuple[str, str]] = []
        if verbose:
            indexes = cur.execute(_SECONDARY_INDEXES, [_BULK_TABLES]).fetchall()
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            db.commit()
        for label, sql in _STEPS:
            watch = Stopwatch()
            cur.execute(sql, params)
            rows = cur.rowcount
            for table in _ANALYZE_AFTER.get(label, ()):
                cur.execute(f"ANALYZE {table}")
            db.commit()
            if verbose:
                say(f"  {label}: {rows:,} rows, {watch}")
            if label == _BULK_TABLES_DONE:
                watch = Stopwatch()
                for _, definition in indexes:
                    cur.execute(definition)
                # Fresh statistics: the statements below join these tables by the million,
                # and a plan made from the empty tables' estimates runs for hours.
                for table in _BULK_TABLES:
                    cur.execute(f"ANALYZE {table}")
                db.commit()
                if verbose:
                    say(f"  {len(indexes)} indexes built and tables analysed: {watch}")
        for table, _ in _EXPLICIT_IDS:
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        db.commit()
    return made["workspace"]


def generate(scale: float, now: datetime, seed: float) -> tuple[Any, Any, dict[str, float]]:
    """Every workspace, their rollups, and what it cost. Returns (big workspace, its owner,
    the figures)."""
    from chatsparks.users.models import User

    costs: dict[str, float] = {}
    user = User.objects.create_user(email=OWNER_EMAIL, password=secrets.token_urlsafe(16))
    contacts, orders = round(1_000_000 * scale), round(100_000 * scale)
    small = max(200, round(10_000 * scale))
    with psycopg.connect(os.environ["DATABASE_URL"]) as db:
        db.execute("SET synchronous_commit = off")
        db.execute("SET work_mem = '256MB'")
        db.execute("SET maintenance_work_mem = '512MB'")
        db.execute("SELECT setseed(%s)", [seed])
        # No foreign-key triggers while loading: the rows are consistent by construction, and
        # checking 8 million of them one by one would double the load time.
        db.execute("SET session_replication_role = replica")
        watch = Stopwatch()
        say(f"generating {contacts:,} contacts and {orders:,} orders in the big workspace")
        big = generate_workspace(
            db, name="Glow Beauty (bench)", tz="Europe/London", contacts=contacts,
            orders=orders, user=user, now=now, verbose=True,
        )  # fmt: skip
        costs["big"] = time.perf_counter() - watch.start
        for name, tz in (
            ("Siam Skin", "Asia/Bangkok"),
            ("Brooklyn Beauty", "America/New_York"),
            ("Lagos Lux", "UTC"),
        ):
            other = User.objects.create_user(email=f"{name.split()[0].lower()}@chatsparks.test")
            generate_workspace(
                db, name=name, tz=tz, contacts=small, orders=small // 10, user=other,
                now=now, verbose=False,
            )  # fmt: skip
        costs["small"] = time.perf_counter() - watch.start - costs["big"]
        watch = Stopwatch()
        db.commit()
        db.autocommit = True
        db.execute("VACUUM (ANALYZE)")
        costs["vacuum"] = time.perf_counter() - watch.start
    say(f"data in {costs['big'] + costs['small']:.0f} s, vacuum {costs['vacuum']:.0f} s")
    costs.update(build_rollups(big))
    return big, user, costs


def build_rollups(big: Any) -> dict[str, float]:
    """91 days of the big workspace's rollups, one ``rollup_day`` at a time (timed), and the
    small ones with ``rollup_rebuild``."""
    from analytics import services
    from chatsparks.workspaces.models import Workspace

    today = services.workspace_today(big)
    per_day = []
    for n in range(DAYS, -1, -1):
        watch = time.perf_counter()
        services.rollup_day(workspace_id=big.pk, day=today - timedelta(days=n))
        per_day.append(time.perf_counter() - watch)
    for workspace in Workspace.objects.exclude(pk=big.pk):
        services.rollup_rebuild(workspace_id=workspace.pk, days=DAYS + 1)
    services.rollup_rebuild(workspace_id=big.pk, days=2)  # sets refreshed_at, as the beat does
    say(f"rollups: {len(per_day)} days, mean {statistics.mean(per_day) * 1000:.0f} ms a day")
    return {
        "rollup_mean": statistics.mean(per_day),
        "rollup_max": max(per_day),
        "rollup_total": sum(per_day),
    }


# --- measuring matching -----------------------------------------------------------------------


def pct(values: list[float], q: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def sample_orders(workspace: Any, size: int) -> dict[str, list[int]]:
    """Order ids, a quarter of ``size`` from each kind of outcome."""
    from attribution.models import Attribution

    kinds = {
        "attributed": {"outcome": "attributed"},
        "soft": {"outcome": "soft"},
        "organic, known buyer": {"outcome": "organic", "match_key": "shop_buyer_id"},
        "organic, unknown buyer": {"outcome": "organic", "match_key": ""},
    }
    each = math.ceil(size / len(kinds))
    return {
        kind: list(
            Attribution.objects.for_workspace(workspace)
            .filter(**where)
            .order_by("?")
            .values_list("order_id", flat=True)[:each]
        )
        for kind, where in kinds.items()
    }


def capturing(connection: Any) -> Any:
    """CaptureQueriesContext on an emptied log: it counts by the log's length, which stops
    growing at 9,000 queries, after which it would capture nothing."""
    from django.test.utils import CaptureQueriesContext

    connection.queries_log.clear()
    return CaptureQueriesContext(connection)


def _facts(attribution: Any) -> tuple[Any, ...]:
    return (
        attribution.outcome,
        attribution.contact_id,
        attribution.conversation_id,
        attribution.link_message_id,
        attribution.run_id,
        attribution.trigger_id,
        attribution.flow_id,
        attribution.comment_id,
        attribution.post_id,
        attribution.block_id,
    )


def _shape(sql: str) -> str:
    """A query's kind ("SELECT analytics_dailystat"), for naming the slowest of a page."""
    head = re.match(r"\s*(\w+)", sql)
    verb = head.group(1).upper() if head else "?"
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?(\w+)"?', sql)
    return f"{verb} {table.group(1) if table else ''}".strip()


def time_matching(sample: dict[str, list[int]], *, capture: int) -> dict[str, Any]:
    """Time ``order_match`` over the sample (shuffled across kinds), check each result against
    the stored attribution, then count queries over ``capture`` orders of each kind."""
    import random

    from django.db import connection

    from attribution.matching import order_match
    from attribution.models import Attribution, Order

    orders = {
        o.pk: o for o in Order.unscoped.filter(pk__in=[i for v in sample.values() for i in v])
    }
    expected = {
        a.order_id: _facts(a) for a in Attribution.unscoped.filter(order_id__in=list(orders))
    }
    kind_of = {i: kind for kind, ids in sample.items() for i in ids}
    mixed = list(orders)
    random.Random(7).shuffle(mixed)
    for pk in mixed[:50]:  # warm-up: code paths, connection, caches
        order_match(order=orders[pk])
    times: dict[str, list[float]] = defaultdict(list)
    disagree: list[tuple[int, Any, Any]] = []
    for pk in mixed:
        start = time.perf_counter()
        attribution = order_match(order=orders[pk])
        times[kind_of[pk]].append(time.perf_counter() - start)
        if _facts(attribution) != expected[pk]:
            disagree.append((pk, expected[pk], _facts(attribution)))
    queries: dict[str, list[int]] = defaultdict(list)
    for kind, ids in sample.items():
        for pk in ids[:capture]:
            with capturing(connection) as captured:
                order_match(order=orders[pk])
            queries[kind].append(len(captured.captured_queries))
    return {
        "times": dict(times),
        "queries": dict(queries),
        "disagree": disagree,
        "checked": len(mixed),
    }


def time_bare_match(workspace: Any, sample: dict[str, list[int]], *, prepared: bool) -> list[float]:
    """The baseline: ``BARE_MATCH`` (decide and write in one statement) and COMMIT per order;
    planned at every call like any query Django sends (client-side binding), or prepared once
    on the server. Each result is checked like ``order_match``'s. Returns seconds per order."""
    import random

    from django.utils import timezone

    from attribution.models import Attribution

    params = {"ws": workspace.pk, **{f"r_{k}": v for k, v in REASONS.items()}}
    ids = [i for v in sample.values() for i in v]
    expected = {a.order_id: _facts(a) for a in Attribution.unscoped.filter(order_id__in=ids)}
    random.Random(8).shuffle(ids)
    factory = psycopg.Cursor if prepared else psycopg.ClientCursor
    times = []
    with psycopg.connect(os.environ["DATABASE_URL"], cursor_factory=factory) as db:
        cursor = db.cursor()
        for n, pk in enumerate([*ids[:50], *ids]):
            start = time.perf_counter()
            cursor.execute(
                BARE_MATCH, {**params, "order": pk, "now": timezone.now()}, prepare=prepared
            )
            db.commit()
            if n >= 50:
                times.append(time.perf_counter() - start)
    found = {a.order_id: _facts(a) for a in Attribution.unscoped.filter(order_id__in=ids)}
    disagree = [pk for pk in ids if found[pk] != expected[pk]]
    assert not disagree, f"the bare match disagrees on orders {disagree[:10]}"
    return times


def order_data(order: Any, external_id: str) -> dict[str, Any]:
    """``order`` as Get Order Detail would return it, under a new id, a second later."""
    created = int(order.created_at_platform.timestamp()) + 1
    items = []
    for line in order.lines.all():
        items += [
            {
                "id": f"{external_id}{len(items)}",
                "sku_id": line.sku_id,
                "product_id": line.product_id,
                "product_name": line.product_name,
                "sku_name": line.sku_name,
                "original_price": str(line.unit_price),
                "sale_price": str(line.unit_price),
                "currency": line.currency,
            }
        ] * line.quantity
    return {
        "id": external_id,
        "status": order.status,
        "user_id": order.buyer_user_id,
        "create_time": created,
        "update_time": created + 60,
        "payment": {"currency": order.currency, "total_amount": str(order.total)},
        "line_items": items,
    }


def time_order_store(sample: dict[str, list[int]], *, per_kind: int, tag: str) -> dict[str, Any]:
    """``order_store`` for new orders copied from sampled ones (same buyer, lines, a second
    later), end to end: the upsert, the lines, the match."""
    from django.db import connection

    from attribution.models import Order
    from attribution.orders import order_store
    from integrations.models import Connection

    times: dict[str, list[float]] = defaultdict(list)
    queries: list[int] = []
    same = total = 0
    for kind, ids in sample.items():
        for n, pk in enumerate(ids[:per_kind]):
            source = Order.unscoped.select_related("attribution").get(pk=pk)
            shop = Connection.unscoped.get(pk=source.connection_id)
            data = order_data(source, f"9{tag}{pk:010d}")
            if n % 5 == 0:
                with capturing(connection) as captured:
                    stored = order_store(connection=shop, data=data)
                queries.append(len(captured.captured_queries))
            else:
                start = time.perf_counter()
                stored = order_store(connection=shop, data=data)
                times[kind].append(time.perf_counter() - start)
            total += 1
            same += stored.attribution.outcome == source.attribution.outcome
    return {"times": dict(times), "queries": queries, "same": same, "total": total}


def _statement_params(order: Any) -> dict[str, dict[str, Any]]:
    """Each of ``attribution.matching``'s two reads, with the parameters it takes for ``order``."""
    from attribution import matching

    ordered_at = order.created_at_platform
    return {
        "the order, locked, with its attribution, buyer and SKUs": {
            "sql": matching._ORDER_FACTS,
            "params": {"order": order.pk, "workspace": order.workspace_id},
        },
        "the buyer's shop links with their runs and comments": {
            "sql": matching._SHOP_LINKS,
            "params": {
                "workspace": order.workspace_id,
                "buyer": order.buyer_user_id,
                "since": ordered_at - matching.WINDOW,
                "until": ordered_at,
            },
        },
    }


def statement_costs(sample: dict[str, list[int]], per_kind: int) -> tuple[list[str], list[str]]:
    """Planning and execution time of matching's two reads, from EXPLAIN ANALYZE over
    ``per_kind`` orders of each kind: why they are prepared once per connection. Returns the
    table and one attributed order's plans."""
    from django.db import connection, transaction

    from attribution.models import Order

    costs: dict[str, list[tuple[float, float]]] = defaultdict(list)
    plans: list[str] = []
    ids = [pk for kind in sample for pk in sample[kind][:per_kind]]
    orders = Order.unscoped.in_bulk(ids)
    for pk in ids:
        for label, statement in _statement_params(orders[pk]).items():
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(
                    "EXPLAIN (ANALYZE, FORMAT JSON) " + statement["sql"], statement["params"]
                )
                found = cursor.fetchone()[0][0]
            costs[label].append((found["Planning Time"], found["Execution Time"]))
    first = orders[sample["attributed"][0]]
    for label, statement in _statement_params(first).items():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE) " + statement["sql"], statement["params"])
            plan = "\n".join(row[0] for row in cursor.fetchall())
        plans.append(f"{label}:\n```\n{plan}\n```")
    table = [
        "",
        "| read (EXPLAIN ANALYZE, not prepared) | n | planning ms, mean | execution ms, mean |",
        "|---|---:|---:|---:|",
    ]
    for label, values in costs.items():
        table.append(
            f"| {label} | {len(values)} | {statistics.mean(v[0] for v in values):.3f} | "
            f"{statistics.mean(v[1] for v in values):.3f} |"
        )
    return table, plans


def matching_table(title: str, result: dict[str, Any]) -> list[str]:
    lines = [
        f"**{title}**",
        "",
        "| orders | n | mean ms | p50 ms | p95 ms | p99 ms | queries/order |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    everything: list[float] = []
    all_queries: list[int] = []
    for kind, values in result["times"].items():
        ms = [v * 1000 for v in values]
        everything += ms
        counts = result["queries"].get(kind, [])
        all_queries += counts
        lines.append(
            f"| {kind} | {len(ms)} | {statistics.mean(ms):.2f} | {pct(ms, 0.5):.2f} | "
            f"{pct(ms, 0.95):.2f} | {pct(ms, 0.99):.2f} | "
            f"{statistics.mean(counts) if counts else 0:.1f} |"
        )
    lines.append(
        f"| **all** | {len(everything)} | **{statistics.mean(everything):.2f}** | "
        f"{pct(everything, 0.5):.2f} | {pct(everything, 0.95):.2f} | "
        f"{pct(everything, 0.99):.2f} | "
        f"{statistics.mean(all_queries) if all_queries else 0:.1f} |"
    )
    return lines


def floor_costs(workspace: Any) -> list[str]:
    """What one indexed lookup costs here, raw and through the ORM, for scale."""
    from django.db import connection

    from attribution.models import Order

    pks = list(
        Order.objects.for_workspace(workspace).order_by("?").values_list("pk", flat=True)[:500]
    )

    def each(call: Any) -> float:
        for pk in pks[:50]:
            call(pk)
        start = time.perf_counter()
        for pk in pks:
            call(pk)
        return (time.perf_counter() - start) / len(pks) * 1000

    def select_one() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()

    def raw(pk: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM attribution_order WHERE id = %s", [pk])
            cursor.fetchone()

    rows = [
        ("`SELECT 1`, raw cursor", lambda pk: select_one()),
        ("order by primary key, raw cursor", raw),
        ("`Order.unscoped.get(pk=…)`", lambda pk: Order.unscoped.get(pk=pk)),
        (
            "`Order.objects.for_workspace(w).filter(pk=…).first()`",
            lambda pk: Order.objects.for_workspace(workspace).filter(pk=pk).first(),
        ),
    ]
    lines = ["", "| one lookup, for scale | ms |", "|---|---:|"]
    for label, call in rows:
        lines.append(f"| {label} | {each(call):.3f} |")
    return lines


def store_table(title: str, result: dict[str, Any]) -> list[str]:
    ms = [v * 1000 for values in result["times"].values() for v in values]
    return [
        f"| {title} | {len(ms)} | {statistics.mean(ms):.2f} | {pct(ms, 0.5):.2f} | "
        f"{pct(ms, 0.95):.2f} | {pct(ms, 0.99):.2f} | "
        f"{statistics.mean(result['queries']):.1f} | {result['same']}/{result['total']} |"
    ]


# --- measuring the pages ----------------------------------------------------------------------


def page_cases(workspace: Any) -> list[tuple[str, str, dict[str, str]]]:
    from django.urls import reverse

    from analytics.services import workspace_today

    today = workspace_today(workspace)
    cases = []
    for days in (30, 90):
        period = {"from": (today - timedelta(days=days - 1)).isoformat(), "to": today.isoformat()}
        for name in ("overview", "posts", "flows", "keywords"):
            path = reverse(f"analytics:{name}", kwargs={"workspace_id": workspace.public_id})
            cases.append((f"{name}, {days} days", path, period))
    path = reverse("analytics:posts", kwargs={"workspace_id": workspace.public_id})
    cases.append(("posts CSV, 90 days", path, {**cases[4][2], "format": "csv"}))
    return cases


def time_pages_in_process(user: Any, workspace: Any, runs: int) -> tuple[list[str], str]:
    from django.db import connection
    from django.test import Client

    client = Client()
    client.force_login(user)
    lines = [
        "| page | p50 ms | p95 ms | max ms | queries | SQL ms | slowest query | rows/KB |",
        "|---|---:|---:|---:|---:|---:|---|---:|",
    ]
    for label, path, params in page_cases(workspace):
        for _ in range(2):
            response = client.get(path, params)
            assert response.status_code == 200, (label, response.status_code)
        ms = []
        for _ in range(runs):
            start = time.perf_counter()
            response = client.get(path, params)
            ms.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (label, response.status_code)
        with capturing(connection) as captured:
            response = client.get(path, params)
        rows = response.content.count(b"\n") - 1
        size = (
            f"{rows} rows" if params.get("format") == "csv" else f"{len(response.content) >> 10} KB"
        )
        timed = [(float(q["time"]) * 1000, q["sql"]) for q in captured.captured_queries]
        slowest = max(timed)
        lines.append(
            f"| {label} | {pct(ms, 0.5):.1f} | {pct(ms, 0.95):.1f} | {max(ms):.1f} | "
            f"{len(timed)} | {sum(t for t, _ in timed):.1f} | "
            f"`{_shape(slowest[1])}` {slowest[0]:.1f} ms | {size} |"
        )
    return lines, client.cookies["sessionid"].value


def time_pages_over_http(workspace: Any, session: str, runs: int, env: dict[str, str]) -> list[str]:
    import httpx

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "chatsparks.wsgi", "--bind", f"127.0.0.1:{port}",
            "--workers", "2", "--no-control-socket", "--log-level", "warning",
        ],
        cwd=ROOT, env={**os.environ, **env}, preexec_fn=die_with_parent,
    )  # fmt: skip
    lines = ["| page | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|"]
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, headers={"Cookie": f"sessionid={session}"}) as http:
            for label, path, params in page_cases(workspace):
                for _ in range(4):  # two warm-ups for each of the two workers
                    response = http.get(path, params=params, timeout=60)
                    assert response.status_code == 200, (label, response.status_code)
                ms = []
                for _ in range(runs):
                    start = time.perf_counter()
                    response = http.get(path, params=params, timeout=60)
                    ms.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200, (label, response.status_code)
                lines.append(
                    f"| {label} | {pct(ms, 0.5):.1f} | {pct(ms, 0.95):.1f} | {max(ms):.1f} |"
                )
    finally:
        server.terminate()
        server.wait(timeout=10)
    return lines


# --- the run ----------------------------------------------------------------------------------


def data_shape(workspace: Any) -> list[str]:
    from django.db import connection

    ws = workspace.pk
    counts = [
        ("contacts", "inbox_contact", ""),
        ("… with a Shop buyer id", "inbox_contact", "AND shop_buyer_id <> ''"),
        ("conversations", "inbox_conversation", ""),
        ("comments", "inbox_comment", ""),
        ("runs", "flows_run", ""),
        ("run steps", "flows_runstep", ""),
        ("messages", "inbox_message", ""),
        ("… shop links (DMs with a product)", "inbox_message", "AND payload ? 'product'"),
        ("sends", "inbox_send", ""),
        ("orders", "attribution_order", ""),
        ("order lines", "attribution_orderline", ""),
        ("active contacts this cycle", "inbox_activecontact", ""),
        ("daily rollup rows", "analytics_dailystat", ""),
    ]
    lines = ["| rows in the big workspace | count |", "|---|---:|"]
    with connection.cursor() as cursor:
        for label, table, extra in counts:
            cursor.execute(
                f"SELECT count(*) FROM {table} WHERE workspace_id = %s {extra}",  # noqa: S608
                [ws],
            )
            lines.append(f"| {label} | {cursor.fetchone()[0]:,} |")
        cursor.execute(
            "SELECT outcome, match_key = '', count(*) FROM attribution_attribution "
            "WHERE workspace_id = %s GROUP BY 1, 2 ORDER BY 1, 2",
            [ws],
        )
        for outcome, unknown, count in cursor.fetchall():
            who = ", unknown buyer" if outcome == "organic" and unknown else ""
            lines.append(f"| attributions: {outcome}{who} | {count:,} |")
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        lines.append(f"| database size (all workspaces) | {cursor.fetchone()[0]} |")
    return lines


def machine() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0].split()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    return (
        f"{os.cpu_count()} cores, PostgreSQL {version} (shared_buffers {buffers}), "
        f"CPython {sys.version.split()[0]}"
    )


def section(title: str) -> None:
    print(f"\n### {title}\n", flush=True)


def load() -> str:
    """The machine's load average now: other work on these 2 cores slows every figure."""
    return "load average " + " ".join(f"{v:.2f}" for v in os.getloadavg())


def measure(
    args: argparse.Namespace, big: Any, user: Any, env: dict[str, str], costs: dict[str, float]
) -> None:
    from django.db import connection

    print(f"\n{machine()}; {load()} at the start")
    section("data")
    print("\n".join(data_shape(big)))
    if costs:
        print(
            f"\nGenerated in {costs['big']:.0f} s (big) + {costs['small']:.0f} s (small ones), "
            f"VACUUM ANALYZE {costs['vacuum']:.0f} s; rollups {costs['rollup_total']:.0f} s "
            f"for 91 days: {costs['rollup_mean'] * 1000:.0f} ms a day on average, "
            f"{costs['rollup_max'] * 1000:.0f} ms at most."
        )
    sample = sample_orders(big, args.sample)
    capture = max(25, args.sample // 20)
    tag = datetime.now(UTC).strftime("%H%M%S")
    say("timing order_match")
    as_is = time_matching(sample, capture=capture)
    say("timing order_store")
    stored = time_order_store(sample, per_kind=args.store, tag=tag + "1")
    section("matching")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, string_agg(indexdef, '; ' ORDER BY indexname) FROM pg_indexes "
            "WHERE tablename IN ('inbox_contact', 'inbox_message') GROUP BY tablename"
        )
        for table, definitions in cursor.fetchall():
            short = re.sub(
                r"CREATE (?:UNIQUE )?INDEX (\S+) ON \S+ USING btree ", r"\1 ", definitions
            )
            print(f"Indexes on {table} as migrated: {short}\n")
    print("\n".join(matching_table("order_match", as_is)))
    say("explaining matching's reads")
    costs_table, plans = statement_costs(sample, per_kind=max(10, args.sample // 40))
    print("\n".join(costs_table))
    print(
        f"\nChecked {as_is['checked']} calls against the generated attributions: "
        f"{len(as_is['disagree'])} disagree."
    )
    for pk, want, got in as_is["disagree"][:5]:
        print(f"- order {pk}: generated {want}, order_match {got}")
    store_head = [
        "",
        "| order_store, new order with lines | n | mean ms | p50 ms | p95 ms | p99 ms | "
        "queries | same outcome as its source |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    print("\n".join([*store_head, *store_table("as migrated", stored)]))
    say("timing the bare match")
    print(
        "\n| bare match: the same rules and write in one SQL statement, then COMMIT | n | "
        "mean ms | p50 ms | p95 ms | p99 ms |\n|---|---:|---:|---:|---:|---:|"
    )
    for label, prepared in (
        ("planned at each call (client-side binding, as Django sends queries)", False),
        ("prepared once (server-side)", True),
    ):
        ms = [t * 1000 for t in time_bare_match(big, sample, prepared=prepared)]
        print(
            f"| {label} | {len(ms)} | {statistics.mean(ms):.2f} | {pct(ms, 0.5):.2f} | "
            f"{pct(ms, 0.95):.2f} | {pct(ms, 0.99):.2f} |"
        )
    print("\nBoth agree with the stored attributions on every order.")
    print("\n".join(floor_costs(big)))
    print(f"\n({load()} after matching)")
    section("EXPLAIN ANALYZE of matching's reads, one attributed order")
    print("\n\n".join(plans))
    say("timing the analytics pages")
    section(f"analytics pages, Django test Client in-process (median of {args.runs})")
    lines, session = time_pages_in_process(user, big, args.runs)
    print("\n".join(lines))
    print(f"\n({load()})")
    if not args.no_http:
        section(f"analytics pages over HTTP, gunicorn 2 sync workers ({args.runs} runs)")
        print("\n".join(time_pages_over_http(big, session, args.runs, env)))
        print(f"\n({load()})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1: 1M contacts, 100k orders")
    parser.add_argument("--sample", type=int, default=2000, help="orders timed with order_match")
    parser.add_argument("--store", type=int, default=125, help="order_store calls per kind")
    parser.add_argument("--runs", type=int, default=10, help="timed requests per page")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default=DATABASE, help="created, and dropped unless --keep")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14", help="flushed")
    parser.add_argument("--seed", type=float, default=0.42)
    parser.add_argument("--keep", action="store_true", help="keep the database afterwards")
    parser.add_argument("--reuse", action="store_true", help="use the database --keep left")
    parser.add_argument("--no-http", action="store_true")
    args = parser.parse_args()

    env = environment(args.pg, args.database, args.redis)
    os.environ.update(env)
    import django
    import redis

    broker = redis.Redis.from_url(args.redis)
    broker.flushdb()
    reuse = args.reuse and database_exists(args.pg, args.database)
    if not reuse:
        fresh_database(args.pg, args.database)
    django.setup()
    from django.core.management import call_command
    from django.utils import timezone

    from chatsparks.users.models import User
    from chatsparks.workspaces.models import Workspace

    try:
        costs: dict[str, float] = {}
        if reuse:
            call_command("migrate", verbosity=0)  # migrations added since it was generated
            user = User.objects.get(email=OWNER_EMAIL)
            big = Workspace.objects.get(name="Glow Beauty (bench)")
            say("reusing the generated database")
        else:
            watch = Stopwatch()
            call_command("migrate", verbosity=0)
            say(f"migrated in {watch}")
            now = timezone.now().replace(microsecond=0)
            big, user, costs = generate(args.scale, now, args.seed)
        measure(args, big, user, env, costs)
    finally:
        from django.db import connections

        connections.close_all()
        broker.flushdb()
        if not args.keep:
            drop_database(args.pg, args.database)


if __name__ == "__main__":
    main()
