"""Who may do what. Every view, API endpoint and template asks this one table."""

from enum import StrEnum

from django.db import models


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    MEMBER = "member", "Member"


class Permission(StrEnum):
    VIEW_WORKSPACE = "view_workspace"
    USE_INBOX = "use_inbox"
    EDIT_AUTOMATIONS = "edit_automations"
    EDIT_CONTACTS = "edit_contacts"
    MANAGE_MEMBERS = "manage_members"
    EDIT_SETTINGS = "edit_settings"
    MANAGE_INTEGRATIONS = "manage_integrations"
    MANAGE_BILLING = "manage_billing"


_MEMBER = frozenset({Permission.VIEW_WORKSPACE, Permission.USE_INBOX})
_ADMIN = _MEMBER | {
    Permission.EDIT_AUTOMATIONS,
    Permission.EDIT_CONTACTS,
    Permission.MANAGE_MEMBERS,
}
_OWNER = frozenset(Permission)

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.OWNER: _OWNER,
    Role.ADMIN: _ADMIN,
    Role.MEMBER: _MEMBER,
}


def role_allows(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
