"""The gate every signed Partner API call passes (wire notes 1.3, 1.5–1.7): common parameters,
``sign`` over the raw bytes, the timestamp window, the ``x-tts-access-token`` header, the
``shop_cipher`` rules, scopes and the 50 QPS limit; then the ``{code, message, request_id,
data}`` envelope.

HTTP statuses: 401 for 106001 is observed; 429 for throttling is documented. The rest are not
documented ([UNKNOWN] in 1.6), so this gate uses 401 for credential errors, 403 for a missing
scope, 404 for unknown paths and 400 for everything else a caller got wrong."""

import json
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from emulator.faults import FaultRule
from emulator.shop.signing import sign_request, signatures_match
from emulator.shop.store import Grant, Shop

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

TIMESTAMP_PAST = 300  # seconds
TIMESTAMP_FUTURE = 30

# Scope keys (the wire notes give none for these; the names are those real integrations ask
# Partner Center for). seller.authorization.info is always granted.
SCOPE_AUTHORIZATION = "seller.authorization.info"
SCOPE_ORDERS = "seller.order.info"
SCOPE_PRODUCTS = "seller.product.basic"
SCOPE_CUSTOMER_SERVICE = "seller.customer_service"


class ApiError(Exception):
    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


def bad_request(message: str, code: int = 36009004) -> ApiError:
    return ApiError(code, message, 400)


@dataclass
class Call:
    request: Request
    grant: Grant
    shop: Shop
    body: bytes

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def json(self) -> dict[str, Any]:
        if not self.body.strip():
            return {}
        try:
            data = json.loads(self.body)
        except ValueError as error:
            raise bad_request("The request body is not valid JSON.", 36009022) from error
        if not isinstance(data, dict):
            raise bad_request("The request body must be a JSON object.", 36009022)
        return data


Handler = Callable[[Call], Awaitable[Any]]


class RateLimiter:
    """A sliding one-second window per (app, shop, endpoint), on real time."""

    def __init__(self) -> None:
        self.windows: dict[tuple[str, ...], deque[float]] = {}

    def allow(self, key: tuple[str, ...], limit: int) -> bool:
        now = time.monotonic()
        window = self.windows.setdefault(key, deque())
        while window and window[0] <= now - 1.0:
            window.popleft()
        if len(window) >= limit:
            return False
        window.append(now)
        return True


def envelope(
    platform: "ShopPlatform", data: Any, code: int = 0, message: str = "Success"
) -> dict[str, Any]:
    return {"code": code, "message": message, "request_id": platform.request_id(), "data": data}


def error_response(platform: "ShopPlatform", error: ApiError) -> JSONResponse:
    return JSONResponse(
        envelope(platform, None, error.code, error.message), status_code=error.status
    )


def fault_response(platform: "ShopPlatform", rule: FaultRule) -> JSONResponse:
    if rule.kind == "rate_limit":
        headers = {"Retry-After": str(rule.retry_after)} if rule.retry_after else None
        body = envelope(platform, None, 36009002, "Too many requests. Please retry later.")
        return JSONResponse(body, status_code=429, headers=headers)
    body = envelope(platform, None, 36009003, "Internal error. Please retry later.")
    return JSONResponse(body, status_code=rule.status if rule.status in (500, 503) else 500)


def endpoint(
    platform: "ShopPlatform",
    path: str,
    handler: Handler,
    *,
    method: str,
    scope: str,
    shop_scoped: bool = True,
    multipart: bool = False,
) -> Route:
    async def view(request: Request) -> JSONResponse:
        try:
            call = await authenticate(
                platform,
                request,
                path,
                method,
                scope=scope,
                shop_scoped=shop_scoped,
                multipart=multipart,
            )
            data = await handler(call)
        except ApiError as error:
            return error_response(platform, error)
        return JSONResponse(envelope(platform, data))

    return Route(path, view, methods=[method])


async def authenticate(
    platform: "ShopPlatform",
    request: Request,
    path: str,
    method: str,
    *,
    scope: str,
    shop_scoped: bool,
    multipart: bool,
) -> Call:
    config = platform.config
    params = parse_qsl(request.url.query, keep_blank_values=True)
    query = dict(params)
    body = await request.body()
    for name in ("app_key", "sign", "timestamp"):
        if not query.get(name):
            raise ApiError(36009004, f"Missing required parameter '{name}'.", 401)
    if query["app_key"] != config.shop_app_key:
        raise ApiError(36009004, "Invalid credentials. The 'app_key' is invalid.", 401)
    is_multipart = request.headers.get("content-type", "").startswith("multipart/form-data")
    expected = sign_request(
        app_secret=config.shop_app_secret,
        path=request.url.path,
        params=params,
        body=body,
        multipart=is_multipart,
    )
    if not signatures_match(expected, query["sign"]):
        raise ApiError(106001, "Invalid credentials. The 'sign' query parameter is invalid.", 401)
    try:
        timestamp = int(query["timestamp"])
    except ValueError:
        raise ApiError(36009004, "Invalid timestamp.", 401) from None
    now = platform.clock.now_int()
    if timestamp < now - TIMESTAMP_PAST or timestamp > now + TIMESTAMP_FUTURE:
        raise ApiError(
            36009004,
            "Invalid credentials. The 'timestamp' is invalid: it must be within 5 minutes"
            " before and 30 seconds after the server time.",
            401,
        )
    token_value = request.headers.get("x-tts-access-token", "")
    token = platform.store.tokens.get(token_value)
    if token is None or token.kind != "access":
        raise ApiError(36009004, "Invalid credentials. The 'x-tts-access-token' is invalid.", 401)
    if token.grant.revoked:
        raise ApiError(
            105001, "Access token is invalid; detail:your token has been deauthorized", 401
        )
    if token.expires_at <= now:
        raise ApiError(105002, "Expired credentials. The access token has expired.", 401)
    shop = platform.store.the_shop
    cipher = query.get("shop_cipher")
    if shop_scoped:
        if not cipher:
            raise ApiError(106013, "Missing identifier. The 'shop_cipher' is required.", 400)
        if cipher != shop.cipher or token.grant.shop_id != shop.id:
            raise ApiError(
                101000, "The 'shop_cipher' does not match the shop of the access token.", 401
            )
    elif cipher is not None:
        raise ApiError(36009004, "Unexpected identifier. The 'shop_cipher' must not be sent.", 400)
    if multipart and not is_multipart:
        raise bad_request("The content-type must be multipart/form-data.", 36009023)
    if scope not in token.grant.scopes:
        raise ApiError(105005, f"Access denied. The '{scope}' scope is not granted.", 403)
    key = (config.shop_app_key, shop.id, method, path)
    if not platform.limiter.allow(key, platform.qps_limit):
        raise ApiError(36009002, "Too many requests. Please retry later.", 429)
    return Call(request=request, grant=token.grant, shop=shop, body=body)


def page_size(call: Call, *, maximum: int, code: int, default: int | None = None) -> int:
    raw = call.query("page_size")
    if not raw and default is not None:
        return default
    try:
        size = int(raw)
    except ValueError:
        raise bad_request("The 'page_size' is required and must be a number.", code) from None
    if not 1 <= size <= maximum:
        raise bad_request(f"The 'page_size' must be between 1 and {maximum}.", code)
    return size


def page_offset(call: Call, code: int) -> int:
    """``page_token`` is opaque on the wire; here it is the offset, base-36 behind a prefix."""
    token = call.query("page_token")
    if not token:
        return 0
    if not token.startswith("pt_"):
        raise bad_request("The 'page_token' is invalid.", code)
    try:
        return int(token[3:], 36)
    except ValueError:
        raise bad_request("The 'page_token' is invalid.", code) from None


def next_page_token(offset: int, size: int, total: int) -> str:
    end = offset + size
    return f"pt_{_base36(end)}" if end < total else ""


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out
