"""Writes to workspaces, memberships and invitations. Each function holds one business rule
set; views and tasks call these and nothing else."""

import hashlib
import secrets
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from chatsparks.celery import enqueue_on_commit
from chatsparks.workspaces import hooks
from chatsparks.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from chatsparks.workspaces.roles import Role


def _audit(*, workspace: Workspace, actor: Any, action: str, **detail: Any) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace,
        workspace_public_id=workspace.public_id,
        actor=actor,
        action=action,
        detail=detail,
    )


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lock_workspace(workspace: Workspace) -> Workspace:
    """Serialise changes to a workspace's owners: whoever holds this row lock may count them."""
    return Workspace.objects.select_for_update().get(pk=workspace.pk)


def workspace_create(*, name: str, owner: Any, timezone_name: str = "UTC") -> Workspace:
    with transaction.atomic():
        workspace = Workspace(name=name.strip(), timezone=timezone_name)
        workspace.full_clean()
        workspace.save()
        Membership.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
        _audit(workspace=workspace, actor=owner, action=AuditEntry.Action.WORKSPACE_CREATED)
    return workspace


WORKSPACE_EDITABLE_FIELDS = (
    "name",
    "timezone",
    "default_language",
    "listening_window_days",
    "require_mfa",
)


def workspace_update(*, workspace: Workspace, actor: Any, **changes: Any) -> Workspace:
    unknown = set(changes) - set(WORKSPACE_EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"Not editable: {', '.join(sorted(unknown))}")
    changed = sorted(
        field for field, value in changes.items() if getattr(workspace, field) != value
    )
    if not changed:
        return workspace
    for field in changed:
        setattr(workspace, field, changes[field])
    workspace.full_clean()
    with transaction.atomic():
        workspace.save(update_fields=changed)
        _audit(
            workspace=workspace,
            actor=actor,
            action=AuditEntry.Action.SETTINGS_CHANGED,
            fields=changed,
        )
    return workspace


def workspace_close(*, workspace: Workspace, actor: Any, confirmation: str) -> None:
    """Delete every row the workspace owns. The audit entry written first survives it, holding
    only the actor's id, the time and the workspace ID."""
    if confirmation.strip() != workspace.name:
        raise ValidationError("Type the workspace name exactly as shown to confirm.")
    with transaction.atomic():
        locked = _lock_workspace(workspace)
        _audit(workspace=locked, actor=actor, action=AuditEntry.Action.WORKSPACE_CLOSED)
        locked.delete()


def _check_can_grant(*, actor_membership: Membership, role: str) -> None:
    if role == Role.OWNER and actor_membership.role != Role.OWNER:
        raise PermissionDenied("Only an owner can make someone an owner.")


def _new_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def _send_invitation(*, invitation: Invitation, token: str, base_url: str) -> None:
    from chatsparks.workspaces.tasks import invitation_email_send

    enqueue_on_commit(
        invitation_email_send, invitation_id=invitation.pk, token=token, base_url=base_url
    )


def invitation_create(
    *, workspace: Workspace, actor_membership: Membership, email: str, role: str, base_url: str
) -> tuple[Invitation, str]:
    """Invite ``email`` with ``role``; returns the invitation and its one-time token.

    Inviting an address that already has an open invitation resends it with the new role, so a
    double click or a second attempt never leaves two live links.
    """
    email = email.strip().lower()
    _check_can_grant(actor_membership=actor_membership, role=role)
    if Membership.objects.for_workspace(workspace).filter(user__email__iexact=email).exists():
        raise ValidationError(f"{email} is already a member of this workspace.")
    existing = (
        Invitation.objects.for_workspace(workspace)
        .filter(email=email, accepted_at__isnull=True, revoked_at__isnull=True)
        .first()
    )
    if existing is not None:
        existing.role = role
        existing.save(update_fields=["role"])
        return existing, invitation_resend(
            invitation=existing, actor_membership=actor_membership, base_url=base_url
        )

    token, hashed = _new_token()
    now = timezone.now()
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace,
                email=email,
                role=role,
                token_hash=hashed,
                invited_by=actor_membership.user,
                sent_at=now,
                expires_at=now + settings.INVITATION_LIFETIME,
            )
            _audit(
                workspace=workspace,
                actor=actor_membership.user,
                action=AuditEntry.Action.INVITATION_SENT,
                invitation_id=invitation.pk,
                role=role,
            )
            _send_invitation(invitation=invitation, token=token, base_url=base_url)
    except IntegrityError as race:
        # A concurrent request invited the same address a moment ago; one link is enough.
        raise ValidationError(f"An invitation to {email} was just sent.") from race
    return invitation, token


def invitation_resend(
    *, invitation: Invitation, actor_membership: Membership, base_url: str
) -> str:
    """Issue a fresh link valid for another full lifetime; the previous link stops working."""
    _check_can_grant(actor_membership=actor_membership, role=invitation.role)
    if not invitation.is_open:
        raise ValidationError("This invitation was already accepted or revoked.")
    token, hashed = _new_token()
    now = timezone.now()
    invitation.token_hash = hashed
    invitation.sent_at = now
    invitation.expires_at = now + settings.INVITATION_LIFETIME
    with transaction.atomic():
        invitation.save(update_fields=["token_hash", "sent_at", "expires_at"])
        _audit(
            workspace=invitation.workspace,
            actor=actor_membership.user,
            action=AuditEntry.Action.INVITATION_RESENT,
            invitation_id=invitation.pk,
        )
        _send_invitation(invitation=invitation, token=token, base_url=base_url)
    return token


def invitation_revoke(*, invitation: Invitation, actor_membership: Membership) -> None:
    _check_can_grant(actor_membership=actor_membership, role=invitation.role)
    if not invitation.is_open:
        return
    invitation.revoked_at = timezone.now()
    with transaction.atomic():
        invitation.save(update_fields=["revoked_at"])
        _audit(
            workspace=invitation.workspace,
            actor=actor_membership.user,
            action=AuditEntry.Action.INVITATION_REVOKED,
            invitation_id=invitation.pk,
        )


def invitation_accept(*, token: str, user: Any) -> Membership:
    """Join the workspace behind ``token``. The invitation row is locked so two clicks make
    one membership; the signed-in address must be the invited one, so a forwarded link is
    useless to anyone else."""
    with transaction.atomic():
        invitation = (
            Invitation.unscoped.select_for_update()
            .select_related("workspace")
            .filter(token_hash=token_hash(token))
            .first()
        )
        if invitation is None or not invitation.is_open or invitation.is_expired:
            raise ValidationError("This invitation link is no longer valid. Ask for a new one.")
        if invitation.email.lower() != user.email.lower():
            raise PermissionDenied(
                f"This invitation was sent to {invitation.email}. "
                "Sign in with that address to accept it."
            )
        membership, created = Membership.unscoped.get_or_create(
            workspace=invitation.workspace, user=user, defaults={"role": invitation.role}
        )
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        if created:
            _audit(
                workspace=invitation.workspace,
                actor=user,
                action=AuditEntry.Action.INVITATION_ACCEPTED,
                invitation_id=invitation.pk,
                role=invitation.role,
            )
    return membership


def invitations_purge_stale_unscoped() -> int:
    """Forget invitations that expired long ago and were never used, across every workspace:
    an invited address is personal data we no longer need once the link is dead."""
    cutoff = timezone.now() - settings.INVITATION_RETENTION
    deleted, _ = Invitation.unscoped.filter(
        accepted_at__isnull=True, expires_at__lt=cutoff
    ).delete()
    return deleted


def _owner_count(workspace: Workspace) -> int:
    return Membership.objects.for_workspace(workspace).filter(role=Role.OWNER).count()


def member_change_role(
    *, membership: Membership, actor_membership: Membership, role: str
) -> Membership:
    if role not in Role.values:
        raise ValidationError("Unknown role.")
    if membership.role == role:
        return membership
    if Role.OWNER in (role, membership.role):
        _check_can_grant(actor_membership=actor_membership, role=Role.OWNER)
    with transaction.atomic():
        _lock_workspace(membership.workspace)
        membership.refresh_from_db()
        if membership.role == Role.OWNER and _owner_count(membership.workspace) == 1:
            raise ValidationError(
                "A workspace always keeps one owner. Make someone else an owner first."
            )
        previous = membership.role
        membership.role = role
        membership.save(update_fields=["role"])
        _audit(
            workspace=membership.workspace,
            actor=actor_membership.user,
            action=AuditEntry.Action.ROLE_CHANGED,
            membership_id=membership.pk,
            user_id=membership.user_id,
            role_from=previous,
            role_to=role,
        )
    return membership


def member_remove(*, membership: Membership, actor_membership: Membership) -> None:
    """Remove a teammate (or leave, when they are the same person). What they wrote stays
    attributed to them; they lose access on their next request."""
    leaving = membership.pk == actor_membership.pk
    if membership.role == Role.OWNER and not leaving:
        _check_can_grant(actor_membership=actor_membership, role=Role.OWNER)
    with transaction.atomic():
        _lock_workspace(membership.workspace)
        membership.refresh_from_db()
        if membership.role == Role.OWNER and _owner_count(membership.workspace) == 1:
            raise ValidationError(
                "A workspace always keeps one owner. Make someone else an owner first."
            )
        _audit(
            workspace=membership.workspace,
            actor=actor_membership.user,
            action=AuditEntry.Action.MEMBER_REMOVED,
            membership_id=membership.pk,
            user_id=membership.user_id,
            role=membership.role,
        )
        membership.delete()
        hooks.member_removed(workspace_id=membership.workspace_id, user_id=membership.user_id)
