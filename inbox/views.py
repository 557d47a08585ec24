"""The inbox list, a conversation, and contacts."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from chatsparks.workspaces.selectors import member_get, member_list
from inbox import selectors, services
from inbox.models import Conversation


@workspace_view(Permission.USE_INBOX)
@require_GET
def inbox(request: WorkspaceRequest) -> HttpResponse:
    state = request.GET.get("state", "")
    page = Paginator(selectors.conversation_list(workspace=request.workspace, state=state), 50)
    return render(
        request,
        "inbox/inbox.html",
        {
            "conversations": page.get_page(request.GET.get("page")),
            "state": state,
            "states": [("", "All open"), *Conversation.State.choices],
        },
    )


@workspace_view(Permission.USE_INBOX)
@require_GET
def conversation(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    found = selectors.conversation_get(workspace=request.workspace, conversation_id=conversation_id)
    if found is None:
        raise Http404("No such conversation.")
    return render(
        request,
        "inbox/conversation.html",
        {
            "conversation": found,
            "messages_list": selectors.message_list(conversation=found),
            "teammates": member_list(workspace=request.workspace),
        },
    )


@workspace_view()
@require_GET
def contacts(request: WorkspaceRequest) -> HttpResponse:
    page = Paginator(selectors.contact_list(workspace=request.workspace), 50)
    return render(
        request, "inbox/contacts.html", {"contacts": page.get_page(request.GET.get("page"))}
    )


_ACTIONS = ("take", "hand_back", "close", "assign")


@workspace_view(Permission.USE_INBOX)
@require_POST
def conversation_action(
    request: WorkspaceRequest, conversation_id: int, action: str
) -> HttpResponse:
    found = selectors.conversation_get(workspace=request.workspace, conversation_id=conversation_id)
    if found is None or action not in _ACTIONS:
        raise Http404("No such conversation.")
    if action == "take":
        services.conversation_take(conversation=found, user=request.user)
    elif action == "hand_back":
        services.conversation_hand_back(conversation=found, actor=request.user)
    elif action == "close":
        services.conversation_close(conversation=found, actor=request.user)
    else:
        membership_id = request.POST.get("membership", "")
        teammate = (
            member_get(workspace=request.workspace, membership_id=int(membership_id))
            if membership_id.isdigit()
            else None
        )
        if teammate is None:
            raise Http404("No such teammate.")
        services.conversation_assign(conversation=found, assignee=teammate.user, actor=request.user)
    return redirect(
        "inbox:conversation", workspace_id=request.workspace.public_id, conversation_id=found.pk
    )
