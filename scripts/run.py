"""`make run`: the whole product on this machine, as real processes, until Ctrl-C.

Order: local services (scripts/localservices.py), then migrate, collectstatic and seed_demo,
then the long-running processes in PROCESSES. Each of those runs in its own process group so
that stopping one reaches its own children (gunicorn's workers, Celery's pool) and so that the
terminal's Ctrl-C reaches only us: we then stop everything in a known order, web and workers
before the database and broker they are talking to.

If any process exits on its own, the rest are stopped and we exit non-zero naming it: a demo
with a dead worker looks alive but silently does nothing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import IO

from localservices import ROOT, VAR, ServiceError, die_with_parent, local_services

HOST, PORT = "127.0.0.1", 8000
DASHBOARD_URL = f"http://{HOST}:{PORT}/"
DEMO_LOGIN = ("demo@chatsparks.test", "chatsparks-demo")
SETTINGS = "chatsparks.settings.local"
STOP_TIMEOUT = 10.0  # seconds between SIGTERM and SIGKILL
PY = sys.executable


@dataclass
class Process:
    name: str
    argv: list[str]
    popen: subprocess.Popen[bytes] | None = field(default=None, repr=False)


# Everything `make run` keeps running. Adding a process is one line here.
PROCESSES = [
    Process(
        "web",
        [
            *(PY, "-m", "gunicorn", "chatsparks.wsgi", "--bind", f"{HOST}:{PORT}"),
            *("--workers", "2", "--graceful-timeout", "5", "--access-logfile", "-"),
            # Otherwise gunicorn 27 creates a control socket under ~/.gunicorn.
            "--no-control-socket",
        ],
    ),
    Process(
        "worker",
        [
            *(PY, "-m", "celery", "-A", "chatsparks", "worker"),
            *("-Q", "webhooks,sends,sync,default", "--concurrency", "2"),
            # A distinct node name, so a test suite's worker on this host never clashes with it.
            *("--hostname", "run@%h", "--loglevel", "INFO"),
        ],
    ),
    Process(
        "beat",
        [
            *(PY, "-m", "celery", "-A", "chatsparks", "beat"),
            *("--schedule", str(VAR / "celerybeat-schedule"), "--loglevel", "INFO"),
        ],
    ),
    # TikTok and TikTok Shop, as chatsparks.settings.local expects them. An hour of the
    # platforms' retry and classifier waits passes in a minute.
    Process(
        "emulator",
        [
            *(PY, "-m", "emulator", "--port", "8100", "--time-scale", "60"),
            *("--shop-redirect-url", f"http://{HOST}:{PORT}/integrations/tiktok_shop/callback/"),
        ],
    ),
]

# One-off steps before the processes start; seed_demo is idempotent, so every run is a demo.
SETUP_STEPS = [
    ["migrate", "--noinput"],
    ["collectstatic", "--noinput", "--verbosity", "0"],
    ["seed_demo"],
]


class Stop(Exception):
    """Raised by the signal handlers to leave the supervision loop."""


def child_env() -> dict[str, str]:
    env = dict(os.environ, DJANGO_SETTINGS_MODULE=SETTINGS)
    env["PYTHONUNBUFFERED"] = "1"  # logs reach the terminal as they happen, not in blocks
    return env


def port_is_free(host: str, port: int) -> bool:
    with socket.socket() as sock:
        # Lets us bind over a TIME_WAIT left by the previous run, but not over a listener.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as error:
            if error.errno == errno.EADDRINUSE:
                return False
            raise
    return True


def run_setup() -> None:
    for step in SETUP_STEPS:
        print(f"run: manage.py {' '.join(step)}", flush=True)
        result = subprocess.run([PY, "manage.py", *step], cwd=ROOT, env=child_env(), check=False)
        if result.returncode != 0:
            raise SystemExit(f"run: manage.py {step[0]} failed (exit {result.returncode})")


def pump(name: str, stream: IO[bytes] | None) -> None:
    """Copy a child's output to ours, each line prefixed with its name."""
    assert stream is not None
    width = max(len(process.name) for process in PROCESSES)
    prefix = f"{name:<{width}} | ".encode()
    out = sys.stdout.buffer
    for line in stream:
        out.write(prefix + line)
        out.flush()


def start(process: Process) -> None:
    process.popen = subprocess.Popen(
        process.argv,
        cwd=ROOT,
        env=child_env(),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        process_group=0,  # its own group: see the module docstring
        preexec_fn=die_with_parent,  # a kill -9 of this script still takes the children down
    )
    threading.Thread(target=pump, args=(process.name, process.popen.stdout), daemon=True).start()


def signal_group(process: Process, sig: signal.Signals) -> None:
    if process.popen is None:
        return
    with contextlib.suppress(ProcessLookupError):  # the whole group is already gone
        os.killpg(process.popen.pid, sig)


def stop_all(processes: list[Process], hurry: threading.Event) -> None:
    """SIGTERM every group, wait up to STOP_TIMEOUT (less if asked twice), then SIGKILL."""
    running = [p for p in processes if p.popen is not None]
    for process in running:
        signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline and not hurry.is_set():
        if all(p.popen is not None and p.popen.poll() is not None for p in running):
            break
        time.sleep(0.1)
    # KILL the groups even when the leaders exited: a straggling grandchild would hold the port.
    for process in running:
        signal_group(process, signal.SIGKILL)
        assert process.popen is not None
        process.popen.wait()


def wait_until_serving(processes: list[Process], timeout: float = 60) -> bool:
    """True once the web process answers HTTP at all (any status counts); False after the
    timeout or as soon as any process has exited, which the supervision loop then reports."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p.popen is not None and p.popen.poll() is not None for p in processes):
            return False
        try:
            urllib.request.urlopen(DASHBOARD_URL, timeout=2).close()
            return True
        except urllib.error.HTTPError:
            return True
        except OSError:
            time.sleep(0.3)
    return False


def print_banner() -> None:
    email, password = DEMO_LOGIN
    lines = [
        "",
        "=" * 60,
        "  ChatSparks is running",
        f"  Dashboard:   {DASHBOARD_URL}",
        f"  Demo login:  {email}  /  {password}",
        "  TikTok:      http://127.0.0.1:8100/  (the emulator: post comments, place orders)",
        "  Ctrl-C stops everything.",
        "=" * 60,
        "",
    ]
    print("\n".join(lines), flush=True)


def describe_exit(code: int) -> str:
    if code < 0:
        return f"was killed by {signal.Signals(-code).name}"
    return f"exited with code {code}"


def supervise(processes: list[Process]) -> int:
    """Start every process and watch them until a signal or an unexpected exit."""
    hurry = threading.Event()
    stop_requested = False

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        nonlocal stop_requested
        if stop_requested:
            hurry.set()  # a second Ctrl-C: stop waiting politely
            return
        stop_requested = True
        raise Stop(signal.Signals(signum).name)

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)

    try:
        for process in processes:
            start(process)
        if wait_until_serving(processes):
            print_banner()
        while True:
            for process in processes:
                assert process.popen is not None
                code = process.popen.poll()
                if code is not None:
                    print(f"run: {process.name} {describe_exit(code)} unexpectedly; stopping.")
                    return 1
            time.sleep(0.5)
    except Stop as stop:
        print(f"\nrun: {stop} received, stopping everything...", flush=True)
        return 0
    finally:
        stop_requested = True  # from here on a signal only hurries the shutdown along
        stop_all(processes, hurry)


def interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def main() -> int:
    # Until supervise() takes over: SIGTERM/SIGHUP unwind like Ctrl-C, so that the services
    # context still stops the servers it started.
    signal.signal(signal.SIGTERM, interrupt)
    signal.signal(signal.SIGHUP, interrupt)
    if not port_is_free(HOST, PORT):
        print(
            f"run: port {PORT} on {HOST} is already in use, probably by another `make run`.\n"
            f"     Stop it, or find it with: ss -ltnp 'sport = :{PORT}'",
            file=sys.stderr,
        )
        return 1
    VAR.mkdir(exist_ok=True)
    try:
        with local_services():
            run_setup()
            code = supervise(PROCESSES)
    except ServiceError as error:
        print(f"run: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        # Ctrl-C during setup, before supervise() took over the signals; services are stopped.
        return 130
    print("run: stopped." if code == 0 else "run: stopped after a failure (see above).")
    return code


if __name__ == "__main__":
    os.chdir(Path(ROOT))
    sys.exit(main())
