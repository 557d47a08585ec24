"""The team's working hours and satisfaction ratings.

Why an app of its own rather than ``inbox`` or ``analytics``: both are about how a team serves
buyers, not about storing conversations (the inbox) or adding figures up (analytics). The
inbox learns of ratings only through ``inbox.hooks.on_inbound_claim`` and its side panels, so
it stays unaware of them, as it is of helpdesk forwarding; Analytics → Customer service reads
these tables beside the inbox's.
"""

from typing import ClassVar

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation, Message
from integrations.models import Connection


class WorkingHours(TenantModel):
    """Whether the workspace counts response times in working hours (off by default: calendar
    time). The hours themselves are ``WorkingDay`` rows, kept when this is switched off."""

    workspace = models.OneToOneField(Workspace, on_delete=models.CASCADE, related_name="+")
    enabled = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"working hours {'on' if self.enabled else 'off'} for {self.workspace_id}"


class WorkingDay(TenantModel):
    """One open weekday: the team works from ``opens`` to ``closes`` on it, wall-clock times in
    the workspace's time zone (so a change of daylight saving time moves nothing). A weekday
    without a row is closed. Hours end on the day they start: no overnight shifts."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    # ISO weekday, as PostgreSQL's ``EXTRACT(ISODOW …)`` gives it: 1 Monday … 7 Sunday.
    weekday = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(7)]
    )
    opens = models.TimeField()
    closes = models.TimeField()

    class Meta(TenantModel.Meta):
        ordering: ClassVar = ["weekday"]
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "weekday"], name="working_day_once"),
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=7), name="working_day_iso_weekday"
            ),
            models.CheckConstraint(condition=Q(opens__lt=F("closes")), name="working_day_opens"),
        ]

    def __str__(self) -> str:
        return f"{self.weekday}: {self.opens:%H:%M}-{self.closes:%H:%M}"


class RatingRequest(TenantModel):
    """A buyer asked to rate a conversation when a teammate closed it, and their answer.

    It belongs to the session that was open when it was asked (``session_started_at``: the
    first buyer message of that session, as Analytics → Customer service defines sessions),
    and counts in the report on that session's day. One per session: the unique constraint,
    with the conversation lock the request is made under, keeps a double click to one
    message. ``rating`` (1-5) is the buyer's first answer that reads as one within
    ``services.RATING_VALID_FOR`` of the request; ``answer`` is that message.
    """

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="rating_requests"
    )
    # The conversation's account, kept here so the report groups ratings without a join.
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The message that asked (its send is the delivery state).
    message = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    session_started_at = models.DateTimeField()
    requested_at = models.DateTimeField()
    rating = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    answer = models.OneToOneField(
        Message, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rated_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["conversation", "session_started_at"], name="rating_request_per_session"
            ),
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="rating_one_to_five",
            ),
        ]
        indexes: ClassVar = [
            # The report: one workspace's sessions in a date range.
            models.Index(fields=["workspace", "session_started_at"], name="rating_by_session"),
            # A buyer's message looks for the conversation's open request.
            models.Index(
                fields=["conversation", "-requested_at"],
                condition=Q(rating__isnull=True),
                name="rating_open",
            ),
        ]

    def __str__(self) -> str:
        return f"rating {self.rating or 'asked'} for {self.conversation_id}"
