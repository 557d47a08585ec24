"""Reads of workspaces, memberships and invitations."""

from typing import Any

from django.db.models import QuerySet

from chatsparks.workspaces.models import Invitation, Membership, Workspace
from chatsparks.workspaces.services import token_hash


def membership_list_for_user(*, user: Any) -> QuerySet[Membership]:
    """The workspaces a person belongs to, for the switcher: every tenant, by design."""
    return (
        Membership.unscoped.filter(user=user)
        .select_related("workspace")
        .order_by("workspace__name", "workspace__pk")
    )


def member_list(*, workspace: Workspace) -> QuerySet[Membership]:
    return (
        Membership.objects.for_workspace(workspace)
        .select_related("user")
        .order_by("created_at", "pk")
    )


def member_get(*, workspace: Workspace, membership_id: int) -> Membership | None:
    return member_list(workspace=workspace).filter(pk=membership_id).first()


def invitation_list_open(*, workspace: Workspace) -> QuerySet[Invitation]:
    return (
        Invitation.objects.for_workspace(workspace)
        .filter(accepted_at__isnull=True, revoked_at__isnull=True)
        .select_related("invited_by")
        .order_by("-sent_at")
    )


def invitation_get(*, workspace: Workspace, invitation_id: int) -> Invitation | None:
    return invitation_list_open(workspace=workspace).filter(pk=invitation_id).first()


def invitation_by_token_unscoped(*, token: str) -> Invitation | None:
    """A join link names no workspace: the token alone finds it."""
    return (
        Invitation.unscoped.select_related("workspace", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )


def owner_emails(*, workspace: Workspace | int) -> list[str]:
    """Where to tell a workspace about something only its owners can fix."""
    return list(
        Membership.objects.for_workspace(workspace)
        .filter(role="owner")
        .order_by("user__email")
        .values_list("user__email", flat=True)
    )
