"""Reads of the inbox."""

from django.db.models import QuerySet

from chatsparks.workspaces.models import Workspace
from inbox.models import Contact, Conversation, Message

INBOX_STATES = (Conversation.State.BOT, Conversation.State.HUMAN, Conversation.State.WAITING)


def conversation_list(*, workspace: Workspace, state: str = "") -> QuerySet[Conversation]:
    """Open conversations, newest activity first; ``state="closed"`` lists the closed ones."""
    conversations = Conversation.objects.for_workspace(workspace).select_related(
        "contact", "assignee"
    )
    if state == Conversation.State.CLOSED:
        conversations = conversations.filter(state=Conversation.State.CLOSED)
    elif state in INBOX_STATES:
        conversations = conversations.filter(state=state)
    else:
        conversations = conversations.filter(state__in=INBOX_STATES)
    return conversations.order_by("-last_message_at", "-id")


def conversation_get(*, workspace: Workspace, conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.for_workspace(workspace)
        .select_related("contact", "assignee")
        .filter(pk=conversation_id)
        .first()
    )


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .select_related("author")
    )


def contact_list(*, workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.for_workspace(workspace).order_by("-last_seen_at", "-id")
