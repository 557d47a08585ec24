from tests.factories.users import UserFactory
from tests.factories.workspaces import (
    AuditEntryFactory,
    InvitationFactory,
    MembershipFactory,
    WorkspaceFactory,
)

__all__ = [
    "AuditEntryFactory",
    "InvitationFactory",
    "MembershipFactory",
    "UserFactory",
    "WorkspaceFactory",
]
