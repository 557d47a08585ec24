"""TikTok Shop emulator: helpers shared by tests/emulator/test_shop_*.py, and the seed.

The helpers live here and conftest.py only wraps them in fixtures (make_shop, shop, connected,
shop_receiver). The shop is served alone (``emulator.shop.standalone``) with the core's control
API, fault middleware and webhook dispatcher, so its tests do not depend on the creator side."""

import dataclasses
import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from starlette.testclient import TestClient

from emulator.config import Config
from emulator.shop.signing import sign_request
from emulator.shop.standalone import create_shop_app

REDIRECT = "https://app.chatsparks.test/integrations/tiktok-shop/callback"
ALL_SCOPES = ("seller.order.info", "seller.product.basic", "seller.customer_service")


class ShopSession:
    """A TestClient on the shop emulator plus the steps a test repeats."""

    def __init__(self, client: TestClient) -> None:
        self.client = client
        self.emulator: Any = client.app.state.emulator  # type: ignore[attr-defined]
        self.platform = self.emulator.shop
        self.store = self.platform.store
        self.config: Config = self.emulator.config
        self.shop = self.store.the_shop
        self.access_token = ""
        self.refresh_token = ""

    # --- authorization ---------------------------------------------------------------------

    def consent(
        self,
        *,
        scopes: tuple[str, ...] = ALL_SCOPES,
        region: str = "GB",
        action: str = "authorize",
        state: str | None = "st4te",
    ) -> httpx.Response:
        query = {"service_id": self.config.shop_service_id}
        if state is not None:
            query["state"] = state
        form = [("region", region), ("action", action), *(("scope", s) for s in scopes)]
        return self.client.post(
            "/open/authorize?" + urlencode(query),
            content=urlencode(form),
            headers={"content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )

    def authorize(self, scopes: tuple[str, ...] = ALL_SCOPES) -> str:
        response = self.consent(scopes=scopes)
        assert response.status_code == 302, response.text
        return redirect_query(response)["code"]

    def token_get(self, code: str, **overrides: str) -> dict[str, Any]:
        params = {
            "app_key": self.config.shop_app_key,
            "app_secret": self.config.shop_app_secret,
            "auth_code": code,
            "grant_type": "authorized_code",
            **overrides,
        }
        return self.client.get("/api/v2/token/get", params=params).json()

    def token_refresh(self, refresh_token: str) -> dict[str, Any]:
        params = {
            "app_key": self.config.shop_app_key,
            "app_secret": self.config.shop_app_secret,
            "refresh_token": refresh_token,
            "grant_type": "refresh_token",
        }
        return self.client.get("/api/v2/token/refresh", params=params).json()

    def connect(self, scopes: tuple[str, ...] = ALL_SCOPES) -> dict[str, Any]:
        body = self.token_get(self.authorize(scopes))
        assert body["code"] == 0, body
        self.access_token = body["data"]["access_token"]
        self.refresh_token = body["data"]["refresh_token"]
        return body["data"]

    # --- signed Partner API calls ----------------------------------------------------------

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        cipher: bool = True,
        token: str | None = None,
        timestamp: int | None = None,
        sign: str | None = None,
        files: dict[str, Any] | None = None,
    ) -> httpx.Response:
        query: dict[str, str] = {
            "app_key": self.config.shop_app_key,
            "timestamp": str(self.platform.clock.now_int() if timestamp is None else timestamp),
        }
        if cipher:
            query["shop_cipher"] = self.shop.cipher
        query.update({k: str(v) for k, v in (params or {}).items()})
        raw = b"" if body is None else json.dumps(body).encode()
        query["sign"] = sign or sign_request(
            app_secret=self.config.shop_app_secret,
            path=path,
            params=query.items(),
            body=raw,
            multipart=files is not None,
        )
        headers = {"x-tts-access-token": self.access_token if token is None else token}
        url = path + "?" + urlencode(query)
        if files is not None:
            return self.client.request(method, url, files=files, headers=headers)
        headers["content-type"] = "application/json"
        return self.client.request(method, url, content=raw, headers=headers)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.call(method, path, **kwargs)
        assert response.status_code == 200, response.text
        envelope = response.json()
        assert envelope["code"] == 0, envelope
        assert envelope["message"] == "Success"
        assert len(envelope["request_id"]) == 34
        return envelope["data"]

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        response = self.client.post("/_control/shop" + path, json=body or {})
        assert response.status_code < 300, response.text
        return response.json()

    def buyer(self, nickname: str) -> str:
        return next(b.user_id for b in self.store.buyers.values() if b.nickname == nickname)

    def deliveries(self, event: str | None = None) -> list[Any]:
        return [d for d in self.emulator.outbox.deliveries if event is None or d.event == event]


def open_shop(**overrides: Any) -> ShopSession:
    """A started shop-only emulator (lifespan running, so webhooks are delivered); the caller
    closes ``session.client``. Overrides are Config fields."""
    config = dataclasses.replace(Config(), **{"shop_redirect_url": REDIRECT, **overrides})
    client = TestClient(create_shop_app(config))
    client.__enter__()
    return ShopSession(client)


def redirect_query(response: httpx.Response) -> dict[str, str]:
    location = response.headers["location"]
    assert location.startswith(REDIRECT + "?"), location
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


def error_of(response: httpx.Response) -> tuple[int, int]:
    """(HTTP status, envelope code), checking the envelope's shape on the way."""
    body = response.json()
    assert set(body) == {"code", "message", "request_id", "data"}, body
    assert body["data"] is None
    return response.status_code, body["code"]


class Receiver:
    """A local webhook receiver in a thread; answers ``statuses`` in turn, then 200."""

    def __init__(self, statuses: list[int] | None = None) -> None:
        self.statuses = list(statuses or [])
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                receiver.received.append((dict(self.headers.items()), self.rfile.read(length)))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/tiktok-shop"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.received) >= count, self.received

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --- the seed ------------------------------------------------------------------------------


def test_seed_is_a_gb_shop_with_20_products_45_skus_in_gbp(shop: ShopSession) -> None:
    assert shop.shop.region == "GB"
    assert shop.shop.currency == "GBP"
    assert len(shop.shop.id) == 19
    assert shop.shop.cipher.startswith("ROW_")
    assert len(shop.store.products) == 20
    assert len(shop.store.skus) == 45
    for sku in shop.store.skus.values():
        whole, pence = sku.price.split(".")
        assert whole.isdigit()
        assert len(pence) == 2


def test_seed_is_deterministic(make_shop: Callable[..., ShopSession]) -> None:
    first, second = make_shop(), make_shop()
    assert first.shop.id == second.shop.id
    assert list(first.store.products) == list(second.store.products)
    assert list(first.store.buyers) == list(second.store.buyers)
    assert list(first.store.orders) == list(second.store.orders)


def test_buyers_have_19_digit_user_ids_apart_from_other_ids(shop: ShopSession) -> None:
    buyer_ids = set(shop.store.buyers)
    assert len(buyer_ids) == 5
    assert all(len(uid) == 19 and uid.isdigit() for uid in buyer_ids)
    others = set(shop.store.products) | set(shop.store.skus) | {shop.shop.id, shop.shop.open_id}
    assert not buyer_ids & others


def test_reset_restores_the_seed(shop: ShopSession) -> None:
    shop.connect()
    shop.control(
        "/orders",
        {
            "buyer_user_id": shop.buyer("olivia.grace"),
            "items": [{"sku_id": next(iter(shop.store.skus)), "quantity": 1}],
        },
    )
    assert len(shop.platform.store.orders) == 6
    assert shop.client.post("/_control/reset").status_code == 200
    assert len(shop.platform.store.orders) == 5
    assert shop.platform.store.grants == []


def test_runs_inside_the_full_emulator_too() -> None:
    """Mounted with every platform by emulator.app (skipped while the creator side is absent)."""
    pytest.importorskip("emulator.business")
    from emulator.app import create_app

    config = dataclasses.replace(Config(), shop_redirect_url=REDIRECT)
    with TestClient(create_app(config)) as client:
        session = ShopSession(client)
        session.connect()
        shops = session.ok("GET", "/authorization/202309/shops", cipher=False)
        assert shops["shops"][0]["id"] == session.shop.id
        assert client.get("/_control/shop/").json()["authorized"] is True
