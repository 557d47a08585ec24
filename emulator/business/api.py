"""API for Business conventions (wire notes 5.3): the ``{code, message, request_id, data}``
envelope answered with HTTP 200 even for errors, the ``Access-Token`` header, and the codes."""

import json
import secrets
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from emulator.faults import FaultRule

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

API_PREFIX = "/open_api/v1.3"

OK = 0
NO_PERMISSION = 40001
PARAM_ERROR = 40002
NOT_FOUND = 40007
DM_RULE = 40064
TOO_FREQUENT = 40100
NO_TOKEN = 40104
INVALID_TOKEN = 40105
SYSTEM_ERROR = 51065


class ApiError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def request_id() -> str:
    """Like TikTok's: a UTC timestamp followed by hex."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime()) + secrets.token_hex(9).upper()


def envelope(data: dict[str, Any] | None = None, code: int = OK, message: str = "OK") -> Response:
    body = {"code": code, "message": message, "request_id": request_id(), "data": data or {}}
    return JSONResponse(body)


def error(code: int, message: str) -> Response:
    return envelope({}, code=code, message=message)


def render_fault(rule: FaultRule) -> Response:
    """How an injected fault looks on the Business API: throttling is HTTP 200 + 40100."""
    if rule.kind == "rate_limit":
        return error(
            TOO_FREQUENT,
            "Too many requests. The request frequency exceeds the limit; please retry later.",
        )
    body = {
        "code": SYSTEM_ERROR,
        "message": "System error. Please retry later.",
        "request_id": request_id(),
        "data": {},
    }
    return JSONResponse(body, status_code=rule.status)


async def json_body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw:
        return {}
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise ApiError(PARAM_ERROR, "Request body is not valid JSON.") from exc
    if not isinstance(data, dict):
        raise ApiError(PARAM_ERROR, "Request body must be a JSON object.")
    return data


async def form_body(request: Request) -> dict[str, list[str]]:
    """``application/x-www-form-urlencoded`` without python-multipart."""
    return parse_qs((await request.body()).decode(), keep_blank_values=True)


def json_list_param(value: str | None, name: str) -> list[str] | None:
    """Query parameters such as ``fields`` and ``comment_ids`` are JSON arrays."""
    if value is None or value == "":
        return None
    try:
        parsed = json.loads(value)
    except ValueError as exc:
        raise ApiError(PARAM_ERROR, f"Param {name} must be a JSON array.") from exc
    if not isinstance(parsed, list):
        raise ApiError(PARAM_ERROR, f"Param {name} must be a JSON array.")
    return [str(item) for item in parsed]


def int_param(value: Any, name: str, default: int, low: int, high: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except (TypeError, ValueError) as exc:
        raise ApiError(PARAM_ERROR, f"Param {name} must be an integer.") from exc
    if not low <= number <= high:
        raise ApiError(PARAM_ERROR, f"Param {name} must be between {low} and {high}.")
    return number


def authorize(platform: "BusinessPlatform", request: Request, scope: str) -> None:
    """The ``Access-Token`` checks every Business API call makes, in TikTok's order."""
    token = request.headers.get("Access-Token", "")
    if not token:
        raise ApiError(
            NO_TOKEN,
            "Access token is null, you should set it in http header with key Access-Token.",
        )
    store = platform.store
    access = store.access_tokens.get(token)
    if access is None or access.revoked:
        raise ApiError(INVALID_TOKEN, "Access token is invalid or has been revoked.")
    if access.expires_at <= platform.clock.now():
        raise ApiError(INVALID_TOKEN, "Access token has expired. Please refresh it.")
    if scope not in access.scopes:
        raise ApiError(
            NO_PERMISSION,
            f"No permission to operate. The authorization does not include the scope {scope}.",
        )


def check_business_id(platform: "BusinessPlatform", business_id: Any) -> None:
    if not business_id:
        raise ApiError(PARAM_ERROR, "Param business_id is required.")
    if str(business_id) != platform.store.account.business_id:
        raise ApiError(NO_PERMISSION, "No permission to operate on this business_id.")


def parse_id(value: Any, name: str) -> int:
    """19-digit ids arrive as strings (or exact JSON integers); never as floats."""
    if isinstance(value, bool) or value is None or value == "":
        raise ApiError(PARAM_ERROR, f"Param {name} is required.")
    text = str(value)
    if not text.isdigit():
        raise ApiError(PARAM_ERROR, f"Param {name} is invalid.")
    return int(text)
