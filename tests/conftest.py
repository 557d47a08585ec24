from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from chatsparks.users.models import User
from chatsparks.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from chatsparks.workspaces.roles import Role
from flows.models import AutomationSettings, Flow, FlowVersion, SensitiveKeyword, Trigger
from integrations.models import Connection, OAuthState
from tests.factories import (
    InvitationFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)


@dataclass
class Team:
    """One workspace with a person in every role, a second member to act upon, an open
    invitation, and an outsider who owns a different workspace."""

    workspace: Workspace
    owner: User
    admin: User
    member: User
    teammate: Membership
    invitation: Invitation
    outsider: User
    other_workspace: Workspace
    connection: Connection | None = None  # tests that need one attach it
    flow: Flow | None = None
    sensitive_keyword: SensitiveKeyword | None = None

    def user(self, role: str) -> User | None:
        return {
            "anonymous": None,
            "outsider": self.outsider,
            "member": self.member,
            "admin": self.admin,
            "owner": self.owner,
        }[role]


@pytest.fixture
def team(db: Any) -> Team:
    workspace = WorkspaceFactory(name="Glow Beauty")
    owner = MembershipFactory(workspace=workspace, role=Role.OWNER).user
    admin = MembershipFactory(workspace=workspace, role=Role.ADMIN).user
    member = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    teammate = MembershipFactory(workspace=workspace, role=Role.MEMBER)
    invitation = InvitationFactory(workspace=workspace, invited_by=owner)
    other = MembershipFactory(role=Role.OWNER, workspace__name="Rival Shop")
    return Team(
        workspace=workspace,
        owner=owner,
        admin=admin,
        member=member,
        teammate=teammate,
        invitation=invitation,
        outsider=other.user,
        other_workspace=other.workspace,
    )


def client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def tenant_snapshot() -> tuple[Any, ...]:
    """Every row a workspace action could change, to prove a refused request changed none."""
    return (
        list(Workspace.objects.order_by("pk").values()),
        list(Membership.unscoped.order_by("pk").values()),
        list(Invitation.unscoped.order_by("pk").values()),
        AuditEntry.objects.count(),
        User.objects.count(),
        list(Connection.unscoped.order_by("pk").values()),
        list(Trigger.unscoped.order_by("pk").values()),
        list(Flow.unscoped.order_by("pk").values()),
        list(FlowVersion.unscoped.order_by("pk").values()),
        list(AutomationSettings.unscoped.order_by("pk").values()),
        list(SensitiveKeyword.unscoped.order_by("pk").values()),
        OAuthState.unscoped.count(),
    )


@pytest.fixture(autouse=True)
def _fresh_webhook_wake_up(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no drain marked as scheduled: a key left by an earlier test whose
    drain did not finish would otherwise silence the wake-ups until the (absent) beat sweep."""
    from integrations.webhooks import ingest

    ingest._redis().delete(settings.WEBHOOK_WAKE_KEY)
    monkeypatch.setattr(ingest, "_last_wake_attempt", -ingest.WAKE_GRACE)


@pytest.fixture
def user(db: Any) -> User:
    return UserFactory()
