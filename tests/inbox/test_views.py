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
