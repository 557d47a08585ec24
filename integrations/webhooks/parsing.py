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


def tiktok_event_id(event: str, content: dict[str, Any], body: bytes) -> str:
    """What the event is about, so the same fact gets the same id however it reaches us: a
    webhook, its retries, or the reconciliation poll that finds what a dropped webhook missed.
    Events without such a fact fall back to the body's hash (a retry repeats it exactly)."""
    if event == "comment.update" and content.get("comment_id") is not None:
        return f"comment:{content['comment_id']}:{content.get('comment_action', '')}"
    if event == "im_receive_high_intent_comment" and content.get("comment_id") is not None:
        return f"high-intent:{content['comment_id']}"
    if event.startswith("im_") and content.get("message_id"):
        return f"message:{content['message_id']}"
    return hashlib.sha256(body).hexdigest()


def shop_event_id(event_type: int, data: dict[str, Any], notification_id: Any, body: bytes) -> str:
    """Order status changes are keyed by (order, status, update time) for the same reason;
    other notifications by their ``tts_notification_id``."""
    if event_type == 1 and data.get("order_id"):
        return (
            f"order:{data['order_id']}:{data.get('order_status', '')}:{data.get('update_time', '')}"
        )
    return str(notification_id) if notification_id else hashlib.sha256(body).hexdigest()


def read_envelope(provider: str, body: bytes) -> Envelope:
    payload, data = _split(provider, _decode(body))
    if provider == Provider.TIKTOK:
        event, account = payload.get("event"), payload.get("user_openid")
        if not isinstance(event, str) or not event or account in (None, ""):
            raise MalformedEvent("A TikTok event needs `event` and `user_openid`.")
        return Envelope(tiktok_event_id(event, data, body), event, str(account))
    event_type = payload.get("type")
    if not isinstance(event_type, int):
        raise MalformedEvent("A TikTok Shop notification needs an integer `type`.")
    account = payload.get("shop_id") or payload.get("creator_open_id") or ""
    event_id = shop_event_id(event_type, data, payload.get("tts_notification_id"), body)
    return Envelope(event_id, str(event_type), str(account))


def read_data(provider: str, body: bytes) -> tuple[dict[str, Any], dict[str, Any]]:
    """The envelope and its event data (TikTok's ``content`` is itself a JSON string)."""
    return _split(provider, _decode(body))


def _split(provider: str, payload: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    if provider == Provider.TIKTOK:
        content = payload.get("content") or "{}"
        try:
            data = json.loads(content) if isinstance(content, str) else content
        except json.JSONDecodeError as error:
            raise MalformedEvent("`content` is not JSON.") from error
    else:
        data = payload.get("data") or {}
    if not isinstance(data, dict):
        raise MalformedEvent("Event data is not a JSON object.")
    return payload, data
