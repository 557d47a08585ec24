"""Read the little the request path needs from a verified body: id, type, account.

Ids stay strings: TikTok sends 19-digit ids as bare JSON numbers, which Python's ``json``
keeps exact as ``int``; they are converted with ``str`` and never pass through a float.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from integrations.models import Provider


class MalformedEvent(ValueError):
    """The body is signed correctly but is not a notification we can read."""


@dataclass(frozen=True)
class Envelope:
    event_id: str
    event_type: str
    account_id: str


def _decode(body: bytes) -> dict[str, Any]:
    try:
        payload = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedEvent("Body is not JSON.") from error
    if not isinstance(payload, dict):
        raise MalformedEvent("Body is not a JSON object.")
    return payload


def read_envelope(provider: str, body: bytes) -> Envelope:
    payload = _decode(body)
    if provider == Provider.TIKTOK:
        event, account = payload.get("event"), payload.get("user_openid")
        if not isinstance(event, str) or not event or account in (None, ""):
            raise MalformedEvent("A TikTok event needs `event` and `user_openid`.")
        # TikTok events carry no id; a retry repeats the body byte for byte.
        return Envelope(hashlib.sha256(body).hexdigest(), event, str(account))
    event_type = payload.get("type")
    if not isinstance(event_type, int):
        raise MalformedEvent("A TikTok Shop notification needs an integer `type`.")
    account = payload.get("shop_id") or payload.get("creator_open_id") or ""
    notification_id = payload.get("tts_notification_id")
    event_id = str(notification_id) if notification_id else hashlib.sha256(body).hexdigest()
    return Envelope(event_id, str(event_type), str(account))


def read_data(provider: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The envelope and its event data (TikTok's ``content`` is itself a JSON string)."""
    payload = _decode(body)
    if provider == Provider.TIKTOK:
        content = payload.get("content") or "{}"
        data = json.loads(content) if isinstance(content, str) else content
    else:
        data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise MalformedEvent("Event data is not a JSON object.")
    return payload, data
