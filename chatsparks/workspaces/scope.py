"""The workspace scope every request to tenant data goes through.

A request names its workspace in the URL (``/w/<public_id>/…``). ``access_workspace`` fetches
the caller's membership of it in one query and answers 404 both for a workspace that does not
exist and for one the caller does not belong to, so ids cannot be probed. The role is then
checked against ``roles.ROLE_PERMISSIONS``: a member who lacks a permission gets 403, because
the workspace is theirs to know about.

Membership and role are read from the database on every request, never cached in the session,
so a role change or a removal takes effect on that person's very next request.
"""

import zoneinfo
from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, Concatenate

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone

from chatsparks.workspaces.roles import Permission, role_allows

if TYPE_CHECKING:
    from chatsparks.workspaces.models import Membership, Workspace

SESSION_LAST_WORKSPACE = "last_workspace"


class WorkspaceRequest(HttpRequest):
    """An ``HttpRequest`` that went through ``workspace_view``."""

    workspace: "Workspace"
    membership: "Membership"


def access_workspace(*, user: Any, public_id: str) -> "Membership":
    """The caller's membership of the workspace, or 404 for missing and not-yours alike."""
    from chatsparks.workspaces.models import Membership

    if not getattr(user, "is_authenticated", False):
        raise Http404("No such workspace.")
    membership = (
        Membership.unscoped.select_related("workspace")
        .filter(user=user, workspace__public_id=public_id)
        .first()
    )
    if membership is None:
        raise Http404("No such workspace.")
    return membership


def require_permission(membership: "Membership", permission: Permission) -> None:
    if not role_allows(membership.role, permission):
        raise PermissionDenied(f"Your role ({membership.get_role_display()}) cannot do this.")


def mfa_missing(membership: "Membership") -> bool:
    """The workspace demands two-factor authentication and this person has not set it up."""
    from allauth.mfa.utils import is_mfa_enabled

    return membership.workspace.require_mfa and not is_mfa_enabled(membership.user)


type WorkspaceView = Callable[Concatenate[WorkspaceRequest, ...], HttpResponse]


def workspace_view(
    permission: Permission = Permission.VIEW_WORKSPACE,
) -> Callable[[WorkspaceView], Callable[..., HttpResponse]]:
    """Resolve ``workspace_id`` from the URL, check membership and role, then call the view
    with ``request.workspace`` and ``request.membership`` set and the id consumed."""

    def decorator(view: WorkspaceView) -> Callable[..., HttpResponse]:
        @login_required
        @wraps(view)
        def wrapper(
            request: HttpRequest, workspace_id: str, *args: Any, **kwargs: Any
        ) -> HttpResponse:
            membership = access_workspace(user=request.user, public_id=workspace_id)
            require_permission(membership, permission)
            if mfa_missing(membership):
                messages.warning(
                    request,
                    f"{membership.workspace.name} requires two-factor authentication. "
                    "Set up an authenticator app to continue.",
                )
                return redirect("mfa_activate_totp")
            scoped = request  # the same object, now carrying its scope
            scoped.workspace = membership.workspace  # type: ignore[attr-defined]
            scoped.membership = membership  # type: ignore[attr-defined]
            request.session[SESSION_LAST_WORKSPACE] = workspace_id
            # Times on every page read in the workspace's own time zone.
            with timezone.override(zoneinfo.ZoneInfo(membership.workspace.timezone)):
                return view(scoped, *args, **kwargs)  # type: ignore[arg-type]

        return wrapper

    return decorator
