from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from chatsparks.workspaces.scope import SESSION_LAST_WORKSPACE, WorkspaceRequest, workspace_view
from chatsparks.workspaces.selectors import membership_list_for_user

SECTIONS = {
    "analytics": "Analytics",
}


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


@workspace_view()
def section(request: WorkspaceRequest, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404("No such page.")
    return render(
        request,
        f"dashboard/{section}.html",
        {"section": section, "section_title": SECTIONS[section]},
    )
