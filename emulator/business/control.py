"""Control API for the creator side, mounted under ``/_control/business/``:

- ``POST comments`` ``{text, viewer?, video_id?, live?, parent_comment_id?, hours_ago?}``: a
  viewer (username or unique_identifier; default the first seeded viewer) comments on a video
  (default the newest) or, with ``live: true``, on the Live. Fires ``comment.update`` and lets
  the classifier consider it. Answers the comment with its 19-digit id as a string.
- ``POST comments/{comment_id}/high_intent``: flag a comment high intent now.
- ``POST messages`` ``{viewer, text}``: the viewer DMs the business (opens the 48 h window).
- ``POST tokens/expire`` ``{access_token?, refresh_token?}``: expire one token, or with no body
  every access token.
- ``POST authorization/revoke`` ``{reason?}``: the creator removes the app (default reason 1,
  user disconnected); fires ``authorization.removed``.
- ``POST settings`` ``{daily_conversation_cap?, comment_to_message_enabled?}``.
- ``POST viewers`` ``{count, age?, locale?}``: ``count`` (≤ 100,000) new viewers, ``viewer1``,
  ``viewer2``… (default 25 years old, ``en``), answered with their usernames and
  unique_identifiers: distinct commenters for load tests (bench/comment_to_dm.py).
"""

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from emulator.control import read_json

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform


MAX_NEW_VIEWERS = 100_000


def _bad(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


def routes(platform: "BusinessPlatform") -> list[BaseRoute]:
    async def body_of(request: Request) -> dict[str, Any]:
        try:
            return await read_json(request)
        except ValueError:
            return {}

    async def post_comment(request: Request) -> JSONResponse:
        body = await body_of(request)
        text = body.get("text")
        if not isinstance(text, str) or not text:
            return _bad("text is required")
        viewer_ref = str(body.get("viewer") or next(iter(platform.store.viewers)))
        viewer = platform.store.find_viewer(viewer_ref)
        if viewer is None:
            return _bad(f"no viewer {viewer_ref!r}", 404)
        if body.get("live"):
            video_id = platform.store.live_id
        elif body.get("video_id"):
            video_id = int(str(body["video_id"]))
        else:
            posts = [v for v in platform.store.videos.values() if not v.is_live]
            video_id = max(posts, key=lambda v: v.create_time).item_id
        if video_id not in platform.store.videos:
            return _bad(f"no video {video_id}", 404)
        parent = body.get("parent_comment_id")
        parent_id = int(str(parent)) if parent else None
        if parent_id is not None and parent_id not in platform.store.comments:
            return _bad(f"no comment {parent_id}", 404)
        hours_ago = float(body.get("hours_ago") or 0)
        comment = platform.store.add_comment(
            video_id=video_id,
            author_id=viewer.unique_identifier,
            text=text,
            create_time=int(platform.clock.now() - hours_ago * 3600),
            parent_comment_id=parent_id,
        )
        platform.events.comment_update(comment, "insert")
        platform.classifier.consider(comment)
        return JSONResponse(platform.comment_summary(comment), status_code=201)

    async def flag(request: Request) -> JSONResponse:
        comment = platform.store.comments.get(int(request.path_params["comment_id"]))
        if comment is None:
            return _bad("no such comment", 404)
        platform.classifier.flag(comment)
        return JSONResponse(platform.comment_summary(comment))

    async def post_message(request: Request) -> JSONResponse:
        body = await body_of(request)
        viewer = platform.store.find_viewer(str(body.get("viewer") or ""))
        text = body.get("text")
        if viewer is None:
            return _bad("viewer (username or unique_identifier) is required", 404)
        if not isinstance(text, str) or not text:
            return _bad("text is required")
        message = platform.messaging.receive(viewer, text)
        return JSONResponse(
            {"conversation_id": message.conversation_id, "message_id": message.message_id},
            status_code=201,
        )

    async def expire(request: Request) -> JSONResponse:
        body = await body_of(request)
        past = platform.clock.now() - 1
        expired: list[str] = []
        if body.get("refresh_token"):
            refresh = platform.store.refresh_tokens.get(str(body["refresh_token"]))
            if refresh is None:
                return _bad("no such refresh_token", 404)
            refresh.expires_at = past
            expired.append(refresh.token)
        if body.get("access_token"):
            access = platform.store.access_tokens.get(str(body["access_token"]))
            if access is None:
                return _bad("no such access_token", 404)
            access.expires_at = past
            expired.append(access.token)
        if not expired:
            for access in platform.store.access_tokens.values():
                access.expires_at = min(access.expires_at, past)
                expired.append(access.token)
        return JSONResponse({"expired": expired})

    async def revoke(request: Request) -> JSONResponse:
        body = await body_of(request)
        platform.store.revoke_all()
        platform.events.authorization_removed(reason=int(body.get("reason") or 1))
        return JSONResponse({"revoked": True})

    async def settings(request: Request) -> JSONResponse:
        body = await body_of(request)
        if "daily_conversation_cap" in body:
            platform.store.daily_conversation_cap = int(body["daily_conversation_cap"])
        if "comment_to_message_enabled" in body:
            platform.store.account.comment_to_message_enabled = bool(
                body["comment_to_message_enabled"]
            )
        return JSONResponse(
            {
                "daily_conversation_cap": platform.store.daily_conversation_cap,
                "comment_to_message_enabled": platform.store.account.comment_to_message_enabled,
            }
        )

    async def add_viewers(request: Request) -> JSONResponse:
        body = await body_of(request)
        try:
            count = int(body.get("count") or 0)
            age = int(body.get("age") or 25)
        except (TypeError, ValueError):
            return _bad("count and age are numbers")
        if not 1 <= count <= MAX_NEW_VIEWERS:
            return _bad(f"count is 1 to {MAX_NEW_VIEWERS}")
        locale = str(body.get("locale") or "en")
        made = platform.store.add_viewers(count, age=age, locale=locale)
        viewers = [{"username": v.username, "unique_identifier": v.unique_identifier} for v in made]
        return JSONResponse({"viewers": viewers}, status_code=201)

    return [
        Route("/comments", post_comment, methods=["POST"]),
        Route("/viewers", add_viewers, methods=["POST"]),
        Route("/comments/{comment_id:int}/high_intent", flag, methods=["POST"]),
        Route("/messages", post_message, methods=["POST"]),
        Route("/tokens/expire", expire, methods=["POST"]),
        Route("/authorization/revoke", revoke, methods=["POST"]),
        Route("/settings", settings, methods=["POST"]),
    ]
