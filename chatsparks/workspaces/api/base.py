"""The base every workspace-scoped API view inherits, so the scope cannot be skipped.

``initial`` runs before any handler: it resolves ``workspace_id`` from the URL through the
same ``access_workspace`` as the dashboard (404 for missing and not-yours alike) and checks
the role against ``permissions_by_method``. A method missing from that map is refused, so a
new handler is closed until someone decides who may call it.
"""

from typing import Any, ClassVar

from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request

from chatsparks.workspaces.models import Membership, Workspace
from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import access_workspace, mfa_missing, require_permission


class WorkspaceScopedAPIView(GenericAPIView):
    permissions_by_method: ClassVar[dict[str, Permission]] = {}
    workspace: Workspace
    membership: Membership

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        membership = access_workspace(user=request.user, public_id=kwargs["workspace_id"])
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        permission = self.permissions_by_method.get(method or "")
        if permission is None:
            raise PermissionDenied("No role may do this.")
        require_permission(membership, permission)
        if mfa_missing(membership):
            raise PermissionDenied("This workspace requires two-factor authentication.")
        self.workspace = membership.workspace
        self.membership = membership
