"""API for Business webhooks: app-level subscriptions (``business/webhook/update/`` and
``list/``), and the events, signed with ``TikTok-Signature`` and retried on TikTok's schedule.

Envelope (wire notes 5.2, 5.6): ``{client_key, event, create_time, user_openid, content}`` with
``content`` a JSON *string*. Kinds (wire notes 8): ``DIRECT_MESSAGE`` carries ``im_receive_msg``,
``im_send_msg`` and ``im_receive_high_intent_comment``; ``COMMENT`` carries ``comment.update``,
delivered only while the account's grant includes ``comment.list`` and is not revoked (a
revoked grant stops it silently). Nothing is delivered while the authorization is revoked.

Choices where the notes are silent:
- ``authorization.removed`` goes once to every distinct subscribed callback URL.
- ``im_receive_high_intent_comment`` content carries the same ids as ``comment.update``
  (``comment_id``, ``video_id`` as unquoted 19-digit JSON numbers) plus
  ``unique_identifier``, ``text`` and ``timestamp`` (ms).
- The signature's ``t`` is real wall-clock time (a receiver checks it against its own clock),
  while ``create_time`` and ``timestamp`` in the body follow the virtual clock.
"""

import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.business.api import (
    NO_PERMISSION,
    PARAM_ERROR,
    ApiError,
    envelope,
    json_body,
)
from emulator.business.store import Comment, Subscription
from emulator.webhooks import TIKTOK_RETRY_SCHEDULE

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

EVENT_TYPES = ("DIRECT_MESSAGE", "COMMENT", "VIDEO")
DM_EVENTS = ("im_receive_msg", "im_send_msg", "im_receive_high_intent_comment")


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``TikTok-Signature`` value: ``t=<ts>,s=hex(HMAC_SHA256(secret, t + "." + body))``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},s={mac.hexdigest()}"


def signer(secret: str, now: Callable[[], float] = time.time) -> Callable[[bytes], dict[str, str]]:
    def sign(body: bytes) -> dict[str, str]:
        return {
            "TikTok-Signature": signature(secret, int(now()), body),
            "webhook-schema-version": "1.0",
            "x-tt-logid": time.strftime("%Y%m%d%H%M%S", time.gmtime())
            + secrets.token_hex(9).upper(),
        }

    return sign


class Events:
    def __init__(self, platform: "BusinessPlatform") -> None:
        self.platform = platform

    # -- subscription endpoints ---------------------------------------------------------------

    def _check_app(self, app_id: Any, secret: Any) -> None:
        config = self.platform.config
        if not app_id or not secret:
            raise ApiError(PARAM_ERROR, "Params app_id and secret are required.")
        if app_id != config.business_client_key or secret != config.business_client_secret:
            raise ApiError(NO_PERMISSION, "The app_id or secret is invalid.")

    @staticmethod
    def _check_event_type(event_type: Any) -> str:
        if event_type not in EVENT_TYPES:
            raise ApiError(
                PARAM_ERROR,
                f"Param event_type is invalid: {event_type!r}. "
                f"Enum values: {', '.join(EVENT_TYPES)}.",
            )
        return str(event_type)

    def _view(self, sub: Subscription) -> dict[str, Any]:
        data: dict[str, Any] = {
            "app_id": self.platform.config.business_client_key,
            "event_type": sub.event_type,
            "callback_url": sub.callback_url,
        }
        if sub.item_list:
            data["item_list"] = list(sub.item_list)
        return data

    async def update(self, request: Request) -> Response:
        body = await json_body(request)
        self._check_app(body.get("app_id"), body.get("secret"))
        event_type = self._check_event_type(body.get("event_type"))
        url = body.get("callback_url")
        if not isinstance(url, str) or not url.startswith(("http://", "https://")):
            raise ApiError(PARAM_ERROR, "Param callback_url is invalid.")
        store = self.platform.store
        previous = store.subscriptions.get(event_type)
        item_list = list(previous.item_list) if previous else []
        if event_type == "COMMENT" and body.get("item_list"):
            # Cumulative per app: ids once given stay (wire notes 8, "a one-way door").
            for item in body["item_list"]:
                if str(item) not in item_list:
                    item_list.append(str(item))
        sub = Subscription(event_type=event_type, callback_url=url, item_list=item_list)
        store.subscriptions[event_type] = sub
        return envelope(self._view(sub))

    async def list(self, request: Request) -> Response:
        query = request.query_params
        self._check_app(query.get("app_id"), query.get("secret"))
        event_type = self._check_event_type(query.get("event_type"))
        sub = self.platform.store.subscriptions.get(event_type)
        return envelope(self._view(sub) if sub else {})

    # -- delivery -----------------------------------------------------------------------------

    def _send(self, url: str, event: str, content: str) -> None:
        platform = self.platform
        body = json.dumps(
            {
                "client_key": platform.config.business_client_key,
                "event": event,
                "create_time": platform.clock.now_int(),
                "user_openid": platform.store.account.business_id,
                "content": content,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode()
        platform.outbox.enqueue(
            platform="business",
            event=event,
            url=url,
            body=body,
            sign=signer(platform.config.business_client_secret),
            schedule=TIKTOK_RETRY_SCHEDULE,
        )

    def dm_event(self, event: str, content: dict[str, Any]) -> None:
        store = self.platform.store
        sub = store.subscriptions.get("DIRECT_MESSAGE")
        if sub is None or not store.authorization_active():
            return
        self._send(sub.callback_url, event, json.dumps(content, ensure_ascii=False))

    def comment_update(self, comment: Comment, action: str) -> None:
        store = self.platform.store
        sub = store.subscriptions.get("COMMENT")
        if sub is None or not store.has_scope("comment.list"):
            return
        if sub.item_list and str(comment.video_id) not in sub.item_list:
            return
        content: dict[str, Any] = {
            "comment_id": comment.comment_id,
            "video_id": comment.video_id,
        }
        if comment.parent_comment_id is not None:
            content["parent_comment_id"] = comment.parent_comment_id
        content.update(
            {
                "comment_type": "reply" if comment.parent_comment_id else "comment",
                "comment_action": action,
                "unique_identifier": comment.author_id,
                "timestamp": self.platform.clock.now_ms(),
                "text": comment.text,
            }
        )
        # json.dumps writes Python ints as exact unquoted numbers, as TikTok does.
        self._send(sub.callback_url, "comment.update", json.dumps(content, ensure_ascii=False))

    def high_intent(self, comment: Comment) -> None:
        self.dm_event(
            "im_receive_high_intent_comment",
            {
                "comment_id": comment.comment_id,
                "video_id": comment.video_id,
                "unique_identifier": comment.author_id,
                "text": comment.text,
                "timestamp": self.platform.clock.now_ms(),
            },
        )

    def authorization_removed(self, reason: int) -> None:
        urls = dict.fromkeys(s.callback_url for s in self.platform.store.subscriptions.values())
        for url in urls:
            self._send(url, "authorization.removed", json.dumps({"reason": reason}))
