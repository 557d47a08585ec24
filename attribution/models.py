from typing import ClassVar

from django.conf import settings
from django.db import models
from django.db.models import Q

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from flows.models import Flow, FlowVersion, Run, Trigger
from inbox.models import Comment, Contact, Conversation, Message
from integrations.models import Connection, Post


class Order(TenantModel):
    """A TikTok Shop order as last read. Its status only moves forward in time: an update
    older than the one stored (``updated_at_platform``) is ignored, whatever order the
    webhooks and the backfill deliver them in. Money is a Decimal with its currency."""

    class Status(models.TextChoices):
        UNPAID = "UNPAID", "Unpaid"
        ON_HOLD = "ON_HOLD", "On hold"
        AWAITING_SHIPMENT = "AWAITING_SHIPMENT", "Awaiting shipment"
        PARTIALLY_SHIPPING = "PARTIALLY_SHIPPING", "Partially shipped"
        AWAITING_COLLECTION = "AWAITING_COLLECTION", "Awaiting collection"
        IN_TRANSIT = "IN_TRANSIT", "In transit"
        DELIVERED = "DELIVERED", "Delivered"
        COMPLETED = "COMPLETED", "Completed"
        CANCELLED = "CANCELLED", "Cancelled"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    external_id = models.CharField(max_length=32)
    status = models.CharField(max_length=24, choices=Status.choices)
    buyer_user_id = models.CharField(max_length=64, blank=True)
    currency = models.CharField(max_length=3, blank=True)
    total = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    created_at_platform = models.DateTimeField(null=True, blank=True)
    updated_at_platform = models.DateTimeField()
    refunded = models.BooleanField(default=False)
    # Known from a webhook only; the details (buyer, lines, money) are still to be read.
    details_missing = models.BooleanField(default=False)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="order_once"),
        ]
        indexes: ClassVar = [
            models.Index(fields=["workspace", "buyer_user_id", "created_at_platform"]),
            models.Index(fields=["workspace", "-created_at_platform"]),
            models.Index(
                fields=["details_missing"],
                condition=Q(details_missing=True),
                name="order_incomplete",
            ),
        ]

    def __str__(self) -> str:
        return f"order {self.external_id}"

    @property
    def reversed(self) -> bool:
        """Cancelled or refunded: it earns nothing."""
        return self.refunded or self.status == self.Status.CANCELLED


class OrderLine(TenantModel):
    """One SKU of an order. TikTok lists one line item per unit; they are summed here."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="lines")
    sku_id = models.CharField(max_length=32)
    product_id = models.CharField(max_length=32)
    product_name = models.CharField(max_length=500, blank=True)
    sku_name = models.CharField(max_length=200, blank=True)
    unit_price = models.DecimalField(max_digits=14, decimal_places=2)
    quantity = models.PositiveIntegerField(default=1)
    currency = models.CharField(max_length=3)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["order", "sku_id"], name="order_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_name} {self.sku_name}".strip()


class Attribution(TenantModel):
    """What produced an order, decided by ``attribution.matching`` (its rules are there).

    ``attributed``: the buyer is a contact, whose conversation got a shop link to an ordered
    SKU within 14 days before the order. ``soft``: a shop link, but to other products; a
    person confirms or rejects it and that choice is kept. ``organic``: neither; it is not
    ChatSparks revenue. ``revenue`` is what counts: the order's total while it is attributed
    (or soft and confirmed) and neither cancelled nor refunded, else zero.
    """

    class Outcome(models.TextChoices):
        ATTRIBUTED = "attributed", "Attributed"
        SOFT = "soft", "Soft-attributed"
        ORGANIC = "organic", "Organic"

    class Decision(models.TextChoices):
        NONE = "", "Not reviewed"
        CONFIRMED = "confirmed", "Confirmed"
        REJECTED = "rejected", "Rejected"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    order = models.OneToOneField(Order, on_delete=models.CASCADE, related_name="attribution")
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    # How the buyer was recognised, and which rule chose among conversations, for the UI.
    match_key = models.CharField(max_length=32, blank=True)
    reason = models.CharField(max_length=300)
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    conversation = models.ForeignKey(
        Conversation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_message = models.ForeignKey(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    link_sent_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    trigger = models.ForeignKey(
        Trigger, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flow = models.ForeignKey(
        Flow, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    flow_version = models.ForeignKey(
        FlowVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    block_id = models.CharField("flow step", max_length=32, blank=True)
    time_to_order = models.DurationField(null=True, blank=True)
    revenue = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    currency = models.CharField(max_length=3, blank=True)
    decision = models.CharField(max_length=12, choices=Decision.choices, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    ordered_at = models.DateTimeField()
    matched_at = models.DateTimeField(auto_now=True)  # when the decision last changed

    class Meta(TenantModel.Meta):
        indexes: ClassVar = [
            models.Index(fields=["workspace", "outcome", "ordered_at"]),
            models.Index(fields=["conversation"]),
        ]

    def __str__(self) -> str:
        return f"{self.order}: {self.outcome}"

    @property
    def counts(self) -> bool:
        """Is this ChatSparks revenue?"""
        if self.outcome == self.Outcome.ATTRIBUTED:
            return self.decision != self.Decision.REJECTED
        return self.outcome == self.Outcome.SOFT and self.decision == self.Decision.CONFIRMED
