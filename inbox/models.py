from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from integrations.models import Connection, Post


class Contact(TenantModel):
    """A person on TikTok as this workspace knows them. ``external_id`` is TikTok's app-scoped
    user id (``unique_identifier`` on comments, ``from_user.id`` on DMs): the same person has
    the same id in both, and a different one in any other app."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    platform = models.CharField(max_length=16, default="tiktok")
    external_id = models.CharField(max_length=100)
    handle = models.CharField(max_length=100, blank=True)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    fields = models.JSONField(default=dict, blank=True)
    # The TikTok Shop buyer (Order API ``user_id``) this person is, recorded only where both
    # identities were seen together, never guessed: see ``inbox.services.contact_link_buyer``.
    shop_buyer_id = models.CharField(max_length=64, blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "platform", "external_id"], name="contact_once"
            ),
        ]
        indexes: ClassVar = [
            # Attribution finds an order's buyer among the contacts by this id.
            models.Index(
                fields=["workspace", "shop_buyer_id"],
                condition=~Q(shop_buyer_id=""),
                name="contact_by_shop_buyer",
            ),
        ]

    def __str__(self) -> str:
        return f"@{self.handle}" if self.handle else self.display_name or self.external_id[:12]


class Comment(TenantModel):
    """A comment on one of the workspace's posts, as TikTok reported it."""

    class Status(models.TextChoices):
        VISIBLE = "visible", "Visible"
        HIDDEN = "hidden", "Hidden"
        FRIENDS_ONLY = "friends_only", "Friends only"
        DELETED = "deleted", "Deleted"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post_external_id = models.CharField(max_length=32)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="comments"
    )
    external_id = models.CharField(max_length=32)
    parent_external_id = models.CharField(max_length=32, blank=True)
    text = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.VISIBLE)
    commented_at = models.DateTimeField()
    received_at = models.DateTimeField(auto_now_add=True)
    # TikTok's classifier verdict for Comment-to-Message; may arrive before the comment.
    high_intent = models.BooleanField(default=False)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="comment_once"),
        ]
        indexes: ClassVar = [models.Index(fields=["workspace", "-commented_at"])]

    def __str__(self) -> str:
        return self.text[:60]


class Conversation(TenantModel):
    """A private thread with one contact on one channel."""

    class Channel(models.TextChoices):
        TIKTOK_DM = "tiktok_dm", "TikTok DM"
        SHOP_CHAT = "shop_chat", "TikTok Shop chat"

    class State(models.TextChoices):
        BOT = "bot", "Bot"
        HUMAN = "human", "Human"
        WAITING = "waiting", "Waiting"
        CLOSED = "closed", "Closed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="conversations")
    channel = models.CharField(max_length=16, choices=Channel.choices)
    external_id = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.BOT)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Why the bot stepped back, for the card and the Unassigned humans view.
    handoff_reason = models.CharField(max_length=200, blank=True)
    # The comment trigger that started it ("Triggered by" on the card). A plain id, not a
    # foreign key: triggers live in ``flows``, which builds on the inbox, not the reverse.
    trigger_id = models.PositiveIntegerField(null=True, blank=True)
    trigger_name = models.CharField(max_length=100, blank=True)
    # TikTok's messaging window: it opens when the contact writes and allows a limited
    # number of business messages until it closes (tiktok-wire.md §5.6).
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    outbound_since_inbound = models.PositiveSmallIntegerField(default=0)
    last_message_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            # TikTok keeps one thread per person and account; we may open ours before TikTok
            # tells us its id (a Comment-to-Message DM), so the id is filled in when seen.
            models.UniqueConstraint(
                fields=["connection", "contact", "channel"], name="conversation_per_contact"
            ),
            models.UniqueConstraint(
                fields=["connection", "external_id"],
                condition=~Q(external_id=""),
                name="conversation_once",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["workspace", "state", "-last_message_at"]),
            models.Index(fields=["workspace", "assignee", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} with {self.contact}"


class Message(TenantModel):
    class Direction(models.TextChoices):
        INBOUND = "in", "From the contact"
        OUTBOUND = "out", "To the contact"
        INTERNAL = "internal", "Internal"

    class Kind(models.TextChoices):
        TEXT = "text", "Text"
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        FILE = "file", "File"
        STICKER = "sticker", "Sticker"
        SHARED_POST = "share_post", "Shared post"
        PRODUCT_CARD = "product_card", "Product card"
        ORDER_CARD = "order_card", "Order card"
        SYSTEM = "system", "System note"
        NOTE = "note", "Internal note"
        OTHER = "other", "Other"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    direction = models.CharField(max_length=8, choices=Direction.choices)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.TEXT)
    text = models.TextField(blank=True)
    payload = models.JSONField(default=dict, blank=True)
    external_id = models.CharField(max_length=64, blank=True)
    # Who wrote an outbound message: a teammate, else the bot; "app" when sent from TikTok.
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.CharField(max_length=16, blank=True)
    # The send that carries an outbound message to TikTok: its state is the delivery state.
    send = models.OneToOneField(
        "Send", null=True, blank=True, on_delete=models.SET_NULL, related_name="message"
    )
    # Teammates @mentioned in an internal note (user ids).
    mentions = ArrayField(models.PositiveIntegerField(), default=list, blank=True)
    sent_at = models.DateTimeField()
    # When the row was stored, or its ``sent_at`` last corrected (an echo of ours), by the
    # database's clock: what the derived tables built from messages look for to catch up
    # (``analytics.service_waits``).
    changed_at = models.DateTimeField(db_default=Now(), editable=False)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["sent_at", "id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["conversation", "external_id"],
                condition=~Q(external_id=""),
                name="message_once",
            ),
        ]
        # A thread in order; a conversation's messages in a time window (sessions, the shop
        # links attribution looks for before an order).
        indexes: ClassVar = [
            models.Index(fields=["conversation", "sent_at"]),
            models.Index(fields=["changed_at"], name="message_changed"),
        ]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind}: {self.text[:40]}"


class Send(TenantModel):
    """One thing we say to a contact on TikTok: a public reply under a comment or a DM.

    The row and its state are committed before TikTok is called, so a crash can never leave
    us unsure whether to send: ``pending`` → ``sending`` (committed) → ``sent`` with TikTok's
    id, or ``failed``; a row left in ``sending`` without an id is reconciled against TikTok
    (or marked ``unknown``) and never sent blindly again. Unique per comment and kind: one
    public reply and at most one DM per comment, however often the comment is redelivered.
    """

    class Kind(models.TextChoices):
        PUBLIC_REPLY = "public_reply", "Public reply"
        DM = "dm", "Direct message"

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        UNKNOWN = "unknown", "Unknown"
        SKIPPED = "skipped", "Skipped"
        EXPIRED = "expired", "Expired"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.CASCADE, related_name="sends"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.CASCADE, related_name="sends"
    )
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Which of TikTok's doors a DM goes through (see ``inbox.dm``).
    door = models.CharField(max_length=20, blank=True)
    text = models.TextField()
    # Anything beyond text the door carries: quick-reply buttons, a product card.
    payload = models.JSONField(default=dict, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    provider_id = models.CharField(max_length=64, blank=True)
    error = models.CharField(max_length=300, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_since = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["comment", "kind"],
                condition=Q(comment__isnull=False),
                name="send_once_per_comment",
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["sending_since"], condition=Q(state="sending"), name="send_stuck"),
            models.Index(
                fields=["conversation", "id"], condition=Q(state="pending"), name="send_queue"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.state}: {self.text[:40]}"


class ActiveContact(TenantModel):
    """A contact DM'd by the bot or a teammate in a billing cycle: what the plan counts
    (Monthly Active Contacts). One row per contact and cycle, whoever DM'd them how often."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    cycle_start = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "cycle_start", "contact"], name="active_contact_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contact_id} in {self.cycle_start}"


class UsageAlert(TenantModel):
    """An 80% or 95% warning already emailed to the owners in a cycle (sent once each)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    cycle_start = models.DateField()
    threshold = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "cycle_start", "threshold"], name="usage_alert_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.threshold}% in {self.cycle_start}"


class SavedReply(TenantModel):
    """A canned answer a teammate pulls into the composer with ``/shortcut``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    shortcut = models.SlugField(max_length=40)
    text = models.TextField(max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["shortcut"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "shortcut"], name="saved_reply_once"),
        ]

    def __str__(self) -> str:
        return f"/{self.shortcut}"


class SavedView(TenantModel):
    """A teammate's named inbox filter (the query string of the inbox list)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)
    query = models.CharField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["name"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "user", "name"], name="saved_view_once"),
        ]

    def __str__(self) -> str:
        return self.name


class ShopChatSettings(TenantModel):
    """Per TikTok Shop account: whether ChatSparks' bot may write in its Shop chat, and when
    its chats were last read in full. Off by default: TikTok Shop has automation of its own
    (auto-replies, FAQ), and the bot and it must never both answer a buyer, so the workspace
    turns ours on once it has turned TikTok Shop's off (PRODUCT.md, the Sprinklr seed)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.OneToOneField(Connection, on_delete=models.CASCADE, related_name="+")
    bot_enabled = models.BooleanField(default=False)
    # The last complete read of the account's chats (``inbox.shop_chat.shop_chat_sync``);
    # empty until the first one, whose messages are history rather than news.
    synced_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Shop chat bot {'on' if self.bot_enabled else 'off'} for {self.connection_id}"


class ShopChatStatus(TenantModel):
    """What TikTok Shop last said about one Shop chat conversation (Get Conversations):
    whether the seller may still write to the buyer (``can_send_message``, the 30/60-day and
    refund rules) and the newest message seen, which lets the sync skip unchanged chats."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.OneToOneField(
        Conversation, on_delete=models.CASCADE, related_name="shop_status"
    )
    can_send_message = models.BooleanField(default=True)
    unread_count = models.PositiveIntegerField(default=0)
    latest_message_id = models.CharField(max_length=64, blank=True)
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Shop chat {self.conversation_id}: can send {self.can_send_message}"


class RoutingRule(TenantModel):
    """A rule run on every new message from a contact (``inbox.routing``): when its conditions
    hold (combined with ALL or ANY, like comment triggers), it sets a contact field, adds a
    tag and assigns the conversation to a teammate. The workspace's active rules run in
    ``position`` order and every one that matches applies, so a later rule may overwrite an
    earlier one's field value. Assignment never takes a conversation from the person who
    has it."""

    class Combine(models.TextChoices):
        ALL = "all", "All conditions (AND)"
        ANY = "any", "Any condition (OR)"

    class MessageType(models.TextChoices):
        # What the contact sent, as routing tells it apart: the inbox's message kinds, with
        # Shop chat's return/refund and coupon cards (stored as "other") named on their own.
        TEXT = "text", "Text"
        STICKER = "sticker", "Emoji or sticker"
        IMAGE = "image", "Image"
        VIDEO = "video", "Video"
        PRODUCT_CARD = "product_card", "Product card"
        ORDER_CARD = "order_card", "Order card"
        RETURN_REFUND_CARD = "return_refund_card", "Return or refund card"
        COUPON_CARD = "coupon_card", "Coupon card"
        SHARED_POST = "share_post", "Shared post"
        FILE = "file", "File"
        OTHER = "other", "Other"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    combine = models.CharField(max_length=3, choices=Combine.choices, default=Combine.ALL)
    # Conditions; an empty one is not asked. Each is "any of these".
    connections = models.ManyToManyField(Connection, blank=True, related_name="+")
    message_types = ArrayField(
        models.CharField(max_length=24, choices=MessageType.choices), default=list, blank=True
    )
    keywords = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    contact_tags = ArrayField(models.CharField(max_length=50), default=list, blank=True)
    # Actions.
    field_name = models.CharField(max_length=50, blank=True)
    field_value = models.CharField(max_length=200, blank=True)
    add_tag = models.CharField(max_length=50, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["position", "id"]
        indexes: ClassVar = [models.Index(fields=["workspace", "is_active", "position"])]

    def __str__(self) -> str:
        return self.name


class RoutingApplication(TenantModel):
    """A routing rule that changed something for one inbound message: what it did, for the
    conversation's side panel. One row per message and rule: a redelivered message cannot
    apply a rule twice. The rule's name is kept, so the record outlives the rule."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    rule = models.ForeignKey(
        RoutingRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="applications"
    )
    rule_name = models.CharField(max_length=100)
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="routing_applications"
    )
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="+")
    changes = ArrayField(models.CharField(max_length=300), default=list)
    applied_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["message", "rule"], name="routing_applied_once"),
        ]
        indexes: ClassVar = [models.Index(fields=["conversation", "-applied_at"])]

    def __str__(self) -> str:
        return f"{self.rule_name}: {', '.join(self.changes)}"
