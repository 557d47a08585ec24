import secrets
import zoneinfo
from datetime import date
from typing import ClassVar

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.roles import Role

# Crockford's base32 alphabet: no I, L, O or U, so an ID read out over the phone to support
# cannot be misheard.
_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LISTENING_WINDOW_MIN_DAYS = 7
LISTENING_WINDOW_MAX_DAYS = 90


def new_workspace_public_id() -> str:
    return "ws_" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(12))


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"“{value}” is not a time zone we know.")


class Workspace(models.Model):
    public_id = models.CharField(
        "workspace ID",
        max_length=20,
        unique=True,
        default=new_workspace_public_id,
        editable=False,
    )
    name = models.CharField(max_length=80)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    default_language = models.CharField(max_length=8, default="en")
    listening_window_days = models.PositiveSmallIntegerField(
        "comment-listening window (days)",
        default=30,
        validators=[
            MinValueValidator(LISTENING_WINDOW_MIN_DAYS),
            MaxValueValidator(LISTENING_WINDOW_MAX_DAYS),
        ],
    )
    # Billing: Monthly Active Contacts allowed per cycle, cycles anchored on this day.
    contact_limit = models.PositiveIntegerField("monthly active contacts included", default=1000)
    billing_anchor = models.DateField("subscription start", default=date.today)
    require_mfa = models.BooleanField(
        "require two-factor authentication",
        default=False,
        help_text="Everyone must set up an authenticator app before using this workspace.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints: ClassVar = [
            models.CheckConstraint(
                condition=Q(listening_window_days__gte=LISTENING_WINDOW_MIN_DAYS)
                & Q(listening_window_days__lte=LISTENING_WINDOW_MAX_DAYS),
                name="workspace_listening_window_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.public_id})"


class Membership(TenantModel):
    """A user's role in one workspace. A workspace always keeps at least one owner; the
    services enforce that under a row lock on the workspace."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["workspace", "user"], name="membership_unique_user"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} is {self.role} of {self.workspace_id}"


class Invitation(TenantModel):
    """An emailed, single-use join link. Only a hash of its token is stored, so the link
    cannot be recovered from the database; resending issues a new token."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            # One open invitation per address per workspace: a double click or a second
            # invite resends instead of piling up links.
            models.UniqueConstraint(
                fields=["workspace", "email"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email",
            ),
        ]

    def __str__(self) -> str:
        return f"Invitation {self.pk} to {self.workspace_id} as {self.role}"

    @property
    def is_open(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        return "expired" if self.is_expired else "pending"


class AuditEntry(models.Model):
    """What happened to a workspace, for support. It outlives the workspace (closing an
    account leaves its entry) and holds ids and roles only, never personal data."""

    class Action(models.TextChoices):
        WORKSPACE_CREATED = "workspace.created", "Workspace created"
        SETTINGS_CHANGED = "workspace.settings_changed", "Settings changed"
        WORKSPACE_CLOSED = "workspace.closed", "Workspace closed"
        INVITATION_SENT = "invitation.sent", "Invitation sent"
        INVITATION_RESENT = "invitation.resent", "Invitation resent"
        INVITATION_REVOKED = "invitation.revoked", "Invitation revoked"
        INVITATION_ACCEPTED = "invitation.accepted", "Invitation accepted"
        ROLE_CHANGED = "member.role_changed", "Role changed"
        MEMBER_REMOVED = "member.removed", "Member removed"

    workspace = models.ForeignKey(
        Workspace, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    workspace_public_id = models.CharField("workspace ID", max_length=20, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=40, choices=Action.choices)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering: ClassVar = ["-created_at", "-id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"{self.action} on {self.workspace_public_id}"
