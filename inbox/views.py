"""The inbox list, a conversation, and contacts."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from inbox import selectors
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
        {"conversation": found, "messages_list": selectors.message_list(conversation=found)},
    )


@workspace_view()
@require_GET
def contacts(request: WorkspaceRequest) -> HttpResponse:
    page = Paginator(selectors.contact_list(workspace=request.workspace), 50)
    return render(
        request, "inbox/contacts.html", {"contacts": page.get_page(request.GET.get("page"))}
    )
