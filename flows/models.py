from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from inbox.models import Comment, Contact
from integrations.models import Connection

MAX_REPLY_VARIANTS = 5
MAX_REPLY_LENGTH = 150  # TikTok's limit for a comment reply


class Trigger(TenantModel):
    """A rule that picks comments worth answering, or buyers' messages in TikTok Shop chat.
    Its conditions combine with AND or OR; among the active triggers of an account the lowest
    ``priority`` number that matches wins, and only it runs.

    A Shop chat trigger watches its Shop account's chat (``connection`` is that Shop) and
    starts its flow right there: no public reply, no first-comment or per-video conditions.
    It runs only where the workspace switched the bot on for that Shop
    (``inbox.models.ShopChatSettings``)."""

    class Source(models.TextChoices):
        COMMENTS = "comments", "Comments on videos and Lives"
        SHOP_CHAT = "shop_chat", "Buyer messages in TikTok Shop chat"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        # Was active when its account stopped being usable; active again on reconnect.
        PAUSED = "paused", "Paused (account not connected)"

    class Combine(models.TextChoices):
        ANY = "any", "Any condition (OR)"
        ALL = "all", "All conditions (AND)"

    class Scope(models.TextChoices):
        ALL_POSTS = "all", "All videos and Lives"
        SPECIFIC = "specific", "Specific videos"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.COMMENTS)
    name = models.CharField(max_length=100)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.DRAFT)
    priority = models.PositiveIntegerField(default=100)
    combine = models.CharField(max_length=3, choices=Combine.choices, default=Combine.ANY)
    keywords = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    on_question = models.BooleanField("ends with a question mark", default=False)
    on_first_comment = models.BooleanField("first comment from this person", default=False)
    on_sku_mention = models.BooleanField("mentions a product from the catalog", default=False)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.ALL_POSTS)
    post_ids = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    reply_variants = ArrayField(
        models.CharField(max_length=MAX_REPLY_LENGTH), default=list, blank=True
    )
    # The DM flow the trigger starts; none: public reply only.
    flow = models.ForeignKey(
        "Flow", null=True, blank=True, on_delete=models.SET_NULL, related_name="triggers"
    )
    # The public reply when no DM door is open; empty: the workspace's default invitation.
    invite_text = models.CharField(max_length=MAX_REPLY_LENGTH, blank=True)
    # How many public replies this trigger has queued: picks the next variant in rotation.
    replies_queued = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["priority", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def summary(self) -> str:
        """ "keywords price, link or a question", for lists."""
        parts = [f"keywords {', '.join(self.keywords)}"] if self.keywords else []
        parts += [label for on, label in (
            (self.on_question, "a question"),
            (self.on_first_comment, "a first comment"),
            (self.on_sku_mention, "mentions a product"),
        ) if on]  # fmt: skip
        joined = (" and " if self.combine == self.Combine.ALL else " or ").join(parts)
        if self.scope == self.Scope.SPECIFIC:
            joined += f" · on {len(self.post_ids)} video{'s' if len(self.post_ids) != 1 else ''}"
        if self.source == self.Source.SHOP_CHAT:
            joined += " · in TikTok Shop chat"
        return joined

    def clean(self) -> None:
        if len(self.reply_variants) > MAX_REPLY_VARIANTS:
            raise ValidationError(f"At most {MAX_REPLY_VARIANTS} public reply variants.")
        if self.source == self.Source.SHOP_CHAT:
            if self.on_first_comment or self.scope != self.Scope.ALL_POSTS:
                raise ValidationError(
                    "A Shop chat trigger watches messages, not comments: no first-comment or "
                    "per-video conditions."
                )
            if self.reply_variants or self.invite_text:
                raise ValidationError("A Shop chat trigger has no public reply.")
            if self.flow_id is None:
                raise ValidationError("Choose the flow a Shop chat trigger starts.")
        if not (self.keywords or self.on_question or self.on_first_comment or self.on_sku_mention):
            raise ValidationError("Choose at least one condition.")


class Evaluation(TenantModel):
    """What the trigger engine decided about one comment, and why: the evaluation log."""

    class Outcome(models.TextChoices):
        FIRED = "fired", "Fired"
        THROTTLED = "throttled", "Throttled"
        NO_MATCH = "no_match", "No trigger matched"
        NOT_ELIGIBLE = "not_eligible", "Not eligible"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="evaluations")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.ForeignKey(
        Trigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="evaluations"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    reason = models.CharField(max_length=300)
    # How the DM went (door taken, or why none; blocks the door had to degrade), as it goes.
    notes = ArrayField(models.CharField(max_length=300), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            # One decision per comment: a redelivered comment can never fire twice.
            models.UniqueConstraint(fields=["comment"], name="evaluation_once_per_comment"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["workspace", "-created_at"]),
            models.Index(
                fields=["trigger", "contact", "-created_at"],
                condition=Q(outcome="fired"),
                name="evaluation_fired_by_contact",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.outcome}: {self.reason}"


class Flow(TenantModel):
    """A reusable DM conversation. Editing changes ``draft``; publishing freezes the draft as
    the next ``FlowVersion`` and swaps ``live_version`` in one transaction. A run keeps the
    version it started on, so an edit never changes a conversation already under way."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=100)
    draft = models.JSONField(default=list, blank=True)
    live_version = models.ForeignKey(
        "FlowVersion", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def has_unpublished_changes(self) -> bool:
        return self.live_version is None or self.live_version.blocks != self.draft


class FlowVersion(TenantModel):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    blocks = models.JSONField()
    published_at = models.DateTimeField(auto_now_add=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["flow", "number"], name="flow_version_once"),
        ]

    def __str__(self) -> str:
        return f"{self.flow} v{self.number}"


class Run(TenantModel):
    """One contact going through one flow version. Waits of any length are this row's
    ``wake_at``, which the ``flows.runs_wake`` beat picks up: no Celery countdowns."""

    class State(models.TextChoices):
        # No DM door is open yet: waiting for TikTok's high-intent verdict (re-checked).
        AWAITING_DOOR = "awaiting_door", "Waiting for a way to DM"
        WAITING_REPLY = "waiting_reply", "Waiting for the contact's reply"
        WAITING_TIMER = "waiting_timer", "Waiting"
        # The Monthly Active Contacts limit is reached: nothing is sent until there is room.
        OVER_LIMIT = "over_limit", "Queued (contact limit reached)"
        HANDED_OFF = "handed_off", "Handed off to a teammate"
        DONE = "done", "Finished"
        BLOCKED = "blocked", "No way to DM"
        CANCELLED = "cancelled", "Cancelled"

    class Door(models.TextChoices):
        WINDOW = "window", "Open messaging window"
        COMMENT_TO_MESSAGE = "comment_to_message", "Comment-to-Message"
        SHOP_CHAT = "shop_chat", "TikTok Shop chat"
        KEYWORD_DM = "keyword_dm", "Keyword DM (invited in the public reply)"

    ACTIVE_STATES = (
        State.AWAITING_DOOR,
        State.WAITING_REPLY,
        State.WAITING_TIMER,
        State.OVER_LIMIT,
        State.HANDED_OFF,
    )

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    flow_version = models.ForeignKey(FlowVersion, on_delete=models.PROTECT, related_name="runs")
    trigger = models.ForeignKey(
        Trigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="runs"
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The buyer's Shop chat message that started it (a Shop chat trigger), instead of a comment.
    message = models.ForeignKey(
        "inbox.Message", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="runs")
    conversation = models.ForeignKey(
        "inbox.Conversation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    state = models.CharField(max_length=16, choices=State.choices)
    door = models.CharField(max_length=20, choices=Door.choices, blank=True)
    # The block to run next, or the question being waited on.
    position = models.CharField(max_length=32, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)
    intent_checks = models.PositiveSmallIntegerField(default=0)
    free_text_count = models.PositiveSmallIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            # A comment starts at most one run: the heart of "never two DMs from one comment".
            models.UniqueConstraint(
                fields=["comment"], condition=Q(comment__isnull=False), name="run_once_per_comment"
            ),
            models.UniqueConstraint(
                fields=["message"], condition=Q(message__isnull=False), name="run_once_per_message"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["wake_at"], condition=Q(wake_at__isnull=False), name="run_due"),
            models.Index(fields=["contact", "state"]),
        ]

    def __str__(self) -> str:
        return f"{self.flow_version} for {self.contact}: {self.state}"


class RunStep(TenantModel):
    """A block a run went through, with how the door carried it: the trail behind the
    evaluation log's notes and per-step drop-off."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    block_id = models.CharField(max_length=32)
    block_type = models.CharField(max_length=16)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.block_type} {self.block_id}"


class PendingIntent(TenantModel):
    """No DM door was open for a matched comment: the public reply invited a DM, and this row
    starts the flow when that DM arrives, if it arrives before ``expires_at``."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="+")
    run = models.OneToOneField(Run, on_delete=models.CASCADE, related_name="pending_intent")
    expires_at = models.DateTimeField()
    consumed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        indexes: ClassVar = [models.Index(fields=["contact", "expires_at"])]

    def __str__(self) -> str:
        return f"pending intent for {self.contact}"


class AutomationSettings(TenantModel):
    """A workspace's knobs for the bot."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    intent_valid_days = models.PositiveSmallIntegerField(
        "keyword-DM invitation valid for (days)", default=3
    )
    free_text_handoff_after = models.PositiveSmallIntegerField(
        "hand off after this many free-text answers to quick replies", default=2
    )
    default_invite_text = models.CharField(
        "public reply when no DM is possible",
        max_length=MAX_REPLY_LENGTH,
        default="Send us a DM saying {keyword} and we'll send you the details 💬",
    )

    def __str__(self) -> str:
        return f"automation settings of {self.workspace_id}"


class SensitiveKeyword(TenantModel):
    """A workspace's own word that needs a human (refund, broken…), beside the per-locale
    defaults in ``flows.handoff``."""

    class Action(models.TextChoices):
        HANDOFF = "handoff", "Hand off"
        TAG = "tag", "Tag"
        BOTH = "both", "Hand off and tag"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    phrase = models.CharField(max_length=100)
    action = models.CharField(max_length=8, choices=Action.choices, default=Action.HANDOFF)
    tag = models.CharField(max_length=50, blank=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "phrase"], name="sensitive_once"),
        ]

    def __str__(self) -> str:
        return self.phrase
