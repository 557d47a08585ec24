"""Seller authorization (wire notes 1.2): the authorize page at services.tiktokshop.com's path,
the unsigned token get/refresh at auth.tiktok-shops.com's paths, and Get Authorized Shops.

The redirect goes to the Redirect URL registered in Partner Center (``config.shop_redirect_url``)
and nowhere else: the real authorize link carries no ``redirect_uri``. With none registered, the
page shows the code instead of redirecting, which is enough for a manual demo."""

from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from emulator.shop.api import (
    SCOPE_AUTHORIZATION,
    SCOPE_CUSTOMER_SERVICE,
    SCOPE_ORDERS,
    SCOPE_PRODUCTS,
    Call,
    endpoint,
)
from emulator.shop.store import AuthCode, Grant, Token, opaque

if TYPE_CHECKING:
    from emulator.shop import ShopPlatform

CODE_LIFETIME = 30 * 60
AUTHORIZATION_LIFETIME = 365 * 86400  # "granted for a maximum period of one year" ([3P])

# Scope key → what the authorize page calls it. seller.authorization.info is always granted.
OPTIONAL_SCOPES = {
    SCOPE_ORDERS: "Read your orders",
    SCOPE_PRODUCTS: "Read your product catalogue",
    SCOPE_CUSTOMER_SERVICE: "Customer service: read and reply to buyer messages",
}
REGIONS = {
    "GB": "United Kingdom",
    "US": "United States",
    "FR": "France",
    "DE": "Germany",
    "IE": "Ireland",
    "IT": "Italy",
    "ES": "Spain",
    "BR": "Brazil",
    "MX": "Mexico",
    "JP": "Japan",
    "ID": "Indonesia",
    "MY": "Malaysia",
    "PH": "Philippines",
    "SG": "Singapore",
    "TH": "Thailand",
    "VN": "Vietnam",
}

# Token endpoint error codes. The wire notes document none; 36004004 ("invalid auth code") is
# what integrations report for a bad, used or expired code, and it is reused here for a bad,
# rotated or expired refresh token. Errors come with HTTP 200, as TikTok's samples do.
INVALID_GRANT = 36004004
INVALID_REQUEST = 36009004


def routes(platform: "ShopPlatform") -> list[BaseRoute]:
    return [
        Route("/open/authorize", _authorize_view(platform), methods=["GET", "POST"]),
        Route("/api/v2/token/get", _token_get(platform), methods=["GET"]),
        Route("/api/v2/token/refresh", _token_refresh(platform), methods=["GET"]),
        endpoint(
            platform,
            "/authorization/202309/shops",
            _authorized_shops(platform),
            method="GET",
            scope=SCOPE_AUTHORIZATION,
            shop_scoped=False,
        ),
    ]


def _authorize_view(platform: "ShopPlatform") -> Any:
    async def view(request: Request) -> Response:
        params = dict(request.query_params)
        form: dict[str, str] = {}
        chosen = list(OPTIONAL_SCOPES)
        if request.method == "POST":
            pairs = parse_qsl((await request.body()).decode(), keep_blank_values=True)
            form = dict(pairs)
            params.update(form)
            ticked = {value for key, value in pairs if key == "scope"}
            chosen = [scope for scope in OPTIONAL_SCOPES if scope in ticked]
        service_id = params.get("service_id", "")
        state = params.get("state")
        if service_id != platform.config.shop_service_id:
            return HTMLResponse(
                _page(platform, error="This app link is invalid (unknown service_id)."), 400
            )
        if request.method == "GET":
            return HTMLResponse(_page(platform, service_id=service_id, state=state, chosen=chosen))
        if form.get("action") == "deny":
            return _redirect(platform, {"code": "null", "error": "auth_denied"}, state)
        region = form.get("region", "")
        shop = platform.store.the_shop
        if region != shop.region:
            where = REGIONS.get(region, "that region") if region else "no region"
            return HTMLResponse(
                _page(
                    platform,
                    service_id=service_id,
                    state=state,
                    chosen=chosen,
                    region=region,
                    error=f"You chose {where}, but this seller account has no shop there. "
                    f"Select the region your shop is registered in to continue.",
                ),
                400,
            )
        code = AuthCode(
            code=opaque("ROW_"),
            grant_scopes=[SCOPE_AUTHORIZATION, *chosen],
            expires_at=platform.clock.now_int() + CODE_LIFETIME,
        )
        platform.store.codes[code.code] = code
        return _redirect(platform, {"code": code.code}, state)

    return view


def _redirect(platform: "ShopPlatform", params: dict[str, str], state: str | None) -> Response:
    if state is not None:
        params["state"] = state
    target = platform.config.shop_redirect_url
    if not target:
        rows = "".join(
            f"<dt>{escape(k)}</dt><dd><code>{escape(v)}</code></dd>" for k, v in params.items()
        )
        return HTMLResponse(
            _shell(
                "No Redirect URL is registered for this app. The redirect would carry:"
                f"<dl>{rows}</dl>"
            )
        )
    separator = "&" if "?" in target else "?"
    return RedirectResponse(target + separator + urlencode(params), status_code=302)


def _page(
    platform: "ShopPlatform",
    *,
    service_id: str = "",
    state: str | None = None,
    chosen: list[str] | None = None,
    region: str = "",
    error: str = "",
) -> str:
    shop = platform.store.the_shop
    if not service_id:
        return _shell(f"<p class='error' role='alert'>{escape(error)}</p>")
    chosen = chosen if chosen is not None else list(OPTIONAL_SCOPES)
    options = "".join(
        f"<option value='{code}'{' selected' if code == region else ''}>{escape(name)}</option>"
        for code, name in REGIONS.items()
    )
    boxes = "".join(
        f"<label><input type='checkbox' name='scope' value='{key}'"
        f"{' checked' if key in chosen else ''}> {escape(label)}</label><br>"
        for key, label in OPTIONAL_SCOPES.items()
    )
    hidden = f"<input type='hidden' name='service_id' value='{escape(service_id)}'>"
    if state is not None:
        hidden += f"<input type='hidden' name='state' value='{escape(state)}'>"
    alert = f"<p class='error' role='alert'>{escape(error)}</p>" if error else ""
    return _shell(
        f"<p>Signed in as <strong>{escape(shop.seller_name)}</strong>"
        f" ({escape(shop.seller_email)})</p>"
        "<h2>ChatSparks would like to access your TikTok Shop</h2>"
        f"{alert}<form method='post'>{hidden}"
        "<p><label for='region'>Seller region</label> "
        f"<select id='region' name='region'><option value=''>Choose…</option>{options}</select></p>"
        "<fieldset><legend>Permissions</legend>"
        "<label><input type='checkbox' checked disabled> Shop authorization information"
        f"</label><br>{boxes}</fieldset>"
        "<p><button name='action' value='authorize'>Authorize</button> "
        "<button name='action' value='deny'>Deny</button></p></form>"
    )


def _shell(inner: str) -> str:
    return (
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
        "<title>TikTok Shop · Authorize app</title><style>body{font:15px system-ui;margin:2rem;"
        "max-width:36rem}.error{color:#b00020;font-weight:600}</style></head><body>"
        f"<h1>TikTok Shop Seller Center</h1>{inner}</body></html>"
    )


def _token_response(
    platform: "ShopPlatform", data: dict[str, Any] | None, code: int = 0, message: str = "success"
) -> JSONResponse:
    return JSONResponse(
        {"code": code, "message": message, "data": data, "request_id": platform.request_id()}
    )


def _check_app(platform: "ShopPlatform", request: Request, grant_type: str) -> JSONResponse | None:
    q = request.query_params
    config = platform.config
    if q.get("app_key") != config.shop_app_key or q.get("app_secret") != config.shop_app_secret:
        return _token_response(platform, None, INVALID_REQUEST, "Invalid app_key or app_secret.")
    if q.get("grant_type") != grant_type:
        return _token_response(
            platform, None, INVALID_REQUEST, f"Invalid grant_type; only {grant_type} is accepted."
        )
    return None


def _issue(platform: "ShopPlatform", grant: Grant) -> JSONResponse:
    store, config, now = platform.store, platform.config, platform.clock.now_int()
    access = Token(opaque("TTP_"), grant, now + config.shop_access_token_lifetime, "access")
    refresh = Token(opaque("TTP_"), grant, now + config.shop_refresh_token_lifetime, "refresh")
    store.tokens[access.value] = access
    store.tokens[refresh.value] = refresh
    shop = store.the_shop
    return _token_response(
        platform,
        {
            "access_token": access.value,
            "access_token_expire_in": access.expires_at,
            "refresh_token": refresh.value,
            "refresh_token_expire_in": refresh.expires_at,
            "open_id": shop.open_id,
            "seller_name": shop.seller_name,
            "seller_base_region": shop.region,
            "user_type": 0,
            "granted_scopes": list(grant.scopes),
        },
    )


def _token_get(platform: "ShopPlatform") -> Any:
    async def view(request: Request) -> JSONResponse:
        refused = _check_app(platform, request, "authorized_code")
        if refused is not None:
            return refused
        store, now = platform.store, platform.clock.now_int()
        code = store.codes.get(request.query_params.get("auth_code", ""))
        if code is None or code.used or code.expires_at <= now:
            return _token_response(platform, None, INVALID_GRANT, "invalid auth code")
        code.used = True
        shop = store.the_shop
        grant = Grant(
            id=len(store.grants) + 1,
            shop_id=shop.id,
            scopes=code.grant_scopes,
            created=now,
            expires_at=now + AUTHORIZATION_LIFETIME,
        )
        # A re-authorization adds a grant; tokens of the earlier one stay valid until they
        # expire (turning them into 105001 would read as "the seller removed the app").
        store.grants.append(grant)
        return _issue(platform, grant)

    return view


def _token_refresh(platform: "ShopPlatform") -> Any:
    async def view(request: Request) -> JSONResponse:
        refused = _check_app(platform, request, "refresh_token")
        if refused is not None:
            return refused
        token = platform.store.tokens.get(request.query_params.get("refresh_token", ""))
        if (
            token is None
            or token.kind != "refresh"
            or token.rotated
            or token.grant.revoked
            or token.expires_at <= platform.clock.now_int()
        ):
            return _token_response(platform, None, INVALID_GRANT, "invalid refresh_token")
        token.rotated = True
        return _issue(platform, token.grant)

    return view


def _authorized_shops(platform: "ShopPlatform") -> Any:
    async def handler(call: Call) -> dict[str, Any]:
        shop = call.shop
        return {
            "shops": [
                {
                    "id": shop.id,
                    "name": shop.name,
                    "region": shop.region,
                    "seller_type": shop.seller_type,
                    "cipher": shop.cipher,
                    "code": shop.code,
                }
            ]
        }

    return handler
