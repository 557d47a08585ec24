"""Reads the inbox API needs on top of ``inbox.selectors``: its query parameters mapped onto
the inbox's own filter, saved replies searched by shortcut, and teammates named in a payload.
Each takes the workspace explicitly."""

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet

from chatsparks.workspaces.models import Membership, Workspace
from chatsparks.workspaces.selectors import member_list
from inbox import selectors
from inbox.models import Conversation, SavedReply


def conversation_list_filtered(
    *,
    workspace: Workspace,
    user: Any,
    state: str = "",
    mine: bool = False,
    unassigned: bool = False,
    tag: str = "",
    trigger_id: int | None = None,
    search: str = "",
) -> QuerySet[Conversation]:
    """The inbox list as the dashboard builds it (open unless ``state`` is ``closed``, newest
    activity first, each row with its last message), narrowed by the API's parameters, which
    combine freely: ``mine`` is the caller's, ``unassigned`` the Unassigned humans view."""
    closed = state == Conversation.State.CLOSED
    conversations = selectors.conversation_list(
        workspace=workspace,
        user=user,
        filters=selectors.InboxFilter(
            show=selectors.Show.CLOSED if closed else selectors.Show.ALL,
            state="" if closed else state,
            tag=tag,
            trigger=trigger_id,
            q=search,
        ),
    )
    if mine:
        conversations = conversations.filter(assignee=user)
    if unassigned:
        conversations = conversations.filter(state=Conversation.State.HUMAN, assignee__isnull=True)
    return conversations


def saved_reply_list_search(*, workspace: Workspace, search: str = "") -> QuerySet[SavedReply]:
    """Saved replies by shortcut; ``search`` is what follows the ``/`` in the composer."""
    replies = selectors.saved_reply_list(workspace=workspace).order_by("shortcut")
    if search:
        replies = replies.filter(shortcut__icontains=search)
    return replies


def teammate_get(
    *, workspace: Workspace, membership_id: int | None = None, user_id: int | None = None
) -> Membership | None:
    """A member of ``workspace`` by membership id or user id; None for anyone else, so a
    person in another workspace looks exactly like one who does not exist."""
    members = member_list(workspace=workspace)
    if membership_id is not None:
        return members.filter(pk=membership_id).first()
    if user_id is not None:
        return members.filter(user_id=user_id).first()
    return None


def member_user_ids(*, workspace: Workspace, user_ids: Iterable[int]) -> set[int]:
    """Which of ``user_ids`` belong to members of ``workspace``."""
    return set(
        member_list(workspace=workspace)
        .filter(user_id__in=list(user_ids))
        .values_list("user_id", flat=True)
    )
