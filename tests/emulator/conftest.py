"""Shared fixtures for the emulator's own tests (no database needed).

Each platform adds a clearly marked section; keep sections independent."""

import dataclasses
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from emulator.app import create_app
from emulator.config import Config


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., TestClient]]:
    """``make_emulator(**config_overrides)`` → a started TestClient (lifespan running, so the
    webhook outbox delivers). ``client.app.state.emulator`` is the Emulator."""
    clients: list[TestClient] = []

    def make(**overrides: Any) -> TestClient:
        client = TestClient(create_app(dataclasses.replace(Config(), **overrides)))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


# --- API for Business (tests/emulator/test_business*.py) ------------------------------------

BUSINESS_API = "/open_api/v1.3"
ALL_BUSINESS_SCOPES = (
    "user.info.basic",
    "video.list",
    "comment.list",
    "comment.list.manage",
    "message.list.read",
    "message.list.send",
)


class Biz:
    """A TestClient on the emulator plus the steps a business-side test repeats."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.emulator: Any = client.app.state.emulator  # type: ignore[attr-defined]
        self.config: Config = self.emulator.config
        self.business_id: str = self.emulator.business.store.account.business_id
        self.token = ""
        self.refresh = ""

    def authorize_params(
        self, scopes: tuple[str, ...] = ALL_BUSINESS_SCOPES, **extra: str
    ) -> dict[str, str]:
        return {
            "client_key": self.config.business_client_key,
            "response_type": "code",
            "scope": ",".join(scopes),
            "redirect_uri": "http://127.0.0.1:8000/tiktok/callback/",
            "state": "st4te",
            **extra,
        }

    def consent(
        self,
        params: dict[str, str],
        ticked: tuple[str, ...] | None = None,
        action: str = "authorize",
    ) -> dict[str, str]:
        """Submit the authorize form; the redirect's query as a dict."""
        from urllib.parse import parse_qs, urlsplit

        form: dict[str, Any] = {**params, "action": action}
        form["scopes"] = list(params["scope"].split(",") if ticked is None else ticked)
        response = self.client.post("/v2/auth/authorize/", data=form, follow_redirects=False)
        assert response.status_code == 302, response.text
        location = response.headers["location"]
        assert location.startswith(params["redirect_uri"])
        return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}

    def exchange(self, code: str, **extra: Any) -> dict[str, Any]:
        return self.post(
            "/tt_user/oauth2/token/",
            {
                "client_id": self.config.business_client_key,
                "client_secret": self.config.business_client_secret,
                "grant_type": "authorization_code",
                "auth_code": code,
                "redirect_uri": "http://127.0.0.1:8000/tiktok/callback/",
                **extra,
            },
        )

    def connect(self, scopes: tuple[str, ...] = ALL_BUSINESS_SCOPES) -> dict[str, Any]:
        redirect = self.consent(self.authorize_params(scopes))
        body = self.exchange(redirect["code"])
        assert body["code"] == 0, body
        self.token = body["data"]["access_token"]
        self.refresh = body["data"]["refresh_token"]
        return body["data"]

    def get(self, path: str, token: str | None = None, **params: Any) -> dict[str, Any]:
        headers = {"Access-Token": self.token if token is None else token}
        params.setdefault("business_id", self.business_id)
        response = self.client.get(BUSINESS_API + path, params=params, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, body: dict[str, Any], token: str | None = None) -> dict[str, Any]:
        headers = {"Access-Token": self.token if token is None else token}
        response = self.client.post(BUSINESS_API + path, json=body, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post("/_control/business" + path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    def subscribe(self, event_type: str, url: str) -> dict[str, Any]:
        body = {
            "app_id": self.config.business_client_key,
            "secret": self.config.business_client_secret,
            "event_type": event_type,
            "callback_url": url,
        }
        return self.post("/business/webhook/update/", body, token="")

    def deliveries(self, event: str | None = None) -> list[Any]:
        return [d for d in self.emulator.outbox.deliveries if event is None or d.event == event]


@pytest.fixture
def make_biz(make_emulator: Callable[..., TestClient]) -> Callable[..., Biz]:
    def make(**overrides: Any) -> Biz:
        return Biz(make_emulator(**overrides))

    return make


@pytest.fixture
def biz(make_biz: Callable[..., Biz]) -> Biz:
    return make_biz(time_scale=10_000.0)


# --- TikTok Shop (tests/emulator/test_shop*.py; helpers in test_shop.py) --------------------


@pytest.fixture
def make_shop() -> Iterator[Callable[..., Any]]:
    """``make_shop(**config_overrides)`` → a ShopSession on a started shop-only emulator."""
    from tests.emulator.test_shop import open_shop

    sessions: list[Any] = []

    def make(**overrides: Any) -> Any:
        sessions.append(open_shop(**overrides))
        return sessions[-1]

    yield make
    for session in sessions:
        session.client.__exit__(None, None, None)


@pytest.fixture
def shop(make_shop: Callable[..., Any]) -> Any:
    return make_shop()


@pytest.fixture
def connected(shop: Any) -> Any:
    """The shop, authorized with every scope (``shop.access_token`` set)."""
    shop.connect()
    return shop


@pytest.fixture
def shop_receiver() -> Iterator[Any]:
    """A local webhook receiver on a thread (see test_shop.Receiver)."""
    from tests.emulator.test_shop import Receiver

    made = Receiver()
    yield made
    made.close()
