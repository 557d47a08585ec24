"""The creator side: TikTok API for Business (Accounts / Organic API, Business Messaging,
tt_user OAuth) and the www.tiktok.com authorize page, for one seeded business account.

Paths are the real ones on one origin: ``/v2/auth/authorize/`` and ``/open_api/v1.3/…/``
(trailing slash required: without it, 404). Every API answer is HTTP 200 with the
``{code, message, request_id, data}`` envelope; see ``api`` for the codes, ``oauth``,
``content`` and ``messaging`` for the endpoints, ``events`` for webhooks, ``classifier`` for the
high-intent verdicts and ``control`` for the control API.

Endpoint → scope: ``business/get/`` user.info.basic; ``business/video/list/`` video.list;
``business/comment/list/`` comment.list; ``business/comment/reply/create/`` and ``hide/``
comment.list.manage; ``business/message/send/`` message.list.send;
``business/message/conversation/list/`` and ``content/list/`` message.list.read; webhook
config is app-level (``app_id`` + ``secret``, no token).
"""

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Mount, Route, Router

from emulator.business import control
from emulator.business.api import API_PREFIX, ApiError, error, render_fault
from emulator.business.classifier import Classifier
from emulator.business.content import Content
from emulator.business.events import Events
from emulator.business.messaging import Messaging
from emulator.business.oauth import OAuth
from emulator.business.store import Comment, Store

if TYPE_CHECKING:
    from emulator.state import Emulator

Handler = Callable[[Request], Awaitable[Response]]


def _api(handler: Handler) -> Handler:
    """Business API errors are HTTP 200 with a non-zero code."""

    async def endpoint(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error(exc.code, exc.message)

    return endpoint


class BusinessPlatform:
    name = "business"

    def __init__(self, emulator: "Emulator") -> None:
        self.config = emulator.config
        self.clock = emulator.clock
        self.outbox = emulator.outbox
        self.store = Store()
        self.events = Events(self)
        self.oauth = OAuth(self)
        self.content = Content(self)
        self.messaging = Messaging(self)
        self.classifier = Classifier(self)
        emulator.faults.register(lambda path: path.startswith(API_PREFIX + "/"), render_fault)

    def seed(self) -> None:
        self.classifier.cancel_all()
        self.store.seed(self.clock.now())

    def routes(self) -> list[BaseRoute]:
        api = [
            ("/tt_user/oauth2/token/", self.oauth.token, "POST"),
            ("/tt_user/oauth2/refresh_token/", self.oauth.refresh, "POST"),
            ("/tt_user/oauth2/revoke/", self.oauth.revoke, "POST"),
            ("/tt_user/token_info/get/", self.oauth.token_info, "POST"),
            ("/business/get/", self.content.profile, "GET"),
            ("/business/video/list/", self.content.videos, "GET"),
            ("/business/comment/list/", self.content.comments, "GET"),
            ("/business/comment/reply/create/", self.content.reply, "POST"),
            ("/business/comment/hide/", self.content.hide, "POST"),
            ("/business/message/send/", self.messaging.send, "POST"),
            ("/business/message/conversation/list/", self.messaging.conversations, "GET"),
            ("/business/message/content/list/", self.messaging.messages, "GET"),
            ("/business/webhook/update/", self.events.update, "POST"),
            ("/business/webhook/list/", self.events.list, "GET"),
        ]
        # A router of its own so that a path without its trailing slash is a 404, as on
        # TikTok, rather than Starlette's redirect.
        router = Router(
            routes=[Route(path, _api(h), methods=[m]) for path, h, m in api],
            redirect_slashes=False,
        )
        authorize = [
            Route("/v2/auth/authorize/", self.oauth.authorize_page, methods=["GET"]),
            Route("/v2/auth/authorize/", self.oauth.authorize_submit, methods=["POST"]),
            # Integrations link to it without the slash too (chatwoot's auth_client.rb).
            Route("/v2/auth/authorize", self.oauth.authorize_page, methods=["GET"]),
        ]
        return [Mount(API_PREFIX, app=router), *authorize]

    def control_routes(self) -> list[BaseRoute]:
        return control.routes(self)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return self.store.snapshot()

    def comment_summary(self, comment: Comment) -> dict[str, Any]:
        return {
            "comment_id": str(comment.comment_id),
            "video_id": str(comment.video_id),
            "unique_identifier": comment.author_id,
            "text": comment.text,
            "create_time": comment.create_time,
            "parent_comment_id": str(comment.parent_comment_id or ""),
            "status": comment.status,
            "high_intent": comment.high_intent,
            "answered_by_dm": comment.answered_by_dm,
        }


__all__ = ["BusinessPlatform"]
