"""From a viewer's comment to the DM that answers it, through the whole product.

    .venv/bin/python bench/comment_to_dm.py [--rates 10,25,50,100,200,300] [--duration 20]
        [--workers 2] [--concurrency 4] [--webhook-worker C] [--web-workers 3]
        [--time-scale 3600] [--max-wait 120] [--profile N]

Starts the real stack on this machine as real processes, each in its own process group: the
emulator (TikTok), gunicorn (web), Celery workers and Celery beat, with production settings
(bench/settings_dm.py) on a fresh database (chatsparks_bench_dm, created and migrated here,
dropped at the end) and a Redis database of its own (--redis-db, flushed before and after).
PostgreSQL and Redis must already run (--pg, --redis). By default every worker takes every
queue, as DESIGN.md §3 deploys them; --webhook-worker C gives the webhooks queue a worker of
its own with C children and the others the remaining queues.

Set-up, over HTTP like a person would: the demo owner (seed_demo) logs in to gunicorn,
connects the emulator's TikTok account through the real OAuth pages, and waits for the
webhook subscriptions and the first sync; then a published flow (a Message block and a Quick
replies block) and an active trigger on "price" with a public reply are saved through the
product's services. The emulator gets one distinct adult viewer per comment (Comment-to-
Message allows one DM per person a day) and an unlimited daily conversation cap.

Load: for each rate, ``price?`` comments from distinct viewers are posted to the emulator's
control API for --duration seconds (open loop, async httpx). For each comment the bench reads
from the database when its DM and its public reply were sent, counted from the moment the
emulator created the comment (``inbox_comment.commented_at``, the emulator's timestamp), and
when each stage in between happened. A rate whose DMs are not all out --max-wait seconds
after its last comment ends the run: the pipeline is past its capacity. At the end TikTok's
side (the emulator) is asked how many DMs each viewer got, and the workers' logs are searched
for deadlocks and time limits.

Prints Markdown tables to paste into bench/README.md. --profile N then stops the workers
consuming, posts N comments and runs each stage of their way in-process, counting SQL queries
and timing it, then N more under cProfile.
"""

import argparse
import asyncio
import base64
import contextlib
import math
import os
import re
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import httpx
import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from localservices import die_with_parent, free_port  # noqa: E402

DATABASE = "chatsparks_bench_dm"
OWNER = ("demo@chatsparks.test", "chatsparks-demo")  # seed_demo's published demo login
# The emulator's demo app credentials (emulator/config.py), as the product is given them.
CREDENTIALS = {
    "TIKTOK_CLIENT_KEY": "cs_demo_business_app",
    "TIKTOK_CLIENT_SECRET": "cs_demo_business_secret",
    "TIKTOK_SHOP_APP_KEY": "cs_demo_shop_app",
    "TIKTOK_SHOP_APP_SECRET": "cs_demo_shop_secret",
    "TIKTOK_SHOP_SERVICE_ID": "7100000000000000001",
}
TIKTOK_URLS = (
    "TIKTOK_AUTHORIZE_BASE_URL",
    "TIKTOK_BUSINESS_API_BASE_URL",
    "TIKTOK_SHOP_AUTHORIZE_BASE_URL",
    "TIKTOK_SHOP_AUTH_BASE_URL",
    "TIKTOK_SHOP_API_BASE_URL",
)
SCOPES = (
    "user.info.basic",
    "video.list",
    "comment.list",
    "comment.list.manage",
    "message.list.read",
    "message.list.send",
)
FLOW = [
    {"id": "hello", "type": "message", "text": "Hi {handle}! Our serum is £24.99 today."},
    {
        "id": "skin", "type": "quick_replies", "text": "Which skin type?", "field": "skin",
        "options": [{"label": "Dry"}, {"label": "Oily"}, {"label": "Combination"}],
    },
]  # fmt: skip
REPLY = "Sent you a DM 💌"
WARM_UP = 40  # comments before the first measured rate, at 20/s; not reported
STEADY_AFTER = 5.0  # seconds into a rate before DMs/s is counted
FAILED = ("failed", "unknown", "skipped", "expired")  # Send states that will not become sent


# --- processes --------------------------------------------------------------------------------


@dataclass
class Stack:
    folder: Path
    env: dict[str, str]
    web: str
    emulator: str
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str]) -> None:
        log = (self.folder / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            argv, cwd=ROOT, env=self.env, stdin=subprocess.DEVNULL, stdout=log,
            stderr=subprocess.STDOUT, process_group=0, preexec_fn=die_with_parent,
        )  # fmt: skip

    def check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise SystemExit(f"{name} exited ({process.returncode}):\n{self.tail(name)}")

    def tail(self, name: str, lines: int = 30) -> str:
        path = self.folder / f"{name}.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])

    def stop(self) -> list[str]:
        """SIGTERM every group, up to 10 s for them to go, then SIGKILL what is left. Returns
        the groups that still had a process afterwards (should be none)."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(
            _group_alive(p.pid) for p in self.processes.values()
        ):
            time.sleep(0.1)
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        time.sleep(0.2)
        return [name for name, p in self.processes.items() if _group_alive(p.pid)]


def _group_alive(pgid: int) -> bool:
    """Is any process (not a zombie) left in process group ``pgid``?"""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False


def wait_http(url: str, stack: Stack, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        stack.check_alive()
        try:
            httpx.get(url, timeout=2)
            return
        except httpx.HTTPError:
            if time.monotonic() > deadline:
                raise SystemExit(f"{url} did not answer in {timeout:.0f} s") from None
            time.sleep(0.2)


def manage(stack: Stack, *argv: str) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=ROOT, env=stack.env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip


# --- CPU per component ------------------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def cpu_by_component(stack: Stack) -> dict[str, float]:
    """CPU seconds used so far by each component: our process groups by name, the PostgreSQL
    backends serving the bench database, Redis, this script (the load generator), and the
    whole machine."""
    groups = {p.pid: _component(name) for name, p in stack.processes.items()}
    totals: dict[str, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            raw = stat.read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw.rsplit(")", 1)[1].split()
        pid, pgid = int(stat.parent.name), int(fields[2])
        seconds = (int(fields[11]) + int(fields[12])) / TICK
        if pgid in groups:
            name = groups[pgid]
        elif pid == os.getpid():
            name = "load"
        elif comm.startswith("postgres") and _is_ours(stat.parent / "cmdline"):
            name = "postgres"  # the backends serving the bench database
        elif comm.startswith("redis-server"):
            name = "redis"
        else:
            continue
        totals[name] = totals.get(name, 0.0) + seconds
    # Everything the machine ran, ours included: what is left over is other people's load.
    ticks = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    busy = sum(ticks) - ticks[3] - ticks[4]  # all but idle and iowait
    totals["machine"] = busy / TICK
    return totals


def _component(process: str) -> str:
    if process == "worker-webhooks":
        return "webhooks worker"
    return process.split("-")[0]


def _is_ours(cmdline: Path) -> bool:
    try:
        return f" {DATABASE} ".encode() in cmdline.read_bytes().replace(b"\0", b" ")
    except OSError:
        return False


# --- set-up -----------------------------------------------------------------------------------


def pg(url: str, dbname: str) -> psycopg.Connection[Any]:
    return psycopg.connect(url + "/" + dbname, autocommit=True)


def fresh_database(url: str) -> None:
    with pg(url, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def drop_database(url: str) -> None:
    with pg(url, "postgres") as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def connect_tiktok(stack: Stack, db: psycopg.Connection[Any]) -> None:
    """The owner logs in and connects the emulator's TikTok account, over HTTP."""
    workspace = db.execute("SELECT public_id FROM workspaces_workspace").fetchone()[0]
    with httpx.Client(base_url=stack.web, timeout=30) as browser:
        page = browser.get("/accounts/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
        assert token, f"no login form ({page.status_code})"
        signed_in = browser.post(
            "/accounts/login/",
            data={"login": OWNER[0], "password": OWNER[1], "csrfmiddlewaretoken": token[1]},
        )
        assert signed_in.status_code == 302, f"login failed ({signed_in.status_code})"
        started = browser.post(
            f"/w/{workspace}/settings/integrations/tiktok/connect/",
            headers={"X-CSRFToken": browser.cookies["csrftoken"]},
        )
        assert started.status_code == 302, f"connect refused ({started.status_code})"
        params = dict(parse_qsl(urlsplit(started.headers["location"]).query))
        consent = httpx.post(
            stack.emulator + "/v2/auth/authorize/",
            data={**params, "scopes": list(SCOPES), "action": "authorize"},
        )
        assert consent.status_code == 302, consent.text
        back = browser.get(consent.headers["location"])
        assert back.status_code == 302, f"callback failed ({back.status_code})"
    status = db.execute("SELECT status FROM integrations_connection").fetchone()
    assert status == ("connected",), f"connection is {status}"


def wait_for_connection_setup(stack: Stack, db: psycopg.Connection[Any]) -> None:
    """The worker's connection_setup: webhook subscriptions at TikTok, then the first sync."""
    deadline = time.monotonic() + 60
    while True:
        stack.check_alive()
        state = httpx.get(stack.emulator + "/_control/state", timeout=10).json()
        subscribed = {
            s["event_type"] for s in state["platforms"]["business"]["Webhook subscriptions"]
        }
        posts = db.execute("SELECT count(*) FROM integrations_post").fetchone()[0]
        if {"COMMENT", "DIRECT_MESSAGE"} <= subscribed and posts >= 6:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"connection set-up incomplete: {subscribed}, {posts} posts")
        time.sleep(0.3)


def setup_flow() -> None:
    """Run in a child process with the bench settings: the flow, the trigger, and a plan big
    enough that the Monthly Active Contacts limit never queues a DM."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from chatsparks.workspaces.models import Workspace
    from flows import services
    from flows.models import Trigger
    from integrations.models import Connection

    connection = Connection.unscoped.get(provider="tiktok")
    Workspace.objects.filter(pk=connection.workspace_id).update(contact_limit=10_000_000)
    flow = services.flow_create(workspace=connection.workspace, name="Price flow")
    services.flow_save_draft(flow=flow, blocks=FLOW)
    services.flow_publish(flow=flow, user=None)
    trigger = services.trigger_save(
        connection=connection, name="Price", keywords=["price"], reply_variants=[REPLY], flow=flow
    )
    services.trigger_set_status(trigger=trigger, status=Trigger.Status.ACTIVE)


# --- load -------------------------------------------------------------------------------------


@dataclass
class Posted:
    viewer: str
    sent_at: float
    acked_at: float = 0.0
    comment_id: str = ""
    error: str = ""


async def fire(emulator: str, viewers: list[str], rate: float, connections: int) -> list[Posted]:
    """Post one comment per viewer at ``rate`` a second (open loop: a slow answer delays no
    later comment beyond the connection limit)."""
    posted: list[Posted] = []
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=emulator, timeout=60, limits=limits) as client:

        async def one(viewer: str) -> None:
            item = Posted(viewer=viewer, sent_at=time.time())
            posted.append(item)
            try:
                response = await client.post(
                    "/_control/business/comments", json={"text": "price?", "viewer": viewer}
                )
                item.acked_at = time.time()
                if response.status_code != 201:
                    item.error = f"HTTP {response.status_code}"
                else:
                    item.comment_id = response.json()["comment_id"]
            except httpx.HTTPError as error:
                item.error = type(error).__name__

        loop = asyncio.get_running_loop()
        start = loop.time()
        tasks = []
        for n, viewer in enumerate(viewers):
            delay = start + n / rate - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(viewer)))
        await asyncio.gather(*tasks)
    return posted


def wait_until_done(
    stack: Stack, db: psycopg.Connection[Any], expected: int, settle: float, limit: float = 600
) -> float:
    """Until every comment so far has its DM and its public reply sent, nothing moved for
    ``settle`` seconds, or ``limit`` seconds passed. Returns the seconds waited."""
    started = time.monotonic()
    last, moved = (-1, -1), time.monotonic()
    while True:
        stack.check_alive()
        now = db.execute(
            "SELECT count(*) FILTER (WHERE kind = 'dm'), count(*) FILTER (WHERE kind = "
            "'public_reply') FROM inbox_send WHERE state = 'sent' AND comment_id IS NOT NULL"
        ).fetchone()
        if now[0] >= expected and now[1] >= expected:
            return time.monotonic() - started
        if now != last:
            last, moved = now, time.monotonic()
        elif time.monotonic() - moved > settle:
            return time.monotonic() - started
        if time.monotonic() - started > limit:
            return time.monotonic() - started
        time.sleep(0.25)


# --- measuring --------------------------------------------------------------------------------

_PER_COMMENT = """
SELECT c.external_id,
       extract(epoch FROM c.commented_at)::float8,
       extract(epoch FROM ev.received_at)::float8,
       extract(epoch FROM hi.received_at)::float8,
       extract(epoch FROM greatest(ev.processed_at, hi.processed_at))::float8,
       extract(epoch FROM d.created_at)::float8,
       extract(epoch FROM d.sending_since)::float8,
       extract(epoch FROM d.updated_at)::float8,
       d.state,
       (SELECT count(*) FROM inbox_send x WHERE x.comment_id = c.id AND x.kind = 'dm'),
       extract(epoch FROM r.updated_at)::float8,
       r.state,
       r.text
FROM inbox_comment c
LEFT JOIN integrations_webhookevent ev
       ON ev.provider = 'tiktok' AND ev.event_id = 'comment:' || c.external_id || ':insert'
LEFT JOIN integrations_webhookevent hi
       ON hi.provider = 'tiktok' AND hi.event_id = 'high-intent:' || c.external_id
LEFT JOIN inbox_send d ON d.comment_id = c.id AND d.kind = 'dm'
LEFT JOIN inbox_send r ON r.comment_id = c.id AND r.kind = 'public_reply'
WHERE c.external_id = ANY(%s)
"""


@dataclass
class Row:
    commented: float
    event_stored: float | None
    verdict_stored: float | None
    claimed_by_drain: float | None
    dm_queued: float | None
    dm_claimed: float | None
    dm_done: float | None
    dm_state: str | None
    dm_count: int
    reply_done: float | None
    reply_state: str | None
    reply_text: str | None


def pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q * len(ordered)) - 1))]


def measure(
    db: psycopg.Connection[Any], posted: list[Posted], duration: float
) -> tuple[dict[str, Any], dict[str, list[float]]]:
    ok = [p for p in posted if p.comment_id]
    rows = {
        r[0]: Row(*r[1:]) for r in db.execute(_PER_COMMENT, [[p.comment_id for p in ok]]).fetchall()
    }
    first = min(p.sent_at for p in posted)
    last_ack = max((p.acked_at for p in ok), default=first)
    dm_latency, reply_latency = [], []
    stages: dict[str, list[float]] = {
        "comment → webhook stored": [],
        "comment → verdict stored": [],
        "both stored → drain claimed them": [],
        "drain claimed → DM row written": [],
        "DM row written → send claimed": [],
        "send claimed → sent (TikTok call)": [],
    }
    sent_times = []
    for row in rows.values():
        if row.dm_state == "sent" and row.dm_done is not None:
            dm_latency.append(row.dm_done - row.commented)
            sent_times.append(row.dm_done)
        if row.reply_state == "sent" and row.reply_done is not None:
            reply_latency.append(row.reply_done - row.commented)
        event, verdict, claimed, queued = (
            row.event_stored, row.verdict_stored, row.claimed_by_drain, row.dm_queued
        )  # fmt: skip
        if event is None or verdict is None or claimed is None or queued is None:
            continue
        stages["comment → webhook stored"].append(event - row.commented)
        stages["comment → verdict stored"].append(verdict - row.commented)
        stages["both stored → drain claimed them"].append(max(0.0, claimed - max(event, verdict)))
        stages["drain claimed → DM row written"].append(queued - claimed)
        if row.dm_claimed is not None and row.dm_done is not None and row.dm_state == "sent":
            stages["DM row written → send claimed"].append(row.dm_claimed - row.dm_queued)
            stages["send claimed → sent (TikTok call)"].append(row.dm_done - row.dm_claimed)
    window = (first + min(STEADY_AFTER, duration / 4), first + duration)
    steady = sum(1 for t in sent_times if window[0] <= t < window[1])
    result = {
        "posted": len(posted),
        "post_errors": len(posted) - len(ok),
        "offered": len(ok) / max(1e-9, last_ack - first),
        "stored": len(rows),
        "dms": len(dm_latency),
        "dm_per_s": steady / (window[1] - window[0]),
        "all_dms_in": (max(sent_times) - first) if sent_times else math.nan,
        "p50": pct(dm_latency, 0.50),
        "p95": pct(dm_latency, 0.95),
        "p99": pct(dm_latency, 0.99),
        "max": max(dm_latency, default=math.nan),
        "reply_p50": pct(reply_latency, 0.50),
        "reply_p99": pct(reply_latency, 0.99),
        "replies": len(reply_latency),
        "duplicates": sum(1 for r in rows.values() if r.dm_count > 1),
        "failed_sends": sum(
            1 for r in rows.values() for state in (r.dm_state, r.reply_state) if state in FAILED
        ),
        "invites": sum(1 for r in rows.values() if r.reply_text and r.reply_text != REPLY),
    }
    return result, stages


# --- profile: queries and time per comment, stage by stage ------------------------------------


def profile(count: int) -> None:
    """Run in a child process with the bench settings, while the stack runs: the workers stop
    consuming (Celery remote control), ``count`` comments are posted, and each stage of their
    way is run here, counting queries and timing it; then the same again for ``count`` more
    under cProfile (which slows Python down, so its times are not the reported ones). Then
    the workers consume again."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import cProfile
    import pstats

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chatsparks.celery import app
    from chatsparks.workspaces.models import Workspace
    from inbox import active_contacts, dm, sends
    from inbox.models import ActiveContact, Send
    from integrations.models import WebhookEvent
    from integrations.webhooks import ingest

    emulator = os.environ["TIKTOK_BUSINESS_API_BASE_URL"]

    def pending(kinds: set[str]) -> int:
        return WebhookEvent.objects.filter(
            status=WebhookEvent.Status.PENDING, event_type__in=kinds
        ).count()

    def wait(predicate: Any) -> None:
        deadline = time.monotonic() + 30
        while not predicate():
            if time.monotonic() > deadline:
                raise SystemExit("profile: timed out waiting for webhooks")
            time.sleep(0.05)

    def one_round(profiler: cProfile.Profile | None) -> list[tuple[str, list[Any], float]]:
        report = []

        def stage(name: str, work: Any) -> None:
            # Django keeps the last 9000 queries; a full log would make the capture empty.
            connection.queries_log = deque(maxlen=1_000_000)
            with CaptureQueriesContext(connection) as queries:
                started = time.perf_counter()
                if profiler:
                    profiler.enable()
                work()
                if profiler:
                    profiler.disable()
                took = time.perf_counter() - started
            report.append((name, list(queries.captured_queries), took))

        made = httpx.post(emulator + "/_control/business/viewers", json={"count": count})
        for viewer in made.json()["viewers"]:
            httpx.post(
                emulator + "/_control/business/comments",
                json={"text": "price?", "viewer": viewer["unique_identifier"]},
            ).raise_for_status()
        wait(lambda: pending({"comment.update", "im_receive_high_intent_comment"}) >= 2 * count)
        stage("drain: comment.update + verdict", ingest.events_drain)
        pending_sends = Send.unscoped.filter(state="pending")
        replies = list(pending_sends.filter(kind="public_reply").values_list("pk", flat=True))
        stage("public reply send", lambda: [sends.public_reply_send(send_id=s) for s in replies])
        flushes = list(pending_sends.filter(kind="dm").values_list("conversation_id", flat=True))
        stage("DM flush", lambda: [dm.dm_flush(conversation_id=c) for c in flushes])
        wait(lambda: pending({"im_send_msg", "comment.update"}) >= 2 * count)
        stage("drain: DM echo + own reply's comment.update", ingest.events_drain)
        return report

    queues = ["webhooks", "sends"]
    for queue in queues:
        app.control.cancel_consumer(queue, reply=True, timeout=5)
    try:
        timed = one_round(None)
        profiler = cProfile.Profile()
        one_round(profiler)
    finally:
        for queue in queues:
            app.control.add_consumer(queue, reply=True, timeout=5)

    print(f"\nPer comment, in-process against the live stack ({count} comments):\n")
    print("| stage | queries | ms |")
    print("|---|---:|---:|")
    for name, queries, took in timed:
        print(f"| {name} | {len(queries) / count:.1f} | {took * 1000 / count:.1f} |")
    for name, queries, _took in timed:
        shapes: dict[str, int] = {}
        for query in queries:
            shape = _SHAPE.search(query["sql"])
            verb, table = shape.groups() if shape else (query["sql"][:40], "")
            key = verb if "SAVEPOINT" in verb or not table else f"{verb} {table}"
            shapes[key] = shapes.get(key, 0) + 1
        print(f"\n{name}, queries per comment by statement and table:")
        for key, n in sorted(shapes.items(), key=lambda kv: -kv[1]):
            print(f"  {n / count:5.1f}  {key}")

    workspace = Workspace.objects.get()
    active = ActiveContact.objects.for_workspace(workspace).count()
    started = time.perf_counter()
    for _ in range(20):
        active_contacts.usage(workspace)
    took = (time.perf_counter() - started) / 20
    print(
        f"\nactive_contacts.usage() (a COUNT over this cycle's active contacts, twice per DM): "
        f"{took * 1000:.2f} ms with {active} active contacts"
    )
    print(f"\ncProfile of the second {count} (all stages), by own time:\n```")
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(20)
    print("```\n\nand cumulative, product code and the hot spots:\n```")
    stats.sort_stats("cumulative").print_stats(_HOT, 30)
    print("```")


_SHAPE = re.compile(
    r"^(SELECT|INSERT INTO|UPDATE|DELETE|SAVEPOINT|RELEASE SAVEPOINT|ROLLBACK TO SAVEPOINT)"
    r'(?:.*? FROM )?(?:\s*"?(\w+)"?)?',
    re.DOTALL,
)
_HOT = r"main/(inbox|flows|integrations)/|load_verify_locations|psycopg/connection.py.*\(wait\)"


TROUBLES = {  # what to count in the workers' logs: each traceback ends with the first once
    "deadlocks": "OperationalError: deadlock detected",
    "failed webhook events": "] webhook event ",
    "soft time limits hit": "SoftTimeLimitExceeded()",
    "tasks killed at the hard limit": "Task handler raised error: TimeLimitExceeded",
}


def worker_troubles(folder: Path) -> str:
    """What went wrong in the workers, counted from their logs."""
    text = "".join(p.read_text(errors="replace") for p in folder.glob("worker-*.log"))
    counts = {name: text.count(needle) for name, needle in TROUBLES.items()}
    return ", ".join(f"{n} {name}" for name, n in counts.items() if n)


# --- main -------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rates", default="10,25,50,100,200,300", help="comments per second")
    parser.add_argument("--duration", type=float, default=20, help="seconds per rate")
    parser.add_argument("--workers", type=int, default=2, help="Celery worker processes")
    parser.add_argument("--concurrency", type=int, default=4, help="prefork children each")
    parser.add_argument(
        "--webhook-worker", type=int, default=0, metavar="C",
        help="a worker of its own for the webhooks queue, C children (the others: the rest)",
    )  # fmt: skip
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn sync workers")
    parser.add_argument("--time-scale", type=float, default=3600)
    parser.add_argument("--connections", type=int, default=64, help="load generator's")
    parser.add_argument("--settle", type=float, default=30, help="give up after no progress")
    parser.add_argument(
        "--max-wait", type=float, default=120, help="seconds a rate's DMs may take to finish"
    )
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379")
    parser.add_argument("--redis-db", type=int, default=12, help="must be empty; flushed after")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also count queries per comment over N comments")  # fmt: skip
    parser.add_argument("--setup-flow", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--profile-child", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.setup_flow:
        setup_flow()
        return
    if args.profile_child:
        profile(args.profile_child)
        return
    rates = [float(r) for r in args.rates.split(",")]

    import redis

    broker = redis.Redis.from_url(f"{args.redis}/{args.redis_db}")
    if broker.dbsize():
        raise SystemExit(
            f"Redis database {args.redis_db} is not empty: choose another --redis-db, or flush "
            f"it if a bench run left it so (redis-cli -n {args.redis_db} flushdb)."
        )
    fresh_database(args.pg)
    folder = Path(tempfile.mkdtemp(prefix="bench-dm-"))
    web_port, emulator_port = free_port(), free_port()
    emulator = f"http://127.0.0.1:{emulator_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings_dm",
        "DATABASE_URL": f"{args.pg}/{DATABASE}",
        "REDIS_URL": f"{args.redis}/{args.redis_db}",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "TOKEN_ENCRYPTION_KEYS": base64.urlsafe_b64encode(secrets.token_bytes(32)).decode(),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "MAIL_BACKEND": "console",
        "PYTHONUNBUFFERED": "1",
        **dict.fromkeys(TIKTOK_URLS, emulator),
        **CREDENTIALS,
    }
    stack = Stack(folder=folder, env=env, web=f"http://127.0.0.1:{web_port}", emulator=emulator)
    python = sys.executable
    leftovers: list[str] = []
    try:
        manage(stack, "migrate", "--noinput", "-v0")
        manage(stack, "seed_demo")
        stack.start("emulator", [
            python, "-m", "emulator", "--port", str(emulator_port),
            "--time-scale", str(args.time_scale),
        ])  # fmt: skip
        stack.start("web", [
            python, "-m", "gunicorn", "chatsparks.wsgi", "--bind", f"127.0.0.1:{web_port}",
            "--workers", str(args.web_workers), "--no-control-socket", "--log-level", "warning",
        ])  # fmt: skip
        queues = "sends,sync,default" if args.webhook_worker else "webhooks,sends,sync,default"
        for n in range(1, args.workers + 1):
            stack.start(f"worker-{n}", [
                python, "-m", "celery", "-A", "chatsparks", "worker",
                "-Q", queues, "--concurrency", str(args.concurrency),
                "--hostname", f"bench-dm-{n}@%h", "--loglevel", "WARNING",
            ])  # fmt: skip
        if args.webhook_worker:
            stack.start("worker-webhooks", [
                python, "-m", "celery", "-A", "chatsparks", "worker",
                "-Q", "webhooks", "--concurrency", str(args.webhook_worker),
                "--hostname", "bench-dm-webhooks@%h", "--loglevel", "WARNING",
            ])  # fmt: skip
        stack.start("beat", [
            python, "-m", "celery", "-A", "chatsparks", "beat",
            "--schedule", str(folder / "celerybeat-schedule"), "--loglevel", "WARNING",
        ])  # fmt: skip
        wait_http(emulator + "/_control/state", stack)
        wait_http(stack.web + "/healthz", stack)

        total = WARM_UP + sum(int(rate * args.duration) for rate in rates)
        httpx.post(
            emulator + "/_control/business/settings", json={"daily_conversation_cap": 10**9}
        ).raise_for_status()
        made = httpx.post(
            emulator + "/_control/business/viewers", json={"count": total}, timeout=60
        ).json()["viewers"]
        viewers = [v["unique_identifier"] for v in made]

        with pg(args.pg, DATABASE) as db:
            connect_tiktok(stack, db)
            wait_for_connection_setup(stack, db)
            subprocess.run(
                [python, __file__, "--setup-flow"], cwd=ROOT, env=env, check=True,
                capture_output=True,
            )  # fmt: skip

            cores = os.cpu_count()
            commit = subprocess.run(
                ["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True,
                text=True, check=False,
            ).stdout.strip()  # fmt: skip
            print(f"commit {commit}, {time.strftime('%Y-%m-%d %H:%M')}; ", end="")
            webhooks = (
                f" + 1 webhooks-only worker × {args.webhook_worker}" if args.webhook_worker else ""
            )
            print(
                f"{cores} cores; gunicorn {args.web_workers} sync workers; {args.workers} Celery "
                f"worker(s) × {args.concurrency} prefork children{webhooks}; emulator --time-scale "
                f"{args.time_scale:g} (classifier verdict after "
                f"{5 / args.time_scale * 1000:.1f} ms); {args.duration:g} s per rate\n",
                flush=True,
            )
            asyncio.run(fire(emulator, viewers[:WARM_UP], 20, args.connections))
            used = WARM_UP
            wait_until_done(stack, db, used, args.settle)
            before, idle_started = cpu_by_component(stack), time.monotonic()
            time.sleep(10)
            idle_cpu = {
                k: (v - before.get(k, 0.0)) / (time.monotonic() - idle_started)
                for k, v in cpu_by_component(stack).items()
            }

            print(
                "| offered/s | posted/s | DMs sent/s (steady) | p50 s | p95 s | p99 s | max s "
                "| reply p50 s | reply p99 s | all DMs in s | DMs/comment | errors |"
            )
            print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
            details = []
            for rate in rates:
                batch = viewers[used : used + int(rate * args.duration)]
                used += len(batch)
                before, started = cpu_by_component(stack), time.monotonic()
                posted = asyncio.run(fire(emulator, batch, rate, args.connections))
                waited = wait_until_done(stack, db, used, args.settle, args.max_wait)
                after, spent = cpu_by_component(stack), time.monotonic() - started
                result, stages = measure(db, posted, args.duration)
                # CPU from the first comment until the last DM (or the wait's end): in ms per
                # comment for ours, in cores for the rest of the machine.
                cpu = {k: (after.get(k, 0) - before.get(k, 0)) * 1000 / len(batch) for k in after}
                cpu["other cores"] = (
                    cpu.pop("machine") * len(batch) / 1000 - sum(cpu.values()) * len(batch) / 1000
                ) / spent
                ones = (
                    "1 each" if result["duplicates"] == 0 and result["dms"] == len(posted)
                    else f"{result['dms']} sent, {result['duplicates']} duplicated"
                )  # fmt: skip
                errors = (
                    result["post_errors"] + result["failed_sends"] + len(posted) - result["stored"]
                )
                print(
                    f"| {rate:g} | {result['offered']:.0f} | {result['dm_per_s']:.0f} | "
                    f"{result['p50']:.2f} | {result['p95']:.2f} | {result['p99']:.2f} | "
                    f"{result['max']:.2f} | {result['reply_p50']:.2f} | "
                    f"{result['reply_p99']:.2f} | {result['all_dms_in']:.1f} | {ones} | "
                    f"{errors} |",
                    flush=True,
                )
                details.append((rate, result, stages, cpu))
                if result["dms"] < len(posted):
                    print(
                        f"\nStopped at {rate:g}/s: {len(posted) - result['dms']} of its comments "
                        f"still had no DM {waited:.0f} s after the last was posted (a backlog: "
                        "higher rates would only add to it).",
                        flush=True,
                    )
                    break

            print("\nWhere the time goes (p50 / p99 s per comment):\n")
            names = list(details[0][2])
            print("| offered/s | " + " | ".join(names) + " |")
            print("|---:|" + "---:|" * len(names))
            for rate, _result, stages, _cpu in details:
                cells = [f"{pct(stages[n], 0.5):.3f} / {pct(stages[n], 0.99):.3f}" for n in names]
                print(f"| {rate:g} | " + " | ".join(cells) + " |")
            parts = ["web", "webhooks worker", "worker", "beat", "emulator", "postgres", "redis"]
            parts += ["load"]
            print(
                "\nCPU ms per comment, from its posting to the last DM (other processes: cores "
                f"of the machine's {os.cpu_count()} busy meanwhile; idle, the bench's own "
                f"processes used {sum(v for k, v in idle_cpu.items() if k != 'machine'):.2f} "
                "cores):\n"
            )
            print("| offered/s | " + " | ".join(parts) + " | bench total | other processes |")
            print("|---:|" + "---:|" * (len(parts) + 2))
            for rate, _result, _stages, cpu in details:
                row = [cpu.get(p, 0.0) for p in parts]
                cells = " | ".join(f"{c:.0f}" for c in row)
                print(f"| {rate:g} | {cells} | {sum(row):.0f} | {cpu['other cores']:.2f} |")
            for rate, result, _stages, _cpu in details:
                if result["invites"]:
                    print(
                        f"\n{rate:g}/s: {result['invites']} public replies were the keyword-DM "
                        "invitation (no DM door found for the comment)"
                    )

            emulator_side = httpx.get(emulator + "/_control/state", timeout=300).json()
            business = emulator_side["platforms"]["business"]
            per_viewer = [
                c["messages"] for c in business["Conversations"] if c["viewer"].startswith("viewer")
            ]
            deliveries = emulator_side["webhooks"]
            retried = sum(1 for d in deliveries if len(d["attempts"]) > 1)
            undelivered = sum(1 for d in deliveries if d["status"] != "delivered")
            print(
                f"\nAt TikTok (emulator): {len(per_viewer)} conversations with bench viewers, "
                f"{sum(1 for m in per_viewer if m == 1)} with exactly one DM, "
                f"{sum(1 for m in per_viewer if m > 1)} with more; {len(deliveries)} webhooks, "
                f"{retried} retried, {undelivered} not delivered."
            )
            failed = db.execute(
                "SELECT status, count(*) FROM integrations_webhookevent "
                "WHERE status <> 'processed' GROUP BY status"
            ).fetchall()
            print(f"Webhook events not processed: {dict(failed) or 'none'}.", flush=True)

        if args.profile:
            child = subprocess.run(
                [python, __file__, "--profile-child", str(args.profile)], cwd=ROOT, env=env,
                capture_output=True, text=True,
            )  # fmt: skip
            print(child.stdout)
            if child.returncode:
                print(child.stderr[-3000:])
    finally:
        leftovers = stack.stop()
        drop_database(args.pg)
        broker.flushdb()
        print(f"\nlogs: {folder}")
        print(f"worker logs: {worker_troubles(folder) or 'no errors'}")
    if leftovers:
        raise SystemExit(f"processes left running in groups: {', '.join(leftovers)}")
    print("teardown: every process group stopped, database dropped, Redis db flushed.")


if __name__ == "__main__":
    main()
