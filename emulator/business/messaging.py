"""Business Messaging (wire notes 5.6 and 8).

- ``POST business/message/send/`` (``message.list.send``), two forms:
  - to a conversation (``recipient_type: CONVERSATION``, ``recipient: <conversation_id>``).
    Only a viewer can start a conversation; each viewer message opens a **48-hour window**
    with **10 business messages**, reset when the viewer writes again. ``SENDER_ACTION`` sends
    no message and uses no quota.
  - as Comment-to-Message (``direct_reply: {reply_type: COMMENT_REPLY, comment_reply:
    {comment_id}}``), text only, accepted only when every condition of section 8 holds:
    Comment-to-Message enabled on the account, the comment flagged high intent, first-level,
    by a viewer, on one of the account's videos (not the Live), under 48 hours old, not
    already answered by DM, no DM between the commenter and the business in the past 24
    hours, and the commenter 18 or older. It opens no window: the viewer must write back.
  - Both count toward the **daily conversation cap** (distinct conversations the business
    sends to per UTC day of the virtual clock; default 100, set by the control API).
  - Text ≤ 6000 characters; ``TEMPLATE`` ``QA_BUTTON_CARD`` cards carry a title and at most 3
    ``REPLY`` buttons of ≤ 20 characters each (wire notes §5.6). Each API send is echoed as
    ``im_send_msg`` with ``message_tag.source = "API"``.
- ``GET business/message/conversation/list/`` and ``content/list/`` (``message.list.read``).

Error codes: the notes leave the rule-violation code unknown; every messaging-rule refusal
here (window closed, 10-message cap, daily cap, each direct_reply condition) is **40064** with
a message naming the rule. A malformed request is 40002; an unknown conversation or comment is
40007.
"""

from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response

from emulator.business.api import (
    DM_RULE,
    NOT_FOUND,
    PARAM_ERROR,
    ApiError,
    authorize,
    check_business_id,
    envelope,
    int_param,
    json_body,
    parse_id,
)
from emulator.business.store import Conversation, Message, Store, Viewer

if TYPE_CHECKING:
    from emulator.business import BusinessPlatform

HOUR = 3600
WINDOW_SECONDS = 48 * HOUR
WINDOW_MESSAGES = 10
DIRECT_REPLY_MAX_AGE = 48 * HOUR
RECENT_DM_SECONDS = 24 * HOUR
ADULT_AGE = 18
TEXT_MAX_CHARS = 6000
TEMPLATE_BUTTONS = 3
BUTTON_TITLE_MAX_CHARS = 20
CONTENT_LIST_SIZE = 20
CONVERSATION_HISTORY = 90 * 24 * HOUR


class Messaging:
    def __init__(self, platform: "BusinessPlatform") -> None:
        self.platform = platform

    @property
    def store(self) -> Store:
        return self.platform.store

    # -- viewers writing (control API) ---------------------------------------------------------

    def receive(self, viewer: Viewer, text: str) -> Message:
        """A viewer DMs the business: opens (or renews) the messaging window."""
        conversation = self.store.conversation_with(viewer.unique_identifier)
        message = self._append(conversation, from_business=False, text=text, source="APP")
        conversation.window_opened_at = self.platform.clock.now()
        conversation.business_messages_in_window = 0
        self.platform.events.dm_event("im_receive_msg", self._event_content(conversation, message))
        return message

    # -- send ---------------------------------------------------------------------------------

    async def send(self, request: Request) -> Response:
        authorize(self.platform, request, "message.list.send")
        body = await json_body(request)
        check_business_id(self.platform, body.get("business_id"))
        if body.get("direct_reply") is not None:
            return self._direct_reply(body)
        if body.get("recipient_type") != "CONVERSATION":
            raise ApiError(PARAM_ERROR, "Param recipient_type must be CONVERSATION.")
        conversation = self.store.conversations.get(str(body.get("recipient") or ""))
        if conversation is None or not conversation.messages:
            raise ApiError(NOT_FOUND, "Param recipient is invalid: no such conversation.")
        message_type = body.get("message_type")
        if message_type == "SENDER_ACTION":
            if body.get("sender_action") not in ("TYPING", "MARK_READ"):
                raise ApiError(PARAM_ERROR, "Param sender_action must be TYPING or MARK_READ.")
            return envelope({"message": {"message_id": ""}})
        text, buttons = self._content(body, message_type), self._buttons(body, message_type)
        now = self.platform.clock.now()
        opened = conversation.window_opened_at
        if opened is None or now - opened >= WINDOW_SECONDS:
            raise ApiError(
                DM_RULE,
                "The messaging window is closed: a business can only reply within 48 hours "
                "after the user's last message.",
            )
        if conversation.business_messages_in_window >= WINDOW_MESSAGES:
            raise ApiError(
                DM_RULE,
                "Message limit reached: at most 10 messages until the user replies.",
            )
        self._check_daily_cap(conversation)
        referenced = body.get("referenced_message_info") or {}
        message = self._append(
            conversation,
            from_business=True,
            text=text,
            source="API",
            referenced=referenced.get("referenced_message_id") if referenced else None,
        )
        message.buttons = buttons
        conversation.business_messages_in_window += 1
        self._sent(conversation, message)
        return envelope({"message": {"message_id": message.message_id}})

    def _content(self, body: dict[str, Any], message_type: Any) -> str:
        if message_type == "TEXT":
            text = (body.get("text") or {}).get("body")
            if not isinstance(text, str) or not text:
                raise ApiError(PARAM_ERROR, "Param text.body is required.")
            if len(text) > TEXT_MAX_CHARS:
                raise ApiError(PARAM_ERROR, "Param text.body is too long: at most 6000 characters.")
            return text
        if message_type == "TEMPLATE":
            template = body.get("template") or {}
            if template.get("type") != "QA_BUTTON_CARD":
                raise ApiError(PARAM_ERROR, "Param template.type must be QA_BUTTON_CARD.")
            title = template.get("title")
            if not isinstance(title, str) or not title:
                raise ApiError(PARAM_ERROR, "Param template.title is required.")
            return title
        if message_type == "IMAGE":
            media_id = (body.get("image") or {}).get("media_id")
            if not media_id:
                raise ApiError(PARAM_ERROR, "Param image.media_id is required.")
            return f"[image {media_id}]"
        raise ApiError(PARAM_ERROR, f"Param message_type is invalid: {message_type!r}.")

    @staticmethod
    def _buttons(body: dict[str, Any], message_type: Any) -> list[str]:
        if message_type != "TEMPLATE":
            return []
        buttons = (body.get("template") or {}).get("buttons")
        if not isinstance(buttons, list) or not 1 <= len(buttons) <= TEMPLATE_BUTTONS:
            raise ApiError(PARAM_ERROR, "Param template.buttons must hold 1 to 3 buttons.")
        titles = []
        for button in buttons:
            title = button.get("title") if isinstance(button, dict) else None
            if not isinstance(title, str) or not 1 <= len(title) <= BUTTON_TITLE_MAX_CHARS:
                raise ApiError(
                    PARAM_ERROR, "Param template.buttons[].title must be 1 to 20 characters."
                )
            titles.append(title)
        return titles

    def _check_daily_cap(self, conversation: Conversation) -> None:
        day = int(self.platform.clock.now() // 86400)
        today = self.store.conversations_by_day.setdefault(day, set())
        if conversation.conversation_id in today:
            return
        if len(today) >= self.store.daily_conversation_cap:
            raise ApiError(
                DM_RULE,
                "You are sending messages too fast. Take a rest. (Daily conversation limit "
                "reached for this account.)",
            )

    def _direct_reply(self, body: dict[str, Any]) -> Response:
        direct = body["direct_reply"]
        if body.get("recipient_type") or body.get("recipient"):
            raise ApiError(
                PARAM_ERROR,
                "Params recipient_type and recipient are not supported with direct_reply.",
            )
        if not isinstance(direct, dict) or direct.get("reply_type") != "COMMENT_REPLY":
            raise ApiError(PARAM_ERROR, "Param direct_reply.reply_type must be COMMENT_REPLY.")
        if body.get("message_type") != "TEXT":
            raise ApiError(PARAM_ERROR, "A direct reply can only be a TEXT message.")
        text = self._content(body, "TEXT")
        comment_id = parse_id((direct.get("comment_reply") or {}).get("comment_id"), "comment_id")
        store, now = self.store, self.platform.clock.now()
        comment = store.comments.get(comment_id)
        if comment is None:
            raise ApiError(NOT_FOUND, "Param comment_id is invalid: no such comment.")

        def refuse(reason: str) -> ApiError:
            return ApiError(DM_RULE, f"Cannot send a direct reply to this comment: {reason}")

        if not store.account.comment_to_message_enabled:
            raise refuse("Comment-to-Message is not enabled for this Business Account.")
        if not comment.high_intent:
            raise refuse("the comment is not a high-intent comment.")
        if comment.parent_comment_id is not None:
            raise refuse("only first-level comments can be replied to.")
        video = store.videos.get(comment.video_id)
        if comment.owner or video is None or video.is_live:
            raise refuse("the comment is not a user's comment on a video of this account.")
        if now - comment.create_time >= DIRECT_REPLY_MAX_AGE:
            raise refuse("the comment was posted more than 48 hours ago.")
        if comment.answered_by_dm:
            raise refuse("the comment has already been replied to by direct message.")
        viewer = store.viewers[comment.author_id]
        conversation = store.conversation_with(viewer.unique_identifier)
        if any(now - m.timestamp_ms / 1000 < RECENT_DM_SECONDS for m in conversation.messages):
            raise refuse(
                "the user had a direct message conversation with you in the past 24 hours."
            )
        if viewer.age < ADULT_AGE:
            raise refuse("the user is under 18.")
        self._check_daily_cap(conversation)
        message = self._append(conversation, from_business=True, text=text, source="API")
        comment.answered_by_dm = True
        self._sent(conversation, message)
        return envelope({"message": {"message_id": message.message_id}})

    def _append(
        self,
        conversation: Conversation,
        *,
        from_business: bool,
        text: str,
        source: str,
        referenced: str | None = None,
    ) -> Message:
        message = Message(
            message_id=self.store.next_message_id(),
            conversation_id=conversation.conversation_id,
            from_business=from_business,
            text=text,
            timestamp_ms=self.platform.clock.now_ms(),
            source=source,
            referenced_message_id=referenced,
        )
        conversation.messages.append(message)
        return message

    def _sent(self, conversation: Conversation, message: Message) -> None:
        conversation.business_replied = True
        day = int(self.platform.clock.now() // 86400)
        self.store.conversations_by_day.setdefault(day, set()).add(conversation.conversation_id)
        self.platform.events.dm_event("im_send_msg", self._event_content(conversation, message))

    # -- views --------------------------------------------------------------------------------

    def _participants(self, conversation: Conversation) -> tuple[dict[str, Any], dict[str, Any]]:
        account = self.store.account
        viewer = self.store.viewers[conversation.viewer_id]
        business = {
            "role": "BUSINESS_ACCOUNT",
            "id": account.business_id,
            "display_name": account.display_name,
            "profile_image": account.profile_image,
        }
        person = {
            "role": "PERSONAL_ACCOUNT",
            "id": viewer.unique_identifier,
            "display_name": viewer.display_name,
            "profile_image": viewer.profile_image,
            "is_follower": viewer.is_follower,
        }
        return business, person

    def _event_content(self, conversation: Conversation, message: Message) -> dict[str, Any]:
        """Webhook ``content`` (chatwoot's shape): lowercase ``type``, ms ``timestamp``."""
        account = self.store.account
        viewer = self.store.viewers[conversation.viewer_id]
        business = (account.username, account.business_id)
        person = (viewer.username, viewer.unique_identifier)
        sender, recipient = (business, person) if message.from_business else (person, business)
        content: dict[str, Any] = {
            "conversation_id": conversation.conversation_id,
            "message_id": message.message_id,
            "timestamp": message.timestamp_ms,
            "type": "text",
            "text": {"body": message.text},
            "from": sender[0],
            "from_user": {"id": sender[1]},
            "to": recipient[0],
            "to_user": {"id": recipient[1]},
            "message_tag": {"source": message.source},
        }
        if message.referenced_message_id:
            content["referenced_message_info"] = {
                "referenced_message_id": message.referenced_message_id
            }
        return content

    async def conversations(self, request: Request) -> Response:
        authorize(self.platform, request, "message.list.read")
        query = request.query_params
        check_business_id(self.platform, query.get("business_id"))
        kind = query.get("conversation_type")
        if kind not in ("SINGLE", "STRANGER"):
            raise ApiError(PARAM_ERROR, "Param conversation_type must be SINGLE or STRANGER.")
        limit = int_param(query.get("limit"), "limit", 20, 1, 100)
        cursor = int_param(query.get("cursor"), "cursor", 0, 0, 10**12)
        since = self.platform.clock.now() - CONVERSATION_HISTORY
        rows = [
            c
            for c in self.store.conversations.values()
            if c.messages
            and c.last_activity() >= since
            and c.business_replied == (kind == "SINGLE")
        ]
        rows.sort(key=lambda c: c.last_activity(), reverse=True)
        page = rows[cursor : cursor + limit]
        data = {
            "conversations": [
                {"conversation_id": c.conversation_id, "update_time": c.messages[-1].timestamp_ms}
                for c in page
            ],
            "cursor": cursor + len(page),
            "has_more": cursor + limit < len(rows),
        }
        return envelope(data)

    async def messages(self, request: Request) -> Response:
        authorize(self.platform, request, "message.list.read")
        query = request.query_params
        check_business_id(self.platform, query.get("business_id"))
        conversation = self.store.conversations.get(query.get("conversation_id") or "")
        if conversation is None or not conversation.messages:
            raise ApiError(PARAM_ERROR, "Param conversation_id is invalid.")
        business, person = self._participants(conversation)
        account, viewer = self.store.account, self.store.viewers[conversation.viewer_id]
        rows = []
        for message in reversed(conversation.messages[-CONTENT_LIST_SIZE:]):
            sender, recipient = (business, person) if message.from_business else (person, business)
            names = (account.username, viewer.username)
            row: dict[str, Any] = {
                "message_id": message.message_id,
                "conversation_id": conversation.conversation_id,
                "timestamp": message.timestamp_ms,
                "message_type": "TEXT",
                "text": {"body": message.text},
                "sender": names[0] if message.from_business else names[1],
                "recipient": names[1] if message.from_business else names[0],
                "from_user": sender,
                "to_user": recipient,
                "message_tag": {"source": message.source},
            }
            if message.referenced_message_id:
                row["referenced_message_info"] = {
                    "referenced_message_id": message.referenced_message_id
                }
            rows.append(row)
        return envelope({"messages": rows, "participants": [business, person]})
