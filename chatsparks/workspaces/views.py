"""Workspace pages: create, settings (general, members, billing) and joining by invitation.
Thin: each view parses input, calls one service, and renders or redirects."""

from allauth.account.adapter import get_adapter
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from chatsparks.workspaces import selectors, services
from chatsparks.workspaces.forms import (
    CloseWorkspaceForm,
    InvitationForm,
    RoleForm,
    WorkspaceCreateForm,
    WorkspaceSettingsForm,
)
from chatsparks.workspaces.models import Invitation, Membership
from chatsparks.workspaces.roles import Permission, Role, role_allows
from chatsparks.workspaces.scope import WorkspaceRequest, require_permission, workspace_view


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _members_url(request: WorkspaceRequest) -> str:
    return reverse("workspaces:members", kwargs={"workspace_id": request.workspace.public_id})


@login_required
@require_http_methods(["GET", "POST"])
def workspace_create(request: HttpRequest) -> HttpResponse:
    form = WorkspaceCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        workspace = services.workspace_create(
            name=form.cleaned_data["name"],
            timezone_name=form.cleaned_data["timezone"],
            owner=request.user,
        )
        messages.success(request, f"{workspace.name} is ready. You are its owner.")
        return redirect("dashboard:overview", workspace_id=workspace.public_id)
    return render(request, "workspaces/create.html", {"form": form})


@workspace_view()
@require_http_methods(["GET", "POST"])
def settings_general(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_edit = role_allows(request.membership.role, Permission.EDIT_SETTINGS)
    if request.method == "POST":
        require_permission(request.membership, Permission.EDIT_SETTINGS)
        form = WorkspaceSettingsForm.for_workspace(workspace, request.POST)
        if form.is_valid():
            services.workspace_update(workspace=workspace, actor=request.user, **form.cleaned_data)
            messages.success(request, "Settings saved.")
            return redirect("workspaces:settings_general", workspace_id=workspace.public_id)
    else:
        form = WorkspaceSettingsForm.for_workspace(workspace)
    if not can_edit:
        for field in form.fields.values():
            field.disabled = True
    return render(request, "workspaces/settings_general.html", {"form": form, "can_edit": can_edit})


@workspace_view()
def members(request: WorkspaceRequest) -> HttpResponse:
    workspace = request.workspace
    can_manage = role_allows(request.membership.role, Permission.MANAGE_MEMBERS)
    is_owner = request.membership.role == Role.OWNER
    role_choices = Role.choices if is_owner else [c for c in Role.choices if c[0] != Role.OWNER]
    invite_form = InvitationForm(role_choices=role_choices)
    return render(
        request,
        "workspaces/members.html",
        {
            "members": selectors.member_list(workspace=workspace),
            "invitations": selectors.invitation_list_open(workspace=workspace)
            if can_manage
            else [],
            "invite_form": invite_form,
            "can_manage": can_manage,
            "is_owner": is_owner,
            "role_choices": role_choices,
        },
    )


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def invitation_create(request: WorkspaceRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Enter a valid email address and role.")
        return redirect(_members_url(request))
    try:
        invitation, token = services.invitation_create(
            workspace=request.workspace,
            actor_membership=request.membership,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            base_url=_base_url(request),
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(_members_url(request))
    join_url = request.build_absolute_uri(reverse("invitation_join", kwargs={"token": token}))
    messages.success(
        request,
        f"Invitation sent to {invitation.email} as {invitation.get_role_display()}. "
        f"You can also share this join link, valid for 7 days: {join_url}",
    )
    return redirect(_members_url(request))


def _open_invitation(request: WorkspaceRequest, invitation_id: int) -> Invitation:
    invitation = selectors.invitation_get(workspace=request.workspace, invitation_id=invitation_id)
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def invitation_resend(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = _open_invitation(request, invitation_id)
    token = services.invitation_resend(
        invitation=invitation, actor_membership=request.membership, base_url=_base_url(request)
    )
    join_url = request.build_absolute_uri(reverse("invitation_join", kwargs={"token": token}))
    messages.success(
        request, f"Sent a new link to {invitation.email}; the old one no longer works: {join_url}"
    )
    return redirect(_members_url(request))


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def invitation_revoke(request: WorkspaceRequest, invitation_id: int) -> HttpResponse:
    invitation = _open_invitation(request, invitation_id)
    services.invitation_revoke(invitation=invitation, actor_membership=request.membership)
    messages.success(request, f"Revoked the invitation to {invitation.email}.")
    return redirect(_members_url(request))


def _member(request: WorkspaceRequest, membership_id: int) -> Membership:
    membership = selectors.member_get(workspace=request.workspace, membership_id=membership_id)
    if membership is None:
        raise Http404("No such member.")
    return membership


@workspace_view(Permission.MANAGE_MEMBERS)
@require_POST
def member_change_role(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose a role.")
        return redirect(_members_url(request))
    try:
        services.member_change_role(
            membership=membership,
            actor_membership=request.membership,
            role=form.cleaned_data["role"],
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, f"{membership.user.label} is now {membership.get_role_display()}."
        )
    return redirect(_members_url(request))


@workspace_view()
@require_POST
def member_remove(request: WorkspaceRequest, membership_id: int) -> HttpResponse:
    membership = _member(request, membership_id)
    leaving = membership.pk == request.membership.pk
    if not leaving:
        require_permission(request.membership, Permission.MANAGE_MEMBERS)
    try:
        services.member_remove(membership=membership, actor_membership=request.membership)
    except ValidationError as error:
        messages.error(request, _error_text(error))
        return redirect(_members_url(request))
    if leaving:
        messages.success(request, f"You left {request.workspace.name}.")
        return redirect("dashboard:home")
    messages.success(request, f"Removed {membership.user.label} from the workspace.")
    return redirect(_members_url(request))


@workspace_view(Permission.MANAGE_BILLING)
@require_http_methods(["GET", "POST"])
def billing(request: WorkspaceRequest) -> HttpResponse:
    """Plan usage and closing the account. The usage comes from the ``workspace_usage``
    context processor (``inbox.context_processors``), the same one COUNT the banner reads:
    this app imports nothing from the inbox."""
    form = CloseWorkspaceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        name = request.workspace.name
        try:
            services.workspace_close(
                workspace=request.workspace,
                actor=request.user,
                confirmation=form.cleaned_data["confirmation"],
            )
        except ValidationError as error:
            form.add_error("confirmation", error)
        else:
            messages.success(request, f"{name} and all of its data were deleted.")
            return redirect("dashboard:home")
    return render(request, "workspaces/billing.html", {"close_form": form})


@require_http_methods(["GET", "POST"])
def invitation_join(request: HttpRequest, token: str) -> HttpResponse:
    """The join link. Anyone holding it sees whom it is for; joining needs the invited
    address signed in, and a POST, so that mail scanners fetching the link change nothing."""
    invitation = selectors.invitation_by_token_unscoped(token=token)
    valid = invitation is not None and invitation.is_open and not invitation.is_expired
    if not valid:
        return render(request, "workspaces/join_invalid.html", status=410)
    assert invitation is not None
    if not request.user.is_authenticated:
        # Holding the link proves the address received it, so signing up with that address
        # needs no second verification mail.
        get_adapter(request).stash_verified_email(request, invitation.email)
        return render(request, "workspaces/join.html", {"invitation": invitation})
    if request.method == "POST":
        try:
            membership = services.invitation_accept(token=token, user=request.user)
        except ValidationError as error:
            messages.error(request, _error_text(error))
            return redirect("dashboard:home")
        messages.success(request, f"Welcome to {membership.workspace.name}.")
        return redirect("dashboard:overview", workspace_id=membership.workspace.public_id)
    email_matches = invitation.email.lower() == request.user.email.lower()
    return render(
        request,
        "workspaces/join.html",
        {"invitation": invitation, "email_matches": email_matches},
    )
