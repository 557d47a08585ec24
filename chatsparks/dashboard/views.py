"""The dashboard shell: the landing redirect and the workspace's front door.

Inbox, Automations, Flows, Contacts and Analytics are owned by the apps that build them
(inbox/, flows/, analytics/); the sidebar links straight to them.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from chatsparks.workspaces.scope import SESSION_LAST_WORKSPACE, WorkspaceRequest, workspace_view
from chatsparks.workspaces.selectors import membership_list_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Where signing in lands: the last workspace used, else the first, else create one."""
    memberships = list(membership_list_for_user(user=request.user))
    if not memberships:
        return redirect("workspaces:create")
    last = request.session.get(SESSION_LAST_WORKSPACE)
    chosen = next((m for m in memberships if m.workspace.public_id == last), memberships[0])
    return redirect("dashboard:overview", workspace_id=chosen.workspace.public_id)


@workspace_view()
def overview(request: WorkspaceRequest) -> HttpResponse:
    return redirect("inbox:inbox", workspace_id=request.workspace.public_id)
