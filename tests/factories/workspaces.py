from datetime import timedelta

import factory
from django.utils import timezone

from chatsparks.workspaces.models import AuditEntry, Invitation, Membership, Workspace
from chatsparks.workspaces.roles import Role
from chatsparks.workspaces.services import token_hash
from tests.factories.users import UserFactory


class WorkspaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Shop {n}")
    timezone = "Europe/London"


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER


class InvitationFactory(factory.django.DjangoModelFactory):
    """An open invitation. Its raw token is ``token`` (the model keeps only the hash)."""

    class Meta:
        model = Invitation
        exclude = ("token",)

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.MEMBER
    token = factory.Sequence(lambda n: f"token-{n}-abcdefghijklmnop")
    token_hash = factory.LazyAttribute(lambda o: token_hash(o.token))
    invited_by = None
    sent_at = factory.LazyFunction(timezone.now)
    expires_at = factory.LazyAttribute(lambda o: o.sent_at + timedelta(days=7))


class AuditEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditEntry

    workspace = factory.SubFactory(WorkspaceFactory)
    workspace_public_id = factory.SelfAttribute("workspace.public_id")
    action = AuditEntry.Action.SETTINGS_CHANGED
