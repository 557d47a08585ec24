from tests.factories.flows import CommentFactory, ContactFactory, TriggerFactory
from tests.factories.integrations import ConnectionFactory, ShopConnectionFactory
from tests.factories.users import UserFactory
from tests.factories.workspaces import (
    AuditEntryFactory,
    InvitationFactory,
    MembershipFactory,
    WorkspaceFactory,
)

__all__ = [
    "AuditEntryFactory",
    "CommentFactory",
    "ConnectionFactory",
    "ContactFactory",
    "InvitationFactory",
    "MembershipFactory",
    "ShopConnectionFactory",
    "TriggerFactory",
    "UserFactory",
    "WorkspaceFactory",
]
