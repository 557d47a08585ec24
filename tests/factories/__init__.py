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
    "ConnectionFactory",
    "InvitationFactory",
    "MembershipFactory",
    "ShopConnectionFactory",
    "UserFactory",
    "WorkspaceFactory",
]
