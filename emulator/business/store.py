"""What the emulated TikTok knows about the one seeded business account: its videos and Live,
the viewers who comment and write, comments, conversations, OAuth grants and tokens, and the
app's webhook subscriptions. Everything is in memory and seeded deterministically."""

import base64
import hashlib
import itertools
from dataclasses import dataclass, field
from typing import Any

# Scopes TikTok API for Business offers to tt_user apps (wire notes 5.4).
KNOWN_SCOPES = (
    "user.info.basic",
    "user.info.username",
    "user.info.stats",
    "user.info.profile",
    "user.account.type",
    "user.insights",
    "video.list",
    "video.insights",
    "video.publish",
    "comment.list",
    "comment.list.manage",
    "message.list.read",
    "message.list.send",
    "message.list.manage",
)

# The seeded clock starts here (virtual seconds); seeded objects are dated relative to "now".
SEED_BUSINESS_ID = "7312345678901234567"
FIRST_COMMENT_ID = 7_400_000_000_000_000_001
FIRST_MESSAGE_ID = 7_500_000_000_000_000_001


def unique_identifier(username: str) -> str:
    """An app-scoped 64-hex commenter id, stable for a username (like TikTok's hash)."""
    return hashlib.sha256(f"cs_demo_business_app:{username}".encode()).hexdigest()


def conversation_id_for(business_id: str, viewer_uid: str) -> str:
    """Opaque, base64 with ``+`` and ``/`` like the real ones, so clients must URL-encode."""
    digest = hashlib.sha256(f"{business_id}:{viewer_uid}".encode()).digest()
    return base64.b64encode(digest[:30]).decode()


@dataclass
class Account:
    business_id: str
    username: str
    display_name: str
    profile_image: str
    followers_count: int
    region: str
    comment_to_message_enabled: bool = True


@dataclass
class Viewer:
    unique_identifier: str
    username: str
    display_name: str
    age: int
    locale: str
    is_follower: bool = True

    @property
    def profile_image(self) -> str:
        return f"https://p16-sign.tiktokcdn.com/avt/{self.username}.jpeg"


@dataclass
class Video:
    item_id: int
    caption: str
    create_time: int
    media_type: str = "VIDEO"  # VIDEO | PHOTO on TikTok; LIVE for the seeded Live (see views)
    video_duration: float = 15.0
    likes: int = 0
    shares: int = 0
    video_views: int = 0

    @property
    def is_live(self) -> bool:
        return self.media_type == "LIVE"


@dataclass
class Comment:
    comment_id: int
    video_id: int
    author_id: str  # a viewer's unique_identifier, or the business_id for the owner's replies
    text: str
    create_time: int
    parent_comment_id: int | None = None
    status: str = "PUBLIC"  # PUBLIC | HIDDEN
    owner: bool = False
    likes: int = 0
    high_intent: bool = False
    answered_by_dm: bool = False


@dataclass
class Message:
    message_id: str
    conversation_id: str
    from_business: bool
    text: str
    timestamp_ms: int
    source: str  # message_tag.source: APP (a viewer on the app) | API | WEB
    referenced_message_id: str | None = None
    # A QA_BUTTON_CARD template's reply buttons (the viewer taps one to answer with its title).
    buttons: list[str] = field(default_factory=list)


@dataclass
class Conversation:
    conversation_id: str
    viewer_id: str
    messages: list[Message] = field(default_factory=list)
    # The messaging window: opened by each viewer message, 48 h, 10 business messages.
    window_opened_at: float | None = None
    business_messages_in_window: int = 0
    business_replied: bool = False  # STRANGER until the business has written

    def last_activity(self) -> float:
        return self.messages[-1].timestamp_ms / 1000 if self.messages else 0.0


@dataclass
class AuthCode:
    code: str
    scopes: list[str]
    redirect_uri: str
    expires_at: float
    code_challenge: str | None
    used: bool = False


@dataclass
class AccessToken:
    token: str
    scopes: list[str]
    expires_at: float
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    scopes: list[str]
    expires_at: float
    used: bool = False
    revoked: bool = False


@dataclass
class Subscription:
    event_type: str  # DIRECT_MESSAGE | COMMENT | VIDEO
    callback_url: str
    item_list: list[str] = field(default_factory=list)


class Store:
    """The platform's state. ``seed()`` forgets everything and loads the demo data."""

    def __init__(self) -> None:
        self.seed(0.0)

    def seed(self, now: float) -> None:
        self.account = Account(
            business_id=SEED_BUSINESS_ID,
            username="glowbeauty",
            display_name="Glow Beauty",
            profile_image="https://p16-sign.tiktokcdn.com/avt/glowbeauty.jpeg",
            followers_count=48210,
            region="TH",
        )
        self.viewers: dict[str, Viewer] = {}
        for username, display, age, locale in (
            ("mali.skincare", "Mali ✨", 27, "th"),
            ("linh.nguyen", "Linh Nguyễn", 24, "vi"),
            ("sari.putri", "Sari Putri", 31, "id"),
            ("jess.glows", "Jess", 22, "en"),
            ("ploy.teen", "Ploy", 16, "th"),
            ("budi.santoso", "Budi", 35, "id"),
        ):
            uid = unique_identifier(username)
            self.viewers[uid] = Viewer(uid, username, display, age, locale)
        self._viewer_numbers = itertools.count(1)  # add_viewers()
        day = 86400
        self.videos: dict[int, Video] = {}
        for n, (caption, age_days) in enumerate(
            (
                ("Vitamin C serum routine ☀️ #skincare", 20),
                ("3 lip tints under 200฿ 💋", 14),
                ("Night cream unboxing 🌙", 9),
                ("Sunscreen test: 8 hours in Bangkok heat", 5),
                ("Before/after: 30 days of our toner", 2),
                ("Restock day! Mini haul 🛍️", 1),
            )
        ):
            item_id = 7_310_000_000_000_000_101 + n
            self.videos[item_id] = Video(
                item_id=item_id,
                caption=caption,
                create_time=int(now - age_days * day),
                video_duration=15.0 + 7 * n,
                likes=120 * (n + 1),
                shares=9 * (n + 1),
                video_views=3100 * (n + 1),
            )
        self.live_id = 7_310_000_000_000_000_900
        self.videos[self.live_id] = Video(
            item_id=self.live_id,
            caption="LIVE: Glow Beauty flash sale 🔴",
            create_time=int(now - 3600),
            media_type="LIVE",
            video_duration=0.0,
        )
        self._comment_ids = itertools.count(FIRST_COMMENT_ID)
        self._message_ids = itertools.count(FIRST_MESSAGE_ID)
        self._token_ids = itertools.count(1)
        self.comments: dict[int, Comment] = {}
        uids = list(self.viewers)
        videos = list(self.videos)
        for video_index, viewer_index, text, hours_ago in (
            (0, 0, "สวยมากค่ะ ใช้แล้วผิวใสขึ้นจริง", 100),
            (0, 3, "Love this routine!", 90),
            (3, 1, "Kem này dùng cho da dầu được không?", 30),
            (4, 2, "Mantap, hasilnya kelihatan banget", 20),
        ):
            self.add_comment(
                video_id=videos[video_index],
                author_id=uids[viewer_index],
                text=text,
                create_time=int(now - hours_ago * 3600),
            )
        self.conversations: dict[str, Conversation] = {}
        self.codes: dict[str, AuthCode] = {}
        self.access_tokens: dict[str, AccessToken] = {}
        self.refresh_tokens: dict[str, RefreshToken] = {}
        # The account's current authorization of the app: None until it first authorizes.
        self.granted_scopes: list[str] | None = None
        self.revoked = False
        self.subscriptions: dict[str, Subscription] = {}
        # Messaging limits: conversations the business has sent to on each UTC day.
        self.daily_conversation_cap = 100
        self.conversations_by_day: dict[int, set[str]] = {}

    # -- ids ----------------------------------------------------------------------------------

    def next_message_id(self) -> str:
        return str(next(self._message_ids))

    def next_token(self, prefix: str) -> str:
        serial = next(self._token_ids)
        digest = hashlib.sha256(f"{prefix}{serial}{id(self)}".encode()).hexdigest()
        return f"{prefix}{digest[:40]}{serial}"

    # -- comments -----------------------------------------------------------------------------

    def add_comment(
        self,
        *,
        video_id: int,
        author_id: str,
        text: str,
        create_time: int,
        parent_comment_id: int | None = None,
        owner: bool = False,
    ) -> Comment:
        comment = Comment(
            comment_id=next(self._comment_ids),
            video_id=video_id,
            author_id=author_id,
            text=text,
            create_time=create_time,
            parent_comment_id=parent_comment_id,
            owner=owner,
        )
        self.comments[comment.comment_id] = comment
        return comment

    def replies_to(self, comment_id: int) -> list[Comment]:
        return [c for c in self.comments.values() if c.parent_comment_id == comment_id]

    def add_viewers(self, count: int, *, age: int = 25, locale: str = "en") -> list[Viewer]:
        """``count`` more viewers (``viewer1``, ``viewer2``… numbered on from any added
        before): enough distinct commenters for a load test, where Comment-to-Message allows
        one DM per person a day."""
        made = []
        for n in itertools.islice(self._viewer_numbers, count):
            username = f"viewer{n}"
            uid = unique_identifier(username)
            self.viewers[uid] = Viewer(uid, username, f"Viewer {n}", age, locale)
            made.append(self.viewers[uid])
        return made

    def find_viewer(self, ref: str) -> Viewer | None:
        """A viewer by unique_identifier or username (with or without ``@``)."""
        if ref in self.viewers:
            return self.viewers[ref]
        name = ref.removeprefix("@")
        return next((v for v in self.viewers.values() if v.username == name), None)

    # -- conversations ------------------------------------------------------------------------

    def conversation_with(self, viewer_id: str) -> Conversation:
        cid = conversation_id_for(self.account.business_id, viewer_id)
        if cid not in self.conversations:
            self.conversations[cid] = Conversation(conversation_id=cid, viewer_id=viewer_id)
        return self.conversations[cid]

    # -- authorization ------------------------------------------------------------------------

    def authorization_active(self) -> bool:
        return self.granted_scopes is not None and not self.revoked

    def has_scope(self, scope: str) -> bool:
        return self.authorization_active() and scope in (self.granted_scopes or [])

    def revoke_all(self) -> None:
        self.revoked = True
        for access in self.access_tokens.values():
            access.revoked = True
        for refresh in self.refresh_tokens.values():
            refresh.revoked = True

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        account = self.account
        return {
            "Account": [
                {
                    "business_id": account.business_id,
                    "username": account.username,
                    "display_name": account.display_name,
                    "granted_scopes": ",".join(self.granted_scopes or []),
                    "revoked": self.revoked,
                    "comment_to_message": account.comment_to_message_enabled,
                    "daily_conversation_cap": self.daily_conversation_cap,
                }
            ],
            "Videos": [
                {"item_id": str(v.item_id), "media_type": v.media_type, "caption": v.caption}
                for v in self.videos.values()
            ],
            "Viewers": [
                {
                    "unique_identifier": v.unique_identifier,
                    "username": v.username,
                    "age": v.age,
                    "locale": v.locale,
                }
                for v in self.viewers.values()
            ],
            "Comments": [
                {
                    "comment_id": str(c.comment_id),
                    "video_id": str(c.video_id),
                    "author": self._author_name(c.author_id),
                    "text": c.text,
                    "status": c.status,
                    "parent_comment_id": str(c.parent_comment_id or ""),
                    "high_intent": c.high_intent,
                    "answered_by_dm": c.answered_by_dm,
                    "create_time": c.create_time,
                }
                for c in self.comments.values()
            ],
            "Conversations": [
                {
                    "conversation_id": c.conversation_id,
                    "viewer": self._author_name(c.viewer_id),
                    "messages": len(c.messages),
                    "window_opened_at": c.window_opened_at or "",
                    "business_messages_in_window": c.business_messages_in_window,
                }
                for c in self.conversations.values()
            ],
            "Webhook subscriptions": [
                {"event_type": s.event_type, "callback_url": s.callback_url}
                for s in self.subscriptions.values()
            ],
            "Access tokens": [
                {
                    "token": t.token,
                    "scopes": ",".join(t.scopes),
                    "expires_at": t.expires_at,
                    "revoked": t.revoked,
                }
                for t in self.access_tokens.values()
            ],
        }

    def _author_name(self, author_id: str) -> str:
        if author_id == self.account.business_id:
            return self.account.username
        viewer = self.viewers.get(author_id)
        return viewer.username if viewer else author_id
