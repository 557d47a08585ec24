"""Business account OAuth (wire notes 5.1 and 5.4).

- ``GET /v2/auth/authorize/`` (www.tiktok.com): the creator is shown signed in, with one
  checkbox per requested scope (ticked by default, so a scope can be left out), Authorize and
  Deny. ``POST`` redirects to ``redirect_uri`` with ``code``, ``scopes`` (comma-separated, what
  was ticked) and ``state``, or ``error=access_denied&error_description=…&state=…``. PKCE
  (``code_challenge`` + ``code_challenge_method=S256``, base64url) is checked at the token
  exchange when a challenge was given. Codes are single-use and live 10 minutes.
- ``POST tt_user/oauth2/token/``, ``refresh_token/`` (refresh tokens rotate: a used one is
  refused), ``revoke/``, and ``tt_user/token_info/get/``.

Error codes (the notes give none for these calls): bad ``client_id``/``client_secret`` → 40001;
an invalid, used or expired ``auth_code``, a ``redirect_uri`` mismatch or a PKCE mismatch →
40002; an invalid, used, revoked or expired ``refresh_token`` → 40105.
"""

import base64
import hashlib
import secrets
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from emulator.business.api import (
    INVALID_TOKEN,
    NO_PERMISSION,
    PARAM_ERROR,
    ApiError,
    envelope,
    form_body,
    json_body,
)
from emulator.business.store import KNOWN_SCOPES, AccessToken, AuthCode, RefreshToken

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

CODE_LIFETIME = 600
AUTH_PARAMS = (
    "client_key",
    "redirect_uri",
    "state",
    "scope",
    "response_type",
    "code_challenge",
    "code_challenge_method",
)


def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def _with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


class OAuth:
    def __init__(self, platform: "BusinessPlatform") -> None:
        self.platform = platform

    # -- authorize page -----------------------------------------------------------------------

    def _validate(self, params: dict[str, str]) -> tuple[str | None, list[str]]:
        """An error for the page itself (never redirected), and the requested scopes."""
        config = self.platform.config
        if params.get("client_key") != config.business_client_key:
            return "Unknown client_key: this app is not registered.", []
        redirect_uri = params.get("redirect_uri", "")
        if not redirect_uri or not redirect_uri.startswith(config.allowed_redirect_prefixes):
            return "redirect_uri is not registered for this app.", []
        scopes = [s.strip() for s in params.get("scope", "").split(",") if s.strip()]
        return None, scopes

    def _redirect_error(self, params: dict[str, str], code: str, description: str) -> Response:
        query = {"error": code, "error_description": description, "state": params.get("state", "")}
        return RedirectResponse(_with_query(params["redirect_uri"], query), status_code=302)

    def _request_problem(self, params: dict[str, str], scopes: list[str]) -> Response | None:
        if params.get("response_type") != "code":
            return self._redirect_error(
                params, "unsupported_response_type", "response_type must be code."
            )
        unknown = [s for s in scopes if s not in KNOWN_SCOPES]
        if not scopes or unknown:
            return self._redirect_error(
                params, "invalid_scope", f"Invalid scope: {','.join(unknown) or '(none)'}"
            )
        challenge = params.get("code_challenge")
        if challenge and params.get("code_challenge_method", "S256") != "S256":
            return self._redirect_error(
                params, "invalid_request", "code_challenge_method must be S256."
            )
        return None

    async def authorize_page(self, request: Request) -> Response:
        params = {k: request.query_params.get(k, "") for k in AUTH_PARAMS}
        problem, scopes = self._validate(params)
        if problem:
            return HTMLResponse(_error_page(problem), status_code=400)
        redirect = self._request_problem(params, scopes)
        if redirect is not None:
            return redirect
        return HTMLResponse(_consent_page(self.platform, params, scopes))

    async def authorize_submit(self, request: Request) -> Response:
        form = await form_body(request)
        params = {k: form.get(k, [""])[0] for k in AUTH_PARAMS}
        problem, requested = self._validate(params)
        if problem:
            return HTMLResponse(_error_page(problem), status_code=400)
        redirect = self._request_problem(params, requested)
        if redirect is not None:
            return redirect
        if form.get("action", [""])[0] != "authorize":
            return self._redirect_error(params, "access_denied", "The user denied the request.")
        ticked = [s for s in requested if s in form.get("scopes", [])]
        if not ticked:
            return self._redirect_error(params, "access_denied", "The user granted no scopes.")
        code = secrets.token_urlsafe(24)
        self.platform.store.codes[code] = AuthCode(
            code=code,
            scopes=ticked,
            redirect_uri=params["redirect_uri"],
            expires_at=self.platform.clock.now() + CODE_LIFETIME,
            code_challenge=params.get("code_challenge") or None,
        )
        query = {"code": code, "scopes": ",".join(ticked), "state": params.get("state", "")}
        return RedirectResponse(_with_query(params["redirect_uri"], query), status_code=302)

    # -- token endpoints ----------------------------------------------------------------------

    def _check_client(self, body: dict[str, Any]) -> None:
        config = self.platform.config
        if (
            body.get("client_id") != config.business_client_key
            or body.get("client_secret") != config.business_client_secret
        ):
            raise ApiError(NO_PERMISSION, "The client_id or client_secret is invalid.")

    def _issue(self, scopes: list[str]) -> dict[str, Any]:
        store, config, now = self.platform.store, self.platform.config, self.platform.clock.now()
        access = AccessToken(
            token=store.next_token("act."),
            scopes=list(scopes),
            expires_at=now + config.business_access_token_lifetime,
        )
        refresh = RefreshToken(
            token=store.next_token("rft."),
            scopes=list(scopes),
            expires_at=now + config.business_refresh_token_lifetime,
        )
        store.access_tokens[access.token] = access
        store.refresh_tokens[refresh.token] = refresh
        return {
            "open_id": store.account.business_id,
            "scope": ",".join(scopes),
            "access_token": access.token,
            "refresh_token": refresh.token,
            "expires_in": config.business_access_token_lifetime,
            "refresh_token_expires_in": config.business_refresh_token_lifetime,
            "token_type": "Bearer",
        }

    async def token(self, request: Request) -> Response:
        body = await json_body(request)
        self._check_client(body)
        if body.get("grant_type") != "authorization_code":
            raise ApiError(PARAM_ERROR, "Param grant_type must be authorization_code.")
        store = self.platform.store
        code = store.codes.get(str(body.get("auth_code") or ""))
        if code is None or code.used or code.expires_at <= self.platform.clock.now():
            raise ApiError(PARAM_ERROR, "The auth_code is invalid, expired or already used.")
        code.used = True
        if body.get("redirect_uri") and body["redirect_uri"] != code.redirect_uri:
            raise ApiError(PARAM_ERROR, "The redirect_uri does not match the authorization.")
        if code.code_challenge is not None:
            verifier = body.get("code_verifier")
            if not isinstance(verifier, str) or s256(verifier) != code.code_challenge:
                raise ApiError(PARAM_ERROR, "The code_verifier does not match the code_challenge.")
        # Authorizing again replaces the account's grant to this app.
        store.granted_scopes = list(code.scopes)
        store.revoked = False
        return envelope(self._issue(code.scopes))

    async def refresh(self, request: Request) -> Response:
        body = await json_body(request)
        self._check_client(body)
        if body.get("grant_type") != "refresh_token":
            raise ApiError(PARAM_ERROR, "Param grant_type must be refresh_token.")
        store = self.platform.store
        refresh = store.refresh_tokens.get(str(body.get("refresh_token") or ""))
        if refresh is None or refresh.revoked:
            raise ApiError(INVALID_TOKEN, "The refresh_token is invalid or has been revoked.")
        if refresh.used:
            raise ApiError(INVALID_TOKEN, "The refresh_token has already been used.")
        if refresh.expires_at <= self.platform.clock.now():
            raise ApiError(INVALID_TOKEN, "The refresh_token has expired.")
        refresh.used = True
        return envelope(self._issue(refresh.scopes))

    async def revoke(self, request: Request) -> Response:
        body = await json_body(request)
        self._check_client(body)
        store = self.platform.store
        if str(body.get("access_token") or "") not in store.access_tokens:
            raise ApiError(INVALID_TOKEN, "Access token is invalid.")
        store.revoke_all()
        self.platform.events.authorization_removed(reason=5)  # 5 = developer revoked
        return envelope({})

    async def token_info(self, request: Request) -> Response:
        body = await json_body(request)
        config, store = self.platform.config, self.platform.store
        if body.get("app_id") != config.business_client_key:
            raise ApiError(NO_PERMISSION, "The app_id is invalid.")
        access = store.access_tokens.get(str(body.get("access_token") or ""))
        if access is None or access.revoked or access.expires_at <= self.platform.clock.now():
            raise ApiError(INVALID_TOKEN, "Access token is invalid or has expired.")
        return envelope(
            {
                "app_id": config.business_client_key,
                "creator_id": store.account.business_id,
                "scope": ",".join(access.scopes),
            }
        )


_STYLE = (
    "<style>body{font:15px system-ui;background:#f1f1f2;margin:0}main{max-width:420px;"
    "margin:3rem auto;background:#fff;border-radius:12px;padding:2rem}h1{font-size:20px}"
    "label{display:block;margin:.4rem 0}button{padding:.6rem 1.2rem;border-radius:6px;"
    "border:1px solid #ccc;margin-right:.5rem}.go{background:#fe2c55;color:#fff;border:0}"
    ".who{display:flex;gap:.6rem;align-items:center;color:#555}</style>"
)


def _error_page(problem: str) -> str:
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>TikTok</title>"
        f"{_STYLE}</head><body><main><h1>Something went wrong</h1>"
        f"<p>{escape(problem)}</p></main></body></html>"
    )


def _consent_page(platform: "BusinessPlatform", params: dict[str, str], scopes: list[str]) -> str:
    account = platform.store.account
    hidden = "".join(
        f"<input type='hidden' name='{k}' value='{escape(v, quote=True)}'>"
        for k, v in params.items()
        if v
    )
    boxes = "".join(
        f"<label><input type='checkbox' name='scopes' value='{escape(s, quote=True)}' checked> "
        f"<code>{escape(s)}</code></label>"
        for s in scopes
    )
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Authorize · TikTok</title>"
        f"{_STYLE}</head><body><main><h1>TikTok for Business</h1>"
        f"<p class='who'>Signed in as <strong>{escape(account.display_name)}</strong> "
        f"(@{escape(account.username)})</p>"
        f"<p>The app <strong>{escape(params['client_key'])}</strong> would like access to:</p>"
        "<form method='post' action='/v2/auth/authorize/'>"
        f"{hidden}{boxes}<p>"
        "<button class='go' type='submit' name='action' value='authorize'>Authorize</button>"
        "<button type='submit' name='action' value='deny'>Deny</button>"
        "</p></form></main></body></html>"
    )
