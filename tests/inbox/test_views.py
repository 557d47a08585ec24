import re
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Message
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ContactFactory

pytestmark = pytest.mark.django_db


def conversation_in(workspace: Any, **extra: Any) -> Conversation:
    connection = ConnectionFactory(workspace=workspace)
    contact = ContactFactory(workspace=workspace, handle="maya.beauty")
    conversation = Conversation.objects.create(
        workspace=workspace, connection=connection, contact=contact, channel="tiktok_dm",
        external_id="c1", last_message_at=timezone.now(), **extra,
    )  # fmt: skip
    Message.objects.create(
        workspace=workspace, conversation=conversation, direction="in", text="how much?",
        sent_at=timezone.now(),
    )  # fmt: skip
    return conversation


def visible(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_a_member_sees_open_conversations_and_reads_one(team: Team) -> None:
    conversation = conversation_in(team.workspace)
    client = client_for(team.member)

    listing = visible(
        client.get(reverse("inbox:inbox", kwargs={"workspace_id": team.workspace.public_id}))
    )
    detail = visible(
        client.get(
            reverse(
                "inbox:conversation",
                kwargs={
                    "workspace_id": team.workspace.public_id,
                    "conversation_id": conversation.pk,
                },
            )
        )
    )

    assert "@maya.beauty" in listing
    assert "No conversations yet" not in listing
    assert "how much?" in detail


def test_closed_conversations_leave_the_main_view(team: Team) -> None:
    conversation_in(team.workspace, state="closed")
    client = client_for(team.owner)
    base = reverse("inbox:inbox", kwargs={"workspace_id": team.workspace.public_id})

    assert "@maya.beauty" not in visible(client.get(base))
    assert "@maya.beauty" in visible(client.get(base + "?state=closed"))


def test_another_workspaces_conversation_is_a_404(team: Team) -> None:
    foreign = conversation_in(team.other_workspace)

    response = client_for(team.owner).get(
        reverse(
            "inbox:conversation",
            kwargs={"workspace_id": team.workspace.public_id, "conversation_id": foreign.pk},
        )
    )

    assert response.status_code == 404


def test_contacts_are_listed(team: Team) -> None:
    ContactFactory(workspace=team.workspace, handle="linh.nguyen")

    page = visible(
        client_for(team.member).get(
            reverse("inbox:contacts", kwargs={"workspace_id": team.workspace.public_id})
        )
    )

    assert "@linh.nguyen" in page


def act(client: Any, team: Team, conversation: Conversation, action: str, **data: Any) -> Any:
    return client.post(
        reverse(
            "inbox:conversation_action",
            kwargs={
                "workspace_id": team.workspace.public_id,
                "conversation_id": conversation.pk,
                "action": action,
            },
        ),
        data,
    )


def test_a_member_takes_over_hands_back_and_closes(team: Team) -> None:
    conversation = conversation_in(team.workspace)
    client = client_for(team.member)

    act(client, team, conversation, "take")
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("human", team.member)

    act(client, team, conversation, "hand_back")
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("bot", None)

    act(client, team, conversation, "close")
    conversation.refresh_from_db()
    assert conversation.state == "closed"
    notes = list(
        Message.objects.for_workspace(team.workspace)
        .filter(kind="system")
        .values_list("text", flat=True)
    )
    assert notes == [
        f"{team.member.label} took over.",
        f"{team.member.label} handed the conversation back to the bot.",
        f"{team.member.label} closed the conversation.",
    ]


def test_assigning_to_a_teammate_and_their_removal_returns_it_to_unassigned_humans(
    team: Team,
) -> None:
    from chatsparks.workspaces import services
    from chatsparks.workspaces.models import Membership

    conversation = conversation_in(team.workspace)
    admin_membership = Membership.objects.for_workspace(team.workspace).get(user=team.admin)
    act(client_for(team.owner), team, conversation, "assign", membership=admin_membership.pk)
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("human", team.admin)

    owner = Membership.objects.for_workspace(team.workspace).get(user=team.owner)
    services.member_remove(membership=admin_membership, actor_membership=owner)

    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("human", None)


def test_acting_on_another_workspaces_conversation_is_a_404_and_changes_nothing(team: Team) -> None:
    foreign = conversation_in(team.other_workspace)

    assert act(client_for(team.owner), team, foreign, "take").status_code == 404
    foreign.refresh_from_db()
    assert (foreign.state, foreign.assignee) == ("bot", None)
