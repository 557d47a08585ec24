"""Accounts / Organic API: profile, video list, comments (wire notes 5.4, 5.5).

- ``GET business/get/`` (``user.info.basic``): profile, filtered by ``fields`` (a JSON array).
- ``GET business/video/list/`` (``video.list``): ``{videos[], cursor, has_more}``; each post has
  pytiktok / TikTok field names (``item_id``, ``create_time``, ``caption``, ``share_url``,
  ``embed_url``, ``thumbnail_url``, ``media_type``, ``video_duration``, ``likes``, ``comments``,
  ``shares``, ``video_views``). ``item_id`` is a string. **The Live** is listed as a post whose
  ``media_type`` is ``"LIVE"``: TikTok's ``media_type`` field exists (enum ``VIDEO`` | ``PHOTO``)
  and this is the closest real field; it is the one extension of its enum here.
- ``GET business/comment/list/`` (``comment.list``): ``{comments[], cursor, has_more}``;
  ``status`` PUBLIC | ALL (default ALL), ``sort_field`` + ``sort_order`` (or ``sort_type``),
  ``include_replies`` (≤ 3 replies each), ``comment_ids``, ``cursor``, ``max_count`` ≤ 30.
  Ids and ``create_time`` are strings, as in the samples.
- ``POST business/comment/reply/create/`` (``comment.list.manage``): ``text`` ≤ 150 characters.
- ``POST business/comment/hide/`` (``comment.list.manage``): ``action`` HIDE | UNHIDE.
"""

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.business.api import (
    NOT_FOUND,
    PARAM_ERROR,
    ApiError,
    authorize,
    check_business_id,
    envelope,
    int_param,
    json_body,
    json_list_param,
    parse_id,
)
from emulator.business.store import Comment, Store, Video

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

REPLY_MAX_CHARS = 150
PROFILE_FIELDS = ("username", "display_name", "profile_image", "is_business_account")
VIDEO_DEFAULT_FIELDS = ("item_id", "create_time", "caption", "share_url", "thumbnail_url")


class Content:
    def __init__(self, platform: "BusinessPlatform") -> None:
        self.platform = platform

    @property
    def store(self) -> Store:
        return self.platform.store

    async def profile(self, request: Request) -> Response:
        authorize(self.platform, request, "user.info.basic")
        query = request.query_params
        check_business_id(self.platform, query.get("business_id"))
        account = self.store.account
        full = {
            "is_business_account": True,
            "username": account.username,
            "display_name": account.display_name,
            "profile_image": account.profile_image,
            "followers_count": account.followers_count,
        }
        fields = json_list_param(query.get("fields"), "fields") or list(PROFILE_FIELDS)
        return envelope({k: v for k, v in full.items() if k in fields})

    def _video_view(self, video: Video) -> dict[str, Any]:
        username = self.store.account.username
        comments = sum(1 for c in self.store.comments.values() if c.video_id == video.item_id)
        path = "live" if video.is_live else f"video/{video.item_id}"
        return {
            "item_id": str(video.item_id),
            "media_type": video.media_type,
            "create_time": video.create_time,
            "caption": video.caption,
            "share_url": f"https://www.tiktok.com/@{username}/{path}",
            "embed_url": f"https://www.tiktok.com/player/v1/{video.item_id}",
            "thumbnail_url": f"https://p16-sign.tiktokcdn.com/obj/{video.item_id}~tplv.jpeg",
            "video_duration": video.video_duration,
            "likes": video.likes,
            "comments": comments,
            "shares": video.shares,
            "video_views": video.video_views,
            "is_ad": False,
        }

    async def videos(self, request: Request) -> Response:
        authorize(self.platform, request, "video.list")
        query = request.query_params
        check_business_id(self.platform, query.get("business_id"))
        fields = json_list_param(query.get("fields"), "fields") or list(VIDEO_DEFAULT_FIELDS)
        cursor = int_param(query.get("cursor"), "cursor", 0, 0, 10**12)
        max_count = int_param(query.get("max_count"), "max_count", 20, 1, 20)
        videos = sorted(self.store.videos.values(), key=lambda v: v.create_time, reverse=True)
        page = videos[cursor : cursor + max_count]
        rows = [{k: v for k, v in self._video_view(video).items() if k in fields} for video in page]
        has_more = cursor + max_count < len(videos)
        return envelope({"videos": rows, "cursor": cursor + len(page), "has_more": has_more})

    def _comment_view(self, comment: Comment) -> dict[str, Any]:
        store = self.store
        view: dict[str, Any] = {
            "comment_id": str(comment.comment_id),
            "video_id": str(comment.video_id),
            "text": comment.text,
            "create_time": str(comment.create_time),
            "status": comment.status,
            "likes": comment.likes,
            "replies": len(store.replies_to(comment.comment_id)),
            "owner": comment.owner,
            "liked": False,
            "pinned": False,
        }
        if comment.owner:
            account = store.account
            view.update(
                user_id=account.business_id,
                unique_identifier=account.business_id,
                username=account.username,
                display_name=account.display_name,
                profile_image=account.profile_image,
            )
        else:
            viewer = store.viewers[comment.author_id]
            view.update(
                user_id=viewer.unique_identifier,
                unique_identifier=viewer.unique_identifier,
                username=viewer.username,
                display_name=viewer.display_name,
                profile_image=viewer.profile_image,
            )
        if comment.parent_comment_id is not None:
            view["parent_comment_id"] = str(comment.parent_comment_id)
        return view

    def _video(self, value: Any) -> Video:
        video = self.store.videos.get(parse_id(value, "video_id"))
        if video is None:
            raise ApiError(NOT_FOUND, "The video does not exist or does not belong to you.")
        return video

    def _comment(self, video: Video, value: Any) -> Comment:
        comment = self.store.comments.get(parse_id(value, "comment_id"))
        if comment is None or comment.video_id != video.item_id:
            raise ApiError(NOT_FOUND, "The comment does not exist.")
        return comment

    async def comments(self, request: Request) -> Response:
        authorize(self.platform, request, "comment.list")
        query = request.query_params
        check_business_id(self.platform, query.get("business_id"))
        video = self._video(query.get("video_id"))
        status = query.get("status") or "ALL"
        if status not in ("PUBLIC", "ALL"):
            raise ApiError(PARAM_ERROR, "Param status must be PUBLIC or ALL.")
        sort_field = query.get("sort_field") or "create_time"
        if sort_field not in ("create_time", "likes", "replies"):
            raise ApiError(PARAM_ERROR, "Param sort_field must be create_time, likes or replies.")
        order = query.get("sort_order") or query.get("sort_type") or "smart"
        if order not in ("asc", "desc", "smart"):
            raise ApiError(PARAM_ERROR, "Param sort_order must be asc, desc or smart.")
        cursor = int_param(query.get("cursor"), "cursor", 0, 0, 10**12)
        max_count = int_param(query.get("max_count"), "max_count", 20, 1, 30)
        wanted = json_list_param(query.get("comment_ids"), "comment_ids")
        if wanted is not None and len(wanted) > 30:
            raise ApiError(PARAM_ERROR, "Param comment_ids accepts at most 30 ids.")
        include_replies = query.get("include_replies") == "true"

        def visible(c: Comment) -> bool:
            return status == "ALL" or c.status == "PUBLIC"

        rows = [
            c
            for c in self.store.comments.values()
            if c.video_id == video.item_id
            and visible(c)
            and (str(c.comment_id) in wanted if wanted is not None else c.parent_comment_id is None)
        ]

        def key(c: Comment) -> int:
            if sort_field == "likes":
                return c.likes
            if sort_field == "replies":
                return len(self.store.replies_to(c.comment_id))
            return c.create_time

        # "smart" (TikTok's own order) is newest first here, which is deterministic.
        rows.sort(key=lambda c: (key(c), c.comment_id), reverse=order != "asc")
        page = rows[cursor : cursor + max_count]
        views = []
        for comment in page:
            view = self._comment_view(comment)
            if include_replies and comment.parent_comment_id is None:
                replies = [r for r in self.store.replies_to(comment.comment_id) if visible(r)]
                view["reply_list"] = [self._comment_view(r) for r in replies[:3]]
            views.append(view)
        has_more = cursor + max_count < len(rows)
        return envelope({"comments": views, "cursor": cursor + len(page), "has_more": has_more})

    async def reply(self, request: Request) -> Response:
        authorize(self.platform, request, "comment.list.manage")
        body = await json_body(request)
        check_business_id(self.platform, body.get("business_id"))
        video = self._video(body.get("video_id"))
        parent = self._comment(video, body.get("comment_id"))
        text = body.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(PARAM_ERROR, "Param text is required.")
        if len(text) > REPLY_MAX_CHARS:
            raise ApiError(
                PARAM_ERROR, f"Param text is too long: at most {REPLY_MAX_CHARS} characters."
            )
        if parent.parent_comment_id is not None:
            parent = self.store.comments[parent.parent_comment_id]
        reply = self.store.add_comment(
            video_id=video.item_id,
            author_id=self.store.account.business_id,
            text=text,
            create_time=self.platform.clock.now_int(),
            parent_comment_id=parent.comment_id,
            owner=True,
        )
        self.platform.events.comment_update(reply, "insert")
        return envelope(
            {
                "comment_id": str(reply.comment_id),
                "video_id": str(video.item_id),
                "create_time": str(reply.create_time),
                "text": reply.text,
            }
        )

    async def hide(self, request: Request) -> Response:
        authorize(self.platform, request, "comment.list.manage")
        body = await json_body(request)
        check_business_id(self.platform, body.get("business_id"))
        video = self._video(body.get("video_id"))
        comment = self._comment(video, body.get("comment_id"))
        action = body.get("action")
        if action not in ("HIDE", "UNHIDE"):
            raise ApiError(PARAM_ERROR, "Param action must be HIDE or UNHIDE.")
        status = "HIDDEN" if action == "HIDE" else "PUBLIC"
        if comment.status != status:
            comment.status = status
            self.platform.events.comment_update(
                comment, "set_to_hidden" if status == "HIDDEN" else "set_to_public"
            )
        return envelope({})
