"""Daily rollups the analytics pages read, so no page ever scans comments, messages or orders.

``analytics.services.rollup_day`` recomputes one workspace-day from the base tables (what
each figure counts is written there); the pages only add rows up over a date range.
``ServiceWait`` does the same for Analytics → Customer service, a row per buyer message that
waits for an answer (``analytics.service_waits``).
"""

from typing import ClassVar

from django.db import models

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation, Message
from integrations.models import Connection


class DailyStat(TenantModel):
    """One day's figures for one workspace, one value of a dimension and one currency.

    Activity (comments, triggered, DMs, replies, steps) lives on the row whose ``currency`` is
    empty; orders and revenue live on one row per currency, because money in two currencies is
    never added up. So a sum of the counts over all rows is right, and money is summed per
    currency. ``day`` is a calendar day in the workspace's time zone.

    ``key`` names the dimension's value: empty for ``total``, a TikTok post id for ``post``
    (the post may not be synced yet), a trigger or flow primary key for ``trigger``, ``flow``
    and ``step``; ``step`` holds the flow block's id for ``step`` rows.
    """

    class Dimension(models.TextChoices):
        TOTAL = "total", "Whole workspace"
        POST = "post", "Video or LIVE"
        TRIGGER = "trigger", "Trigger"
        FLOW = "flow", "DM flow"
        STEP = "step", "DM flow step"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    dimension = models.CharField(max_length=8, choices=Dimension.choices)
    key = models.CharField(max_length=64, blank=True)
    step = models.CharField(max_length=32, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    comments = models.PositiveIntegerField(default=0)
    triggered = models.PositiveIntegerField(default=0)
    dms = models.PositiveIntegerField("DMs delivered", default=0)
    replies = models.PositiveIntegerField(default=0)
    reached = models.PositiveIntegerField(default=0)
    stopped = models.PositiveIntegerField("went no further", default=0)
    orders = models.PositiveIntegerField(default=0)
    revenue = models.DecimalField(max_digits=16, decimal_places=2, default=0)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            # Also the index every page reads through: workspace, dimension, then a day range.
            models.UniqueConstraint(
                fields=["workspace", "dimension", "day", "key", "step", "currency"],
                name="daily_stat_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.key}{'/' + self.step if self.step else ''}"


class RollupState(TenantModel):
    """A workspace's rollup bookkeeping, one row each.

    ``rollup_day`` locks this row for its transaction, so two recomputations of one workspace
    (the beat and ``analytics_rebuild``) never interleave their delete and insert.
    ``refreshed_at`` is when today and yesterday were last recomputed (the start of that run):
    the pages show it, and the beat looks for activity after it.
    """

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"rollups of {self.workspace_id} at {self.refreshed_at}"


class ServiceWait(TenantModel):
    """A waiting stretch of a TikTok Shop chat: a buyer message that starts one, and what
    answered it (``analytics.customer_service`` says what counts; ``analytics.service_waits``
    derives these rows from the messages). ``responder`` is the answering teammate's user id,
    or ``customer_service.AUTOMATION`` (-1) for the bot, the API or the TikTok Shop app.
    ``day`` and ``response`` depend on the workspace's time zone and working hours as they
    were when the row was derived (``ServiceWaitState.basis``)."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    message = models.OneToOneField(Message, on_delete=models.CASCADE, related_name="+")
    opened_at = models.DateTimeField()
    opens_session = models.BooleanField()
    answered_at = models.DateTimeField(null=True, blank=True)
    responder = models.BigIntegerField(null=True, blank=True)
    wait = models.FloatField("seconds to the answer", null=True, blank=True)
    day = models.DateField()  # of ``opened_at``, in the workspace's time zone
    # The response time as the report counts it: ``wait``, or its part within working hours.
    response = models.FloatField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        indexes: ClassVar = [models.Index(fields=["workspace", "opened_at"])]

    def __str__(self) -> str:
        return f"wait from {self.opened_at} in {self.conversation_id}"


class ServiceWaitState(TenantModel):
    """How far ``ServiceWait`` rows are up to date for a workspace: every message changed
    before ``through`` (less a margin for transactions still open then) is in them, derived
    with the time zone and working hours ``basis`` names. The row is locked while they are
    brought up to date, so two catch-ups never interleave."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    through = models.DateTimeField(null=True, blank=True)
    basis = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return f"service waits of {self.workspace_id} through {self.through}"
