from typing import ClassVar

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
    """A rule that picks comments worth answering. Its conditions combine with AND or OR;
    among the active triggers of an account the lowest ``priority`` number that matches wins,
    and only it runs."""

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
        return joined

    def clean(self) -> None:
        if len(self.reply_variants) > MAX_REPLY_VARIANTS:
            raise ValidationError(f"At most {MAX_REPLY_VARIANTS} public reply variants.")
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
