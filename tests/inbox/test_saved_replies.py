"""Saved replies: the workspace's canned answers, managed by anyone who uses the inbox."""

from typing import Any

import pytest
from django.urls import reverse

from inbox.models import SavedReply
from tests.conftest import Team, client_for
from tests.inbox.test_views import visible

pytestmark = pytest.mark.django_db


def page_url(team: Team) -> str:
    return reverse("inbox:saved_replies", kwargs={"workspace_id": team.workspace.public_id})


def delete_url(team: Team, reply: SavedReply) -> str:
    return reverse(
        "inbox:saved_reply_delete",
        kwargs={"workspace_id": team.workspace.public_id, "reply_id": reply.pk},
    )


def replies(workspace: Any) -> list[tuple[str, str]]:
    return list(SavedReply.objects.for_workspace(workspace).values_list("shortcut", "text"))


@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_anyone_on_the_team_adds_a_saved_reply(team: Team, role: str) -> None:
    response = client_for(team.user(role)).post(
        page_url(team), {"shortcut": "Shipping", "text": "We ship in 2 days."}
    )

    assert response.status_code == 302
    assert response["Location"] == page_url(team)
    assert replies(team.workspace) == [("shipping", "We ship in 2 days.")]
    assert replies(team.other_workspace) == []


def test_the_page_lists_only_this_workspaces_replies(team: Team) -> None:
    SavedReply.objects.create(workspace=team.workspace, shortcut="size", text="Runs small")
    SavedReply.objects.create(workspace=team.other_workspace, shortcut="rival", text="Not ours")

    text = visible(client_for(team.member).get(page_url(team)))

    assert "/size Runs small" in text
    assert "rival" not in text
    assert "Not ours" not in text


def test_a_shortcut_is_used_once_per_workspace(team: Team) -> None:
    SavedReply.objects.create(workspace=team.workspace, shortcut="size", text="Runs small")
    SavedReply.objects.create(workspace=team.other_workspace, shortcut="ship", text="Theirs")
    client = client_for(team.member)

    taken = client.post(page_url(team), {"shortcut": "size", "text": "Again"})
    elsewhere = client.post(page_url(team), {"shortcut": "ship", "text": "Ours"})

    assert taken.status_code == 400
    assert "/size is already a saved reply." in visible(taken)
    assert elsewhere.status_code == 302
    assert sorted(replies(team.workspace)) == [("ship", "Ours"), ("size", "Runs small")]


@pytest.mark.parametrize(
    "data",
    [{"shortcut": "two words", "text": "x"}, {"shortcut": "ok", "text": ""}, {"shortcut": ""}],
)
def test_an_invalid_reply_is_refused(team: Team, data: dict[str, str]) -> None:
    response = client_for(team.member).post(page_url(team), data)

    assert response.status_code == 400
    assert replies(team.workspace) == []


def test_a_reply_is_deleted_in_its_own_workspace_only(team: Team) -> None:
    ours = SavedReply.objects.create(workspace=team.workspace, shortcut="size", text="Runs small")
    theirs = SavedReply.objects.create(
        workspace=team.other_workspace, shortcut="size", text="Theirs"
    )
    client = client_for(team.member)

    assert client.post(delete_url(team, theirs)).status_code == 404
    assert client.post(delete_url(team, ours)).status_code == 302
    assert replies(team.workspace) == []
    assert replies(team.other_workspace) == [("size", "Theirs")]


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_strangers_neither_see_nor_change_saved_replies(team: Team, role: str) -> None:
    reply = SavedReply.objects.create(workspace=team.workspace, shortcut="size", text="Runs")
    client = client_for(team.user(role))
    expected = 302 if role == "anonymous" else 404

    assert client.get(page_url(team)).status_code == expected
    assert client.post(page_url(team), {"shortcut": "new", "text": "x"}).status_code == expected
    assert client.post(delete_url(team, reply)).status_code == expected
    assert replies(team.workspace) == [("size", "Runs")]
