"""Browser tests: Playwright driving Debian's Chromium against a live server, with a real
Celery worker process consuming what the live server enqueues.

Each step's screenshot goes to ``var/e2e-screenshots/`` (git-ignored).
"""

import ctypes
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.conf import settings

from chatsparks.celery import app as celery_app

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (reading mail, checking rows) are still synchronous and safe here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "var" / "e2e-screenshots"
# One process, every queue; --purge drops messages a crashed earlier run left behind.
WORKER_OPTIONS = [
    "-Q", "default,webhooks,sends,sync", "--pool", "solo", "--purge", "-l", "info",
    "--without-heartbeat", "--without-gossip", "--without-mingle",
]  # fmt: skip
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (make test installs it where it can)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Shots:
    """Numbered screenshots for one test, so a failed run shows the path it took."""

    def __init__(self, test_name: str) -> None:
        self.folder = SCREENSHOTS / test_name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page: Any, step: str) -> None:
        self.count += 1
        page.screenshot(path=str(self.folder / f"{self.count:02d}-{step}.png"), full_page=True)


@pytest.fixture
def shots(request: pytest.FixtureRequest) -> Shots:
    return Shots(re.sub(r"\W+", "-", request.node.name))


def _database_url() -> str:
    """The test database as a URL for the worker process. A unix-socket host goes in the path
    segment django-environ decodes (it leaves an encoded host as it is)."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    host, port = db.get("HOST") or "localhost", db.get("PORT") or 5432
    if host.startswith("/"):
        return f"postgres://{credentials}@:{port}/{quote(host, safe='')}/{db['NAME']}"
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


@pytest.fixture(scope="session")
def mail_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mail")


@pytest.fixture(scope="session")
def celery_worker_process(
    django_db_setup: Any, mail_folder: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[subprocess.Popen[bytes]]:
    """A real ``celery worker`` on the test database, sending mail into ``mail_folder``."""
    log = tmp_path_factory.mktemp("celery") / "worker.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "chatsparks.settings.local",
        "DATABASE_URL": _database_url(),
        # The test settings gave this process a broker database of its own.
        "REDIS_URL": settings.CELERY_BROKER_URL,
        "MAIL_BACKEND": "file",
        "MAIL_FILE_PATH": str(mail_folder),
    }
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: S603 - our own interpreter and arguments
            [sys.executable, "-m", "celery", "-A", "chatsparks", "worker", *WORKER_OPTIONS],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
    try:
        deadline = time.monotonic() + 60
        while b" ready." not in log.read_bytes():
            if worker.poll() is not None or time.monotonic() > deadline:
                pytest.fail("Celery worker did not start:\n" + log.read_text(errors="replace"))
            time.sleep(0.2)
        yield worker
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=10)
        except subprocess.TimeoutExpired:
            worker.kill()


def _die_with_parent() -> None:
    """A worker outliving a killed test run would keep taking the next run's tasks from the
    same broker database; Linux ends it with its parent."""
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@pytest.fixture
def celery_worker(celery_worker_process: subprocess.Popen[bytes]) -> Iterator[None]:
    """For one test, tasks go to the real worker instead of running inline."""
    celery_app.conf.task_always_eager = False
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = True


def _messages_in(folder: Path) -> Iterator[EmailMessage]:
    # Django's file backend appends each message to a .log file, followed by a line of dashes.
    for path in sorted(folder.glob("*.log")):
        for chunk in re.split(rb"\r?\n-{79}\r?\n", path.read_bytes()):
            if chunk.strip():
                yield message_from_bytes(chunk.lstrip(), policy=default_policy)  # type: ignore[misc]


def wait_for_mail(folder: Path, to: str, timeout: float = 30) -> str:
    """The decoded plain-text body of the first mail the worker wrote to ``to``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in _messages_in(folder):
            if message["To"] == to:
                body = message.get_body(preferencelist=("plain",))
                assert body is not None
                return str(body.get_content())
        time.sleep(0.2)
    raise AssertionError(f"No mail to {to} within {timeout}s in {folder}")
