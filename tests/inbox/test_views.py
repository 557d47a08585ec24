import html
import re
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Message, SavedView
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ContactFactory, MembershipFactory

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
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))
    return html.unescape(text)


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


# --- The list's filters and saved views ---------------------------------------------------------


def inbox_url(team: Team, query: str = "") -> str:
    url = reverse("inbox:inbox", kwargs={"workspace_id": team.workspace.public_id})
    return f"{url}?{query}" if query else url


def listed(client: Any, team: Team, query: str = "") -> list[str]:
    """The conversations a view lists, by contact, in order."""
    response = client.get(inbox_url(team, query))
    assert response.status_code == 200
    return re.findall(r'data-conversation="([^"]+)"', response.content.decode())


def open_in(
    workspace: Any, handle: str, *, said: str = "hi", tags: list[str] | None = None, **extra: Any
) -> Conversation:
    connection = ConnectionFactory(workspace=workspace)
    contact = ContactFactory(workspace=workspace, handle=handle, tags=tags or [])
    conversation = Conversation.objects.create(
        workspace=workspace, connection=connection, contact=contact, channel="tiktok_dm",
        external_id=f"conv-{handle}", last_message_at=timezone.now(), **extra,
    )  # fmt: skip
    Message.objects.create(
        workspace=workspace, conversation=conversation, direction="in", text=said,
        sent_at=timezone.now(),
    )  # fmt: skip
    return conversation


@pytest.fixture
def inbox_of(team: Team) -> dict[str, Conversation]:
    """One conversation for each thing a view can pick out, and one in another workspace."""
    now = timezone.now()
    conversations = {
        "bot": open_in(
            team.workspace, "bot.buyer", tags=["vip"], trigger_id=7, trigger_name="Price"
        ),
        "mine": open_in(team.workspace, "mine.buyer", state="human", assignee=team.member),
        "theirs": open_in(team.workspace, "their.buyer", state="human", assignee=team.admin),
        "unassigned": open_in(
            team.workspace, "lost.buyer", state="human", handoff_reason="asked for a refund"
        ),
        "waiting": open_in(
            team.workspace,
            "slow.buyer",
            state="waiting",
            trigger_id=8,
            trigger_name="Shade",
            last_inbound_at=now - timedelta(hours=17, minutes=10),
        ),
        "closed": open_in(
            team.workspace, "old.buyer", said="where is my parcel", state="closed", tags=["vip"]
        ),
        "foreign": open_in(team.other_workspace, "rival.buyer", tags=["vip"], trigger_id=7),
    }
    # Ordered by latest activity: the fixture's order, newest last.
    for offset, conversation in enumerate(conversations.values()):
        Conversation.objects.for_workspace(conversation.workspace_id).filter(
            pk=conversation.pk
        ).update(last_message_at=now - timedelta(minutes=10 - offset))
    return conversations


OPEN = ["@slow.buyer", "@lost.buyer", "@their.buyer", "@mine.buyer", "@bot.buyer"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", OPEN),
        ("show=all", OPEN),
        ("show=mine", ["@mine.buyer"]),
        ("show=unassigned", ["@lost.buyer"]),
        ("tag=vip", ["@bot.buyer"]),
        ("trigger=7", ["@bot.buyer"]),
        ("trigger=8", ["@slow.buyer"]),
        ("state=waiting", ["@slow.buyer"]),
        ("show=closed", ["@old.buyer"]),
        ("state=closed", ["@old.buyer"]),
        ("show=closed&q=parcel", ["@old.buyer"]),
        ("show=closed&q=PARCEL", ["@old.buyer"]),
        ("show=closed&q=%40old", ["@old.buyer"]),
        ("show=closed&q=refund", []),
        ("show=closed&tag=vip", ["@old.buyer"]),
        ("show=mentions", []),
        ("show=nonsense&trigger=abc", OPEN),
    ],
)
def test_each_view_lists_exactly_its_conversations(
    team: Team, inbox_of: dict[str, Conversation], query: str, expected: list[str]
) -> None:
    assert listed(client_for(team.member), team, query) == expected


def test_mine_is_the_callers_own(team: Team, inbox_of: dict[str, Conversation]) -> None:
    assert listed(client_for(team.admin), team, "show=mine") == ["@their.buyer"]
    assert listed(client_for(team.owner), team, "show=mine") == []


def test_search_finds_a_display_name_and_a_message(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    contact = inbox_of["mine"].contact
    contact.display_name = "Linh Nguyen"
    contact.save()
    client = client_for(team.member)

    assert listed(client, team, "q=linh") == ["@mine.buyer"]
    assert listed(client, team, "q=hi") == OPEN  # every open conversation said "hi"


def test_mentions_me_lists_the_conversations_whose_notes_name_me(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    theirs = inbox_of["theirs"]
    Message.objects.create(
        workspace=team.workspace, conversation=theirs, direction="internal", kind="note",
        text="@someone look", author=team.admin, mentions=[team.member.pk], sent_at=timezone.now(),
    )  # fmt: skip

    assert listed(client_for(team.member), team, "show=mentions") == ["@their.buyer"]
    assert listed(client_for(team.admin), team, "show=mentions") == []


def test_a_card_shows_what_the_team_needs_at_a_glance(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    Message.objects.create(
        workspace=team.workspace, conversation=inbox_of["bot"], direction="out",
        text="Here is the link to the serum you asked about, with 10% off today only",
        sent_at=timezone.now(),
    )  # fmt: skip
    Message.objects.create(
        workspace=team.workspace, conversation=inbox_of["bot"], direction="internal",
        kind="system", text="Bot note that is not shown on the card", sent_at=timezone.now(),
    )  # fmt: skip
    shop = inbox_of["mine"]
    Conversation.objects.for_workspace(team.workspace).filter(pk=shop.pk).update(
        channel="shop_chat"
    )
    page = visible(client_for(team.member).get(inbox_url(team)))

    assert "You: Here is the link to the serum you asked about, with 10% off today only" in page
    assert "not shown on the card" not in page
    assert "Triggered by Price" in page
    assert "vip" in page
    assert "Waiting · 31 h left" in page
    assert "Handed to a person: asked for a refund" in page
    assert "@mine.buyer Shop" in page
    assert f"Human Assigned to {team.admin.label}" in page


def test_the_trigger_and_tag_filters_offer_only_this_workspaces_values(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    markup = client_for(team.member).get(inbox_url(team)).content.decode()

    assert re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', markup) == [
        ("7", "Price"),
        ("8", "Shade"),
    ]
    assert re.findall(r'<option value="([a-z]+)" *>\1</option>', markup) == ["vip"]


def test_the_list_polls_itself_and_an_htmx_request_gets_the_list_alone(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    client = client_for(team.member)
    page = client.get(inbox_url(team, "show=mine")).content.decode()
    partial = client.get(inbox_url(team, "show=mine"), HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 4s"' in page
    assert f'hx-get="{inbox_url(team, "show=mine")}"' in page
    body = partial.content.decode()
    assert body.strip().startswith('<div id="conversation-list"')
    assert "<html" not in body
    assert re.findall(r'data-conversation="([^"]+)"', body) == ["@mine.buyer"]


def test_the_pagination_keeps_the_filter(team: Team) -> None:
    for n in range(51):
        open_in(team.workspace, f"buyer{n}", tags=["vip"])

    markup = client_for(team.member).get(inbox_url(team, "tag=vip")).content.decode()

    assert 'href="?tag=vip&amp;page=2"' in markup


def save_view(client: Any, team: Team, name: str, query: str) -> Any:
    return client.post(
        reverse("inbox:saved_view_create", kwargs={"workspace_id": team.workspace.public_id}),
        {"name": name, "query": query},
    )


def delete_view(client: Any, team: Team, view: SavedView) -> Any:
    return client.post(
        reverse(
            "inbox:saved_view_delete",
            kwargs={"workspace_id": team.workspace.public_id, "view_id": view.pk},
        )
    )


def test_a_saved_view_stores_the_filter_for_its_owner_only(
    team: Team, inbox_of: dict[str, Conversation]
) -> None:
    member = client_for(team.member)

    response = save_view(member, team, "My VIPs", "tag=vip&show=mine&page=3&junk=1")

    view = SavedView.objects.for_workspace(team.workspace).get()
    assert (view.user, view.name, view.query) == (team.member, "My VIPs", "show=mine&tag=vip")
    assert response.status_code == 302
    assert response["Location"] == inbox_url(team, "show=mine&tag=vip")
    member_page = member.get(inbox_url(team)).content.decode()
    assert re.search(r'<a href="\?show=mine&amp;tag=vip"\s*>My VIPs</a>', member_page)
    assert "My VIPs" not in client_for(team.admin).get(inbox_url(team)).content.decode()


def test_saving_under_the_same_name_replaces_the_view(team: Team) -> None:
    member = client_for(team.member)
    save_view(member, team, "Queue", "show=unassigned")
    save_view(member, team, "Queue", "show=mine")
    save_view(client_for(team.admin), team, "Queue", "show=closed")

    assert sorted(
        SavedView.objects.for_workspace(team.workspace).values_list("user", "name", "query")
    ) == sorted([(team.member.pk, "Queue", "show=mine"), (team.admin.pk, "Queue", "show=closed")])


def test_a_saved_view_without_a_name_is_refused(team: Team) -> None:
    response = save_view(client_for(team.member), team, "", "show=mine")

    assert response.status_code == 302
    assert not SavedView.objects.for_workspace(team.workspace).exists()


def test_only_its_owner_deletes_a_saved_view(team: Team) -> None:
    view = SavedView.objects.create(
        workspace=team.workspace, user=team.member, name="Mine", query="show=mine"
    )

    assert delete_view(client_for(team.admin), team, view).status_code == 404
    assert delete_view(client_for(team.owner), team, view).status_code == 404
    assert SavedView.objects.for_workspace(team.workspace).filter(pk=view.pk).exists()

    assert delete_view(client_for(team.member), team, view).status_code == 302
    assert not SavedView.objects.for_workspace(team.workspace).exists()


def test_another_workspaces_saved_view_is_a_404_and_stays(team: Team) -> None:
    foreign = SavedView.objects.create(
        workspace=team.other_workspace, user=team.outsider, name="Theirs", query="show=mine"
    )
    # The outsider joins this workspace too: their view still belongs to the other one.
    MembershipFactory(workspace=team.workspace, user=team.outsider)

    assert delete_view(client_for(team.outsider), team, foreign).status_code == 404
    assert SavedView.objects.for_workspace(team.other_workspace).filter(pk=foreign.pk).exists()
    outsider_page = client_for(team.outsider).get(inbox_url(team)).content.decode()
    assert "Theirs" not in outsider_page
