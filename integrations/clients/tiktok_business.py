"""TikTok API for Business: the creator's business account (OAuth, profile, posts).

Wire format (tiktok-wire.md §5.3–5.4): paths under /open_api/v1.3/ end with a slash, the token
travels in an ``Access-Token`` header, and errors arrive as HTTP 200 with a non-zero ``code``.
"""

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

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

API = "/open_api/v1.3/"
VIDEO_FIELDS = ["item_id", "create_time", "caption", "share_url", "thumbnail_url", "media_type"]
# Business API throttling has no Retry-After; TikTok says a per-minute overage clears in 5 min.
THROTTLE_WAIT_SECONDS = 60.0


@dataclass(frozen=True)
class TokenGrant:
    open_id: str
    access_token: str
    refresh_token: str
    access_expires_at: datetime
    refresh_expires_at: datetime
    scopes: frozenset[str]


@dataclass(frozen=True)
class Profile:
    display_name: str
    username: str
    profile_image: str


def _grant(data: dict[str, Any]) -> TokenGrant:
    now = datetime.now(tz=UTC)
    return TokenGrant(
        open_id=str(data["open_id"]),
        access_token=data["access_token"],
        refresh_token=data["refresh_token"],
        # Lifetimes come from the response, never from constants (they changed before).
        access_expires_at=now + timedelta(seconds=int(data["expires_in"])),
        refresh_expires_at=now + timedelta(seconds=int(data["refresh_token_expires_in"])),
        scopes=frozenset(s for s in str(data.get("scope", "")).split(",") if s),
    )


class TikTokBusinessClient(BaseClient):
    def __init__(self, *, access_token: str = "", **kwargs: Any) -> None:
        super().__init__(settings.TIKTOK_BUSINESS_API_BASE_URL, **kwargs)
        self.access_token = access_token

    def _call(
        self, method: str, path: str, *, params: dict[str, Any] | None = None, json: Any = None
    ) -> dict[str, Any]:
        headers = {"Access-Token": self.access_token} if self.access_token else {}
        response = self.send(method, API + path, params=params, json=json, headers=headers)
        try:
            payload = response.json()
        except ValueError as error:
            raise Transient(f"{path}: answer was not JSON ({response.status_code})") from error
        code, message = payload.get("code"), payload.get("message", "")
        if code == 0:
            return payload.get("data") or {}
        raise _error(code, message, path)

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenGrant:
        return _grant(
            self._call(
                "POST",
                "tt_user/oauth2/token/",
                json={
                    "client_id": settings.TIKTOK_CLIENT_KEY,
                    "client_secret": settings.TIKTOK_CLIENT_SECRET,
                    "grant_type": "authorization_code",
                    "auth_code": code,
                    "redirect_uri": redirect_uri,
                    "code_verifier": code_verifier,
                },
            )
        )

    def refresh(self, *, refresh_token: str) -> TokenGrant:
        try:
            data = self._call(
                "POST",
                "tt_user/oauth2/refresh_token/",
                json={
                    "client_id": settings.TIKTOK_CLIENT_KEY,
                    "client_secret": settings.TIKTOK_CLIENT_SECRET,
                    "grant_type": "refresh_token",
                    "refresh_token": refresh_token,
                },
            )
        except (Rejected, TokenExpired) as error:
            raise TokenInvalid(f"Refresh refused: {error}", code=error.code) from error
        return _grant(data)

    def revoke(self, *, access_token: str) -> None:
        self._call(
            "POST",
            "tt_user/oauth2/revoke/",
            json={
                "client_id": settings.TIKTOK_CLIENT_KEY,
                "client_secret": settings.TIKTOK_CLIENT_SECRET,
                "access_token": access_token,
            },
        )

    def webhook_subscribe(self, *, event_type: str, callback_url: str) -> None:
        """App-level subscription (``DIRECT_MESSAGE`` or ``COMMENT``); no user token."""
        self._call(
            "POST",
            "business/webhook/update/",
            json={
                "app_id": settings.TIKTOK_CLIENT_KEY,
                "secret": settings.TIKTOK_CLIENT_SECRET,
                "event_type": event_type,
                "callback_url": callback_url,
            },
        )

    def videos(self, *, business_id: str, cursor: int = 0) -> "VideoPage":
        """One page of the account's posts, newest first (the Live too: media_type LIVE)."""
        return _videos_page(self, business_id=business_id, cursor=cursor)

    def comments(self, *, business_id: str, video_id: str, cursor: int = 0) -> dict[str, Any]:
        """One page of a post's first-level comments, newest first."""
        return self._call(
            "GET",
            "business/comment/list/",
            params={
                "business_id": business_id,
                "video_id": video_id,
                "sort_field": "create_time",
                "sort_order": "desc",
                "cursor": cursor,
                "max_count": 30,
            },
        )

    def comment_reply(
        self, *, business_id: str, video_id: str, comment_id: str, text: str
    ) -> dict[str, Any]:
        """A public reply under a comment (at most 150 characters)."""
        return self._call(
            "POST",
            "business/comment/reply/create/",
            json={
                "business_id": business_id,
                "video_id": video_id,
                "comment_id": comment_id,
                "text": text,
            },
        )

    def comment_replies(
        self, *, business_id: str, video_id: str, comment_id: str
    ) -> list[dict[str, Any]]:
        """The replies under one comment, ours included (``owner``)."""
        data = self._call(
            "GET",
            "business/comment/list/",
            params={
                "business_id": business_id,
                "video_id": video_id,
                "comment_ids": json.dumps([comment_id]),
                "include_replies": "true",
            },
        )
        comments = data.get("comments") or []
        return list(comments[0].get("reply_list") or []) if comments else []

    def message_send(
        self,
        *,
        business_id: str,
        conversation_id: str,
        text: str,
        buttons: list[str] | None = None,
    ) -> str:
        """A DM into an open messaging window (wire notes §5.6): plain text, or a question
        card with up to three reply buttons. Returns TikTok's message id."""
        body: dict[str, Any] = {
            "business_id": business_id,
            "recipient_type": "CONVERSATION",
            "recipient": conversation_id,
        }
        if buttons:
            body["message_type"] = "TEMPLATE"
            body["template"] = {
                "type": "QA_BUTTON_CARD",
                "title": text,
                "buttons": [
                    {"type": "REPLY", "title": title, "id": f"option-{n}"}
                    for n, title in enumerate(buttons, start=1)
                ],
            }
        else:
            body["message_type"] = "TEXT"
            body["text"] = {"body": text}
        data = self._call("POST", "business/message/send/", json=body)
        return str((data.get("message") or {}).get("message_id", ""))

    def direct_reply(self, *, business_id: str, comment_id: str, text: str) -> str:
        """Comment-to-Message: the one text DM TikTok allows to a high-intent commenter who
        never wrote to the account (wire notes §8). Returns TikTok's message id."""
        data = self._call(
            "POST",
            "business/message/send/",
            json={
                "business_id": business_id,
                "direct_reply": {
                    "reply_type": "COMMENT_REPLY",
                    "comment_reply": {"comment_id": comment_id},
                },
                "message_type": "TEXT",
                "text": {"body": text},
            },
        )
        return str((data.get("message") or {}).get("message_id", ""))

    def conversation_messages(
        self, *, business_id: str, conversation_id: str
    ) -> list[dict[str, Any]]:
        """The 20 most recent messages of a conversation, newest first."""
        data = self._call(
            "GET",
            "business/message/content/list/",
            params={"business_id": business_id, "conversation_id": conversation_id},
        )
        return list(data.get("messages") or [])

    def profile(self, *, business_id: str) -> Profile:
        data = self._call(
            "GET",
            "business/get/",
            params={
                "business_id": business_id,
                "fields": '["username","display_name","profile_image"]',
            },
        )
        return Profile(
            display_name=data.get("display_name", ""),
            username=data.get("username", ""),
            profile_image=data.get("profile_image", ""),
        )


def _error(code: Any, message: str, path: str) -> Exception:
    text = f"{path}: {message} (code {code})"
    if code == 40100:
        return RateLimited(text, code=code, retry_after=THROTTLE_WAIT_SECONDS)
    if code in (40104, 40105):
        return TokenExpired(text, code=code)
    if code == 40001:
        return ScopeMissing(text, code=code)
    if isinstance(code, int) and code >= 50000:
        return Transient(text, code=code)
    return Rejected(text, code=code)


@dataclass(frozen=True)
class VideoPage:
    videos: list[dict[str, Any]]
    cursor: int
    has_more: bool


def _videos_page(client: TikTokBusinessClient, *, business_id: str, cursor: int) -> VideoPage:
    data = client._call(
        "GET",
        "business/video/list/",
        params={
            "business_id": business_id,
            "fields": json.dumps(VIDEO_FIELDS, separators=(",", ":")),
            "cursor": cursor,
            "max_count": 20,
        },
    )
    return VideoPage(
        videos=list(data.get("videos") or []),
        cursor=int(data.get("cursor") or 0),
        has_more=bool(data.get("has_more")),
    )
