from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation

WINDOW_MIN_MINUTES = 1
WINDOW_MAX_MINUTES = 60
# TikTok Shop's own forwarding waits 5 minutes after the buyer's last message (15 for a plain
# mailbox in one of its guides); 5 is what the helpdesk guides describe.
WINDOW_DEFAULT_MINUTES = 5


class ForwardingSettings(TenantModel):
    """Where a workspace's TikTok Shop buyer messages are emailed, and how long after the
    buyer's last message. One per workspace: every Shop of the workspace forwards to the same
    helpdesk address."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    address = models.EmailField("helpdesk address", blank=True)
    window_minutes = models.PositiveSmallIntegerField(
        "wait after the buyer's last message (minutes)",
        default=WINDOW_DEFAULT_MINUTES,
        validators=[
            MinValueValidator(WINDOW_MIN_MINUTES),
            MaxValueValidator(WINDOW_MAX_MINUTES),
        ],
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        verbose_name_plural = "forwarding settings"
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(window_minutes__gte=WINDOW_MIN_MINUTES)
                & Q(window_minutes__lte=WINDOW_MAX_MINUTES),
                name="helpdesk_window_in_range",
            ),
            # Forwarding on means somewhere to forward to.
            models.CheckConstraint(
                condition=Q(enabled=False) | ~Q(address=""), name="helpdesk_enabled_has_address"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.address or 'nowhere'} after {self.window_minutes} min"


class ForwardedEmail(TenantModel):
    """One consolidated email: the buyer messages it carries, when it goes, and how its
    delivery went. A batch and its email are one row because one batch is exactly one email
    and its state is that email's delivery state.

    While ``closed_at`` is null the row is *collecting*: each new buyer message of the
    conversation joins it and pushes ``due_at`` to the message's time plus the window. At most
    one row per conversation collects (a partial unique index). The beat (``forwarding.
    forwarded_emails_send_due_unscoped``) claims due rows with ``SKIP LOCKED``, closes them and
    commits ``sending`` before talking to the mail server; a message arriving after that starts
    the next email. A failed attempt puts the row back to ``pending`` with ``due_at`` moved on
    (backoff in the database, never a Celery countdown); every attempt carries the same
    ``Message-ID``, so a helpdesk that got an earlier attempt after all drops the repeat.
    """

    class State(models.TextChoices):
        PENDING = "pending", "Waiting"
        SENDING = "sending", "Sending"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Not sent"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="forwarded_emails"
    )
    # The buyer messages it carries (``inbox.Message`` ids), shown in the order they were sent.
    message_ids = ArrayField(models.BigIntegerField(), default=list)
    first_message_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    # When the beat should next try: the end of the window while collecting, the backoff
    # after a failed attempt.
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    sending_since = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # Fixed at the first attempt (the address is re-read at each one).
    to_address = models.EmailField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["-first_message_at", "-id"]
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["conversation"],
                condition=Q(closed_at__isnull=True),
                name="helpdesk_one_collecting_email",
            ),
            models.UniqueConstraint(
                fields=["message_id"], condition=~Q(message_id=""), name="helpdesk_message_id_once"
            ),
        ]
        indexes: ClassVar = [
            models.Index(fields=["due_at"], condition=Q(state="pending"), name="helpdesk_due"),
            models.Index(
                fields=["sending_since"], condition=Q(state="sending"), name="helpdesk_sending"
            ),
        ]

    def __str__(self) -> str:
        return f"{len(self.message_ids)} messages, {self.state}"


class EmailReply(TenantModel):
    """An email answering a forwarded email, as received and what became of it: sent on to the
    buyer (``send_ids`` are the Shop chat sends, whose states are the delivery state), bounced
    back to the sender saying why, or ignored (an automatic reply, which must never reach a
    buyer nor be answered). Unique per ``Message-ID`` in a workspace: a provider redelivering
    the same email never sends it twice."""

    class State(models.TextChoices):
        ACCEPTED = "accepted", "Sent to the buyer"
        BOUNCED = "bounced", "Bounced"
        IGNORED = "ignored", "Ignored"

    class BounceState(models.TextChoices):
        NONE = "", "No bounce"
        PENDING = "pending", "Waiting"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="email_replies"
    )
    message_id = models.CharField("Message-ID", max_length=255, blank=True)
    from_address = models.CharField(max_length=254)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    subject = models.CharField(max_length=300, blank=True)
    # The reply as sent to the buyer: quoted history and signature removed.
    body = models.TextField(blank=True)
    send_ids = ArrayField(models.BigIntegerField(), default=list, blank=True)
    state = models.CharField(max_length=8, choices=State.choices)
    reason = models.CharField(max_length=500, blank=True)
    # Which inbound path delivered it ("Mailgun", "file" for a local replay).
    source = models.CharField(max_length=40, blank=True)
    bounce_state = models.CharField(
        max_length=8, choices=BounceState.choices, default=BounceState.NONE, blank=True
    )
    bounce_attempts = models.PositiveSmallIntegerField(default=0)
    bounce_due_at = models.DateTimeField(null=True, blank=True)
    bounce_error = models.CharField(max_length=300, blank=True)
    received_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["-received_at", "-id"]
        verbose_name_plural = "email replies"
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "message_id"],
                condition=~Q(message_id=""),
                name="helpdesk_reply_once",
            ),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["bounce_due_at"],
                condition=Q(bounce_state="pending"),
                name="helpdesk_bounce_due",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_address}: {self.state}"
