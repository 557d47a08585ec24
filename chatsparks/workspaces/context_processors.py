from typing import Any

from django.http import HttpRequest

from chatsparks.workspaces.roles import ROLE_PERMISSIONS
from chatsparks.workspaces.scope import SESSION_LAST_WORKSPACE
from chatsparks.workspaces.selectors import membership_list_for_user


def workspace(request: HttpRequest) -> dict[str, Any]:
    """The scope ``workspace_view`` resolved, what the current role may do (``can.<perm>``),
    and the workspaces for the switcher."""
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    memberships = list(membership_list_for_user(user=user))
    current = getattr(request, "workspace", None)
    last = request.session.get(SESSION_LAST_WORKSPACE)
    # Pages outside a workspace (account, MFA) still need the sidebar's links to lead back.
    nav_workspace = current or next(
        (m.workspace for m in memberships if m.workspace.public_id == last),
        memberships[0].workspace if memberships else None,
    )
    return {
        "current_workspace": current,
        "nav_workspace": nav_workspace,
        "current_membership": membership,
        "can": {str(p): True for p in ROLE_PERMISSIONS[membership.role]} if membership else {},
        "switcher_memberships": memberships,
    }
