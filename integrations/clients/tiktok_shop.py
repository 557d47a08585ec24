"""TikTok Shop Partner API: tokens (auth host) and signed seller calls (open-api host).

Wire format (tiktok-wire.md §1): token calls are unsigned GETs with the app secret in the
query; every other call carries ``app_key``, ``timestamp`` and ``sign`` (HMAC-SHA256 over the
path, the sorted query and the raw body, wrapped in the secret), the token in
``x-tts-access-token``, and ``shop_cipher`` on shop-scoped paths.
"""

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from django.conf import settings

from integrations.clients.base import BaseClient
from integrations.clients.errors import (
    RateLimited,
    Rejected,
    ScopeMissing,
    TokenExpired,
    TokenInvalid,
    Transient,
)

_TOKEN_EXPIRED, _TOKEN_INVALID, _SCOPE_MISSING = 105002, 105001, 105005
_TOO_MANY, _INTERNAL, _TIMEOUT = 36009002, 36009003, 36009007


def sign(*, secret: str, path: str, query: dict[str, str], body: bytes) -> str:
    """The ``sign`` parameter, exactly as the Partner API documents it."""
    pairs = "".join(f"{k}{query[k]}" for k in sorted(query) if k not in ("sign", "access_token"))
    message = f"{secret}{path}{pairs}".encode() + body + secret.encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ShopGrant:
    open_id: str
    seller_name: str
    seller_base_region: str
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    scopes: frozenset[str]


@dataclass(frozen=True)
class Shop:
    id: str
    name: str
    region: str
    cipher: str


def _envelope(response: httpx.Response, path: str) -> dict[str, Any]:
    if response.status_code == 429:
        retry_after = float(response.headers.get("Retry-After") or 1)
        raise RateLimited(f"{path}: throttled", code=_TOO_MANY, retry_after=retry_after)
    try:
        payload = response.json()
    except ValueError as error:
        raise Transient(f"{path}: answer was not JSON ({response.status_code})") from error
    code, message = payload.get("code"), payload.get("message", "")
    if code == 0:
        return payload.get("data") or {}
    text = f"{path}: {message} (code {code})"
    if code == _TOKEN_EXPIRED:
        raise TokenExpired(text, code=code)
    if code == _TOKEN_INVALID:
        raise TokenInvalid(text, code=code)
    if code == _SCOPE_MISSING:
        raise ScopeMissing(text, code=code)
    if code == _TOO_MANY:
        raise RateLimited(text, code=code, retry_after=1.0)
    if code in (_INTERNAL, _TIMEOUT):
        raise Transient(text, code=code)
    raise Rejected(text, code=code)


def _grant(data: dict[str, Any]) -> ShopGrant:
    return ShopGrant(
        open_id=str(data["open_id"]),
        seller_name=data.get("seller_name", ""),
        seller_base_region=data.get("seller_base_region", ""),
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        # Absolute Unix timestamps here, unlike TikTok's durations.
        access_expires_at=datetime.fromtimestamp(int(data["access_token_expire_in"]), tz=UTC),
        refresh_expires_at=datetime.fromtimestamp(int(data["refresh_token_expire_in"]), tz=UTC),
        scopes=frozenset(data.get("granted_scopes") or []),
    )


class TikTokShopAuthClient(BaseClient):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(settings.TIKTOK_SHOP_AUTH_BASE_URL, **kwargs)

    def _token(self, path: str, params: dict[str, str]) -> ShopGrant:
        query = {
            "app_key": settings.TIKTOK_SHOP_APP_KEY,
            "app_secret": settings.TIKTOK_SHOP_APP_SECRET,
            **params,
        }
        return _grant(_envelope(self.send("GET", path, params=query), path))

    def token_get(self, *, auth_code: str) -> ShopGrant:
        return self._token(
            "/api/v2/token/get", {"auth_code": auth_code, "grant_type": "authorized_code"}
        )

    def token_refresh(self, *, refresh_token: str) -> ShopGrant:
        try:
            return self._token(
                "/api/v2/token/refresh",
                {"refresh_token": refresh_token, "grant_type": "refresh_token"},
            )
        except Rejected as error:
            raise TokenInvalid(f"Refresh refused: {error}", code=error.code) from error


class TikTokShopClient(BaseClient):
    def __init__(self, *, access_token: str, shop_cipher: str = "", **kwargs: Any) -> None:
        super().__init__(settings.TIKTOK_SHOP_API_BASE_URL, **kwargs)
        self.access_token = access_token
        self.shop_cipher = shop_cipher

    def _query(
        self, path: str, params: dict[str, Any] | None, shop_scoped: bool, body: bytes
    ) -> dict[str, str]:
        query = {
            "app_key": settings.TIKTOK_SHOP_APP_KEY,
            "timestamp": str(int(time.time())),
            **{k: str(v) for k, v in (params or {}).items()},
        }
        if shop_scoped:
            query["shop_cipher"] = self.shop_cipher
        query["sign"] = sign(
            secret=settings.TIKTOK_SHOP_APP_SECRET, path=path, query=query, body=body
        )
        return query

    def call(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        shop_scoped: bool = True,
    ) -> dict[str, Any]:
        raw = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        response = self.send(
            method,
            path,
            params=self._query(path, params, shop_scoped, raw),
            content=raw or None,
            headers={"x-tts-access-token": self.access_token, "content-type": "application/json"},
        )
        return _envelope(response, path)

    def upload(
        self, path: str, *, field: str, filename: str, data: bytes, content_type: str
    ) -> dict[str, Any]:
        """A ``multipart/form-data`` POST: signed without its body (tiktok-wire.md §1.3), and
        without our JSON content type, so httpx sets the multipart one with its boundary."""
        response = self.send(
            "POST",
            path,
            params=self._query(path, None, True, b""),
            files={field: (filename, data, content_type)},
            headers={"x-tts-access-token": self.access_token},
        )
        return _envelope(response, path)

    def authorized_shops(self) -> list[Shop]:
        data = self.call("GET", "/authorization/202309/shops", shop_scoped=False)
        return [
            Shop(
                id=str(s["id"]),
                name=s.get("name", ""),
                region=s.get("region", ""),
                cipher=s["cipher"],
            )
            for s in data.get("shops", [])
        ]

    def products_search(
        self, *, page_token: str = "", updated_since: int | None = None
    ) -> dict[str, Any]:
        body: dict[str, Any] = {"status": "ALL"}
        if updated_since is not None:
            body["update_time_ge"] = updated_since
        params: dict[str, Any] = {"page_size": 50}
        if page_token:
            params["page_token"] = page_token
        return self.call("POST", "/product/202502/products/search", params=params, body=body)

    def product(self, *, product_id: str) -> dict[str, Any]:
        return self.call("GET", f"/product/202309/products/{product_id}")

    def webhook_subscribe(self, *, event_type: str, address: str) -> None:
        self.call(
            "PUT", "/event/202309/webhooks", body={"address": address, "event_type": event_type}
        )

    def cs_conversation_create(self, *, buyer_user_id: str) -> str:
        """Open (or reopen) a customer-service chat with a buyer; TikTok refuses one the
        buyer's history does not allow (45109003, a ``Rejected``)."""
        data = self.call(
            "POST", "/customer_service/202309/conversations", body={"buyer_user_id": buyer_user_id}
        )
        return str(data["conversation_id"])

    def cs_message_send(
        self, *, conversation_id: str, message_type: str, content: dict[str, Any]
    ) -> str:
        """One chat message; ``content`` is serialized into the JSON string TikTok expects."""
        data = self.call(
            "POST",
            f"/customer_service/202309/conversations/{conversation_id}/messages",
            body={"type": message_type, "content": json.dumps(content, ensure_ascii=False)},
        )
        return str(data["message_id"])

    def cs_conversations(self, *, page_token: str = "", page_size: int = 20) -> dict[str, Any]:
        """One page of Get Conversations (at most 20): ``conversations`` with their
        participants, ``can_send_message`` and ``latest_message``; ``next_page_token`` is
        empty on the last page."""
        params: dict[str, Any] = {"page_size": min(page_size, 20)}
        if page_token:
            params["page_token"] = page_token
        return self.call("GET", "/customer_service/202309/conversations", params=params)

    def cs_messages(
        self, *, conversation_id: str, page_token: str = "", page_size: int = 10
    ) -> dict[str, Any]:
        """One page of Get Conversation Messages (at most 10), newest first. Reading does not
        mark anything read at TikTok."""
        params: dict[str, Any] = {"page_size": min(page_size, 10), "sort_order": "DESC"}
        if page_token:
            params["page_token"] = page_token
        return self.call(
            "GET",
            f"/customer_service/202309/conversations/{conversation_id}/messages",
            params=params,
        )

    def cs_image_upload(self, *, data: bytes, filename: str, content_type: str) -> dict[str, Any]:
        """Upload Buyer Messages Image: TikTok keeps the image and answers ``{url, width,
        height}`` for an IMAGE message. jpg, gif, webp or png, at most 10 MB."""
        return self.upload(
            "/customer_service/202309/images/upload",
            field="data",
            filename=filename,
            data=data,
            content_type=content_type,
        )

    def orders_search(self, *, updated_since: int, page_token: str = "") -> dict[str, Any]:
        params: dict[str, Any] = {"page_size": 50, "sort_field": "update_time", "sort_order": "ASC"}
        if page_token:
            params["page_token"] = page_token
        return self.call(
            "POST",
            "/order/202309/orders/search",
            params=params,
            body={"update_time_ge": updated_since},
        )

    def orders_get(self, *, order_ids: list[str]) -> list[dict[str, Any]]:
        """Get Order Detail (202507) for ``order_ids``, asked in batches of at most 50; the
        orders in TikTok's order. An ID that is not the shop's fails its whole batch
        (21008111, a ``Rejected``)."""
        ids = list(dict.fromkeys(str(i) for i in order_ids))
        orders: list[dict[str, Any]] = []
        for start in range(0, len(ids), 50):  # at most 50 ids a call (tiktok-wire.md §3.4)
            batch = ids[start : start + 50]
            data = self.call("GET", "/order/202507/orders", params={"ids": ",".join(batch)})
            orders += data.get("orders") or []
        return orders

    def returns_search(
        self, *, order_ids: list[str] | None = None, updated_since: int | None = None
    ) -> list[dict[str, Any]]:
        """Search Returns (Return API 202309), every page, oldest update first: the returns of
        ``order_ids`` (asked 50 orders at a time) and/or those updated since a Unix time."""
        ids = list(dict.fromkeys(str(i) for i in order_ids or []))
        batches: list[list[str] | None] = (
            [ids[i : i + 50] for i in range(0, len(ids), 50)] if order_ids is not None else [None]
        )
        found: list[dict[str, Any]] = []
        for batch in batches:
            body: dict[str, Any] = {}
            if batch is not None:
                body["order_ids"] = batch
            if updated_since is not None:
                body["update_time_ge"] = updated_since
            page_token = ""
            while True:
                params: dict[str, Any] = {
                    "page_size": 50,
                    "sort_field": "update_time",
                    "sort_order": "ASC",
                }
                if page_token:
                    params["page_token"] = page_token
                data = self.call(
                    "POST", "/return_refund/202309/returns/search", params=params, body=body
                )
                found += data.get("return_orders") or []
                page_token = data.get("next_page_token") or ""
                if not page_token:
                    break
        return found
