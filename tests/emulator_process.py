"""The emulator as a real server for product tests: started once per test process on a free
port, reset before each test, and reached over real HTTP by the product's own clients."""

import ctypes
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
# The emulator's demo app credentials (emulator/config.py): what the product is given.
CREDENTIALS = {
    "TIKTOK_CLIENT_KEY": "cs_demo_business_app",
    "TIKTOK_CLIENT_SECRET": "cs_demo_business_secret",
    "TIKTOK_SHOP_APP_KEY": "cs_demo_shop_app",
    "TIKTOK_SHOP_APP_SECRET": "cs_demo_shop_secret",
    "TIKTOK_SHOP_SERVICE_ID": "7100000000000000001",
}
SHOP_CALLBACK = "http://localhost/integrations/tiktok_shop/callback/"


@dataclass
class Emulator:
    url: str
    http: httpx.Client

    def control(self, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = self.http.post(f"/_control{path}", json=payload or {})
        response.raise_for_status()
        return response.json()

    def state(self) -> Any:
        return self.http.get("/_control/state").json()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _die_with_parent() -> None:
    if sys.platform == "linux":
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


@contextmanager
def running_emulator(*, shop_redirect_url: str) -> Iterator[Emulator]:
    """``python -m emulator`` on a free port until the block ends."""
    port = _free_port()
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [
            sys.executable, "-m", "emulator", "--port", str(port), "--time-scale", "3600",
            "--shop-redirect-url", shop_redirect_url,
        ],
        cwd=ROOT,
        preexec_fn=_die_with_parent,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    http = httpx.Client(base_url=url, timeout=10)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                http.get("/_control/state").raise_for_status()
                break
            except httpx.HTTPError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("The emulator did not start")
                time.sleep(0.1)
        yield Emulator(url=url, http=http)
    finally:
        http.close()
        process.terminate()
        process.wait(timeout=10)


def point_settings_at(emulator: Emulator, settings: Any) -> None:
    """Every TikTok host setting to the emulator, with its demo app credentials."""
    for name in (
        "TIKTOK_AUTHORIZE_BASE_URL",
        "TIKTOK_BUSINESS_API_BASE_URL",
        "TIKTOK_SHOP_AUTHORIZE_BASE_URL",
        "TIKTOK_SHOP_AUTH_BASE_URL",
        "TIKTOK_SHOP_API_BASE_URL",
    ):
        setattr(settings, name, emulator.url)
    for name, value in CREDENTIALS.items():
        setattr(settings, name, value)


@pytest.fixture(scope="session")
def emulator_server() -> Iterator[Emulator]:
    with running_emulator(shop_redirect_url=SHOP_CALLBACK) as emulator:
        yield emulator


@pytest.fixture
def emulator(emulator_server: Emulator, settings: Any) -> Iterator[Emulator]:
    """A freshly seeded emulator, with the product's settings pointing at it. Afterwards it
    is quiesced before the test database is torn down: a webhook still being handled by the
    live server (which may itself call the emulator and cause more) would deadlock with the
    table flush."""
    emulator_server.control("/reset")
    point_settings_at(emulator_server, settings)
    yield emulator_server
    quiesce(emulator_server)


def quiesce(emulator: Emulator, timeout: float = 10) -> None:
    """Empty the outbox until no delivery is pending or awaiting the receiver's answer."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        emulator.control("/reset")
        time.sleep(0.05)
        state = emulator.state()
        if not state["webhooks_in_flight"] and not state["webhooks"]:
            return
        time.sleep(0.1)
