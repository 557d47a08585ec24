"""The inbox API: listing and filtering, one conversation with its messages, the handoff
actions, replies through the messaging window, notes, contacts and saved replies, and the
OpenAPI schema that documents them. Other workspaces' rows are never visible or touchable."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatsparks.workspaces.models import Membership
from inbox import dm, selectors
from inbox.models import ActiveContact, Conversation, Message, Send
from tests.conftest import Team, client_for
from tests.factories import ContactFactory, MembershipFactory, ShopConnectionFactory
from tests.factories.inbox_api import (
    InboxConversationFactory,
    InboxMessageFactory,
    InboxSavedReplyFactory,
)

pytestmark = pytest.mark.django_db


def url(name: str, team_or_ws: Any, **kwargs: Any) -> str:
    workspace = getattr(team_or_ws, "workspace", team_or_ws)
    return reverse(name, kwargs={"workspace_id": workspace.public_id, **kwargs})


def conversation_url(name: str, conversation: Conversation, **kwargs: Any) -> str:
    return reverse(
        name,
        kwargs={
            "workspace_id": conversation.workspace.public_id,
            "conversation_id": conversation.pk,
            **kwargs,
        },
    )


def post(client: Client, path: str, data: dict[str, Any] | None = None) -> Any:
    return client.post(path, data=json.dumps(data or {}), content_type="application/json")


def ids(response: Any) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


def snapshot(workspace: Any) -> tuple[Any, ...]:
    """Everything an inbox action could change in one workspace."""
    return (
        list(Conversation.objects.for_workspace(workspace).order_by("pk").values()),
        list(Message.objects.for_workspace(workspace).order_by("pk").values()),
        list(Send.objects.for_workspace(workspace).order_by("pk").values()),
        list(ActiveContact.objects.for_workspace(workspace).order_by("pk").values()),
    )


def conversation_in(team: Team, **extra: Any) -> Conversation:
    conversation: Conversation = InboxConversationFactory(
        connection__workspace=team.workspace, **extra
    )
    return conversation


# -- listing -----------------------------------------------------------------------------------


def test_the_list_shows_each_conversation_with_exactly_its_fields(team: Team) -> None:
    inbound_at = timezone.now() - timedelta(hours=2)
    conversation = conversation_in(
        team,
        contact__handle="maya.beauty",
        contact__display_name="Maya",
        contact__avatar_url="https://p16.tiktokcdn.com/maya.jpeg",
        contact__tags=["vip"],
        state=Conversation.State.HUMAN,
        assignee=team.member,
        handoff_reason="they asked for a refund",
        trigger_id=7,
        trigger_name="Price",
        last_inbound_at=inbound_at,
    )

    response = client_for(team.member).get(url("api-inbox-conversations", team))

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"] == [
        {
            "id": conversation.pk,
            "contact": {
                "id": conversation.contact_id,
                "handle": "maya.beauty",
                "display_name": "Maya",
                "avatar_url": "https://p16.tiktokcdn.com/maya.jpeg",
                "tags": ["vip"],
            },
            "channel": "tiktok_dm",
            "state": "human",
            "assignee": {
                "id": team.member.pk,
                "email": team.member.email,
                "name": team.member.label,
            },
            "handoff_reason": "they asked for a refund",
            "trigger": {"id": 7, "name": "Price"},
            "last_message_at": body["results"][0]["last_message_at"],
            "window_ends_at": (inbound_at + dm.WINDOW).isoformat().replace("+00:00", "Z"),
            "can_reply": True,
            "last_message": None,
        }
    ]


def test_each_row_carries_its_last_message_but_not_a_system_note(team: Team) -> None:
    conversation = conversation_in(team)
    InboxMessageFactory(conversation=conversation, text="first")
    said = InboxMessageFactory(conversation=conversation, text="price?")
    InboxMessageFactory(conversation=conversation, direction="internal", kind="system", text="x")

    row = client_for(team.member).get(url("api-inbox-conversations", team)).json()["results"][0]

    assert row["last_message"] == {
        "text": "price?",
        "kind": "text",
        "direction": "in",
        "sent_at": said.sent_at.isoformat().replace("+00:00", "Z"),
    }


def test_search_finds_a_handle_or_what_was_said(team: Team) -> None:
    by_handle = conversation_in(team, contact__handle="maya.beauty")
    by_words = conversation_in(team)
    InboxMessageFactory(conversation=by_words, text="Is the MAYA serum in stock?")
    conversation_in(team)
    client = client_for(team.member)

    found = ids(client.get(url("api-inbox-conversations", team) + "?q=maya"))

    assert sorted(found) == sorted([by_handle.pk, by_words.pk])


def test_the_list_is_newest_activity_first_open_only_and_never_another_workspaces(
    team: Team,
) -> None:
    now = timezone.now()
    older = conversation_in(team, last_message_at=now - timedelta(hours=3))
    newer = conversation_in(team, last_message_at=now - timedelta(minutes=1))
    silent = conversation_in(team, last_message_at=None)
    conversation_in(team, state=Conversation.State.CLOSED)
    InboxConversationFactory(connection__workspace=team.other_workspace)

    response = client_for(team.member).get(url("api-inbox-conversations", team))

    assert ids(response) == [newer.pk, older.pk, silent.pk]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=closed", ["closed"]),
        ("state=waiting", ["waiting"]),
        ("mine=true", ["mine"]),
        ("unassigned=true", ["unassigned"]),
        ("tag=vip", ["vip"]),
        ("trigger=42", ["triggered"]),
        ("mine=true&tag=vip", []),
        ("", ["bot", "mine", "unassigned", "theirs", "vip", "triggered", "waiting"]),
    ],
)
def test_filters(team: Team, query: str, expected: list[str]) -> None:
    made = {
        "bot": conversation_in(team),
        "mine": conversation_in(team, state="human", assignee=team.member),
        "unassigned": conversation_in(team, state="human"),
        "theirs": conversation_in(team, state="human", assignee=team.owner),
        "vip": conversation_in(team, contact__tags=["vip", "repeat"]),
        "triggered": conversation_in(team, trigger_id=42, trigger_name="Price"),
        "waiting": conversation_in(team, state="waiting"),
        "closed": conversation_in(team, state="closed"),
    }
    names = {c.pk: name for name, c in made.items()}

    response = client_for(team.member).get(url("api-inbox-conversations", team) + "?" + query)

    assert response.status_code == 200
    assert sorted(names[pk] for pk in ids(response)) == sorted(expected)


def test_an_unknown_filter_value_is_a_400(team: Team) -> None:
    response = client_for(team.member).get(url("api-inbox-conversations", team) + "?state=spam")

    assert response.status_code == 400
    assert list(response.json()) == ["state"]


def test_the_list_is_paginated_by_fifty(team: Team) -> None:
    for _ in range(51):
        conversation_in(team)
    client = client_for(team.member)

    first = client.get(url("api-inbox-conversations", team)).json()
    second = client.get(first["next"]).json()

    assert (first["count"], len(first["results"]), len(second["results"])) == (51, 50, 1)
    assert {r["id"] for r in first["results"]}.isdisjoint(r["id"] for r in second["results"])


# -- one conversation --------------------------------------------------------------------------


def test_a_conversation_comes_with_its_messages_and_their_delivery(team: Team) -> None:
    conversation = conversation_in(team, window_open=True)
    asked = InboxMessageFactory(conversation=conversation, text="price?")
    send = Send.objects.create(
        workspace=team.workspace,
        connection=conversation.connection,
        kind=Send.Kind.DM,
        conversation=conversation,
        door="window",
        text="It's £12",
        author=team.member,
        state=Send.State.FAILED,
        error="TikTok refused: the window closed",
    )
    answered = InboxMessageFactory(
        conversation=conversation,
        direction="out",
        text="It's £12",
        author=team.member,
        source="teammate",
        send=send,
    )
    note = InboxMessageFactory(
        conversation=conversation,
        direction="internal",
        kind="note",
        text="@owner can we discount?",
        author=team.member,
        mentions=[team.owner.pk],
    )

    response = client_for(team.admin).get(conversation_url("api-inbox-conversation", conversation))

    assert response.status_code == 200
    messages = response.json()["messages"]
    assert [m["id"] for m in messages] == [asked.pk, answered.pk, note.pk]
    author = {"id": team.member.pk, "email": team.member.email, "name": team.member.label}
    assert messages[0] == {
        "id": asked.pk,
        "direction": "in",
        "kind": "text",
        "text": "price?",
        "payload": {},
        "author": None,
        "source": "",
        "mentions": [],
        "sent_at": messages[0]["sent_at"],
        "delivery_state": None,
        "delivery_error": None,
    }
    assert (messages[1]["author"], messages[1]["source"]) == (author, "teammate")
    assert (messages[1]["delivery_state"], messages[1]["delivery_error"]) == (
        "failed",
        "TikTok refused: the window closed",
    )
    assert (messages[2]["kind"], messages[2]["mentions"]) == ("note", [team.owner.pk])


def test_no_token_or_account_detail_leaves_through_the_api(team: Team) -> None:
    conversation = conversation_in(team)
    InboxMessageFactory(conversation=conversation)
    client = client_for(team.member)

    bodies = [
        client.get(url("api-inbox-conversations", team)).content,
        client.get(conversation_url("api-inbox-conversation", conversation)).content,
        client.get(url("api-inbox-contacts", team)).content,
    ]

    for body in bodies:
        assert b"example-access-token" not in body
        assert b"example-refresh-token" not in body
        assert conversation.connection.external_id.encode() not in body
        assert conversation.contact.external_id.encode() not in body


# -- other workspaces --------------------------------------------------------------------------

_CONVERSATION_ENDPOINTS = [
    ("get", "api-inbox-conversation", None),
    ("post", "api-inbox-conversation-take", None),
    ("post", "api-inbox-conversation-hand-back", None),
    ("post", "api-inbox-conversation-close", None),
    ("post", "api-inbox-conversation-assign", "member"),
    ("post", "api-inbox-conversation-reply", {"text": "hi"}),
    ("post", "api-inbox-conversation-notes", {"text": "hi"}),
]


def _payload(team: Team, data: Any) -> dict[str, Any]:
    if data == "member":
        return {"user_id": team.member.pk}
    return dict(data or {})


@pytest.mark.parametrize(("method", "name", "data"), _CONVERSATION_ENDPOINTS)
def test_another_workspaces_conversation_id_is_a_404_and_nothing_changes(
    team: Team, method: str, name: str, data: Any
) -> None:
    foreign = InboxConversationFactory(connection__workspace=team.other_workspace, window_open=True)
    path = reverse(
        name, kwargs={"workspace_id": team.workspace.public_id, "conversation_id": foreign.pk}
    )
    before = snapshot(team.other_workspace)

    client = client_for(team.owner)
    response = client.get(path) if method == "get" else post(client, path, _payload(team, data))

    assert response.status_code == 404
    assert response.json() == {"detail": "No such conversation."}
    assert snapshot(team.other_workspace) == before


@pytest.mark.parametrize(("method", "name", "data"), _CONVERSATION_ENDPOINTS)
def test_an_outsider_gets_404_for_our_conversations_even_through_their_own_workspace(
    team: Team, method: str, name: str, data: Any
) -> None:
    ours = conversation_in(team, window_open=True)
    client = client_for(team.outsider)
    before = snapshot(team.workspace)

    for workspace in (team.workspace, team.other_workspace):
        path = reverse(
            name, kwargs={"workspace_id": workspace.public_id, "conversation_id": ours.pk}
        )
        response = client.get(path) if method == "get" else post(client, path, {"text": "hi"})
        assert response.status_code == 404

    assert snapshot(team.workspace) == before


def test_the_outsiders_list_is_their_own_workspace_only(team: Team) -> None:
    conversation_in(team)
    theirs = InboxConversationFactory(connection__workspace=team.other_workspace)
    client = client_for(team.outsider)

    assert ids(client.get(url("api-inbox-conversations", team.other_workspace))) == [theirs.pk]
    assert client.get(url("api-inbox-conversations", team)).status_code == 404


def test_anonymous_callers_are_refused(team: Team) -> None:
    conversation = conversation_in(team)

    assert Client().get(url("api-inbox-conversations", team)).status_code == 403
    assert (
        post(Client(), conversation_url("api-inbox-conversation-take", conversation)).status_code
        == 403
    )


# -- handoff actions ---------------------------------------------------------------------------


def system_notes(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation, kind=Message.Kind.SYSTEM)
        .values_list("text", flat=True)
    )


def test_take_is_safe_to_double_click(team: Team) -> None:
    conversation = conversation_in(team)
    client = client_for(team.member)
    path = conversation_url("api-inbox-conversation-take", conversation)

    first = post(client, path)
    second = post(client, path)

    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert (second.json()["state"], second.json()["assignee"]["id"]) == ("human", team.member.pk)
    assert system_notes(conversation) == [f"{team.member.label} took over."]


def test_taking_someone_elses_conversation_moves_it_to_the_caller(team: Team) -> None:
    conversation = conversation_in(team, state="human", assignee=team.owner)

    response = post(
        client_for(team.member), conversation_url("api-inbox-conversation-take", conversation)
    )

    assert response.json()["assignee"]["id"] == team.member.pk


@pytest.mark.parametrize("by", ["membership_id", "user_id"])
def test_assign_to_a_member_by_membership_or_user_id(team: Team, by: str) -> None:
    conversation = conversation_in(team)
    teammate: Membership = team.teammate
    value = teammate.pk if by == "membership_id" else teammate.user_id

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-assign", conversation),
        {by: value},
    )

    assert response.status_code == 200
    assert (response.json()["state"], response.json()["assignee"]["id"]) == (
        "human",
        teammate.user_id,
    )
    assert system_notes(conversation) == [
        f"{team.member.label} assigned it to {teammate.user.label}."
    ]


@pytest.mark.parametrize(
    "payload",
    [
        "outsider_user",
        "outsider_membership",
        "unknown_user",
        "both",
        "neither",
    ],
)
def test_assign_refuses_anyone_outside_the_workspace_and_changes_nothing(
    team: Team, payload: str
) -> None:
    conversation = conversation_in(team)
    outsider_membership = Membership.objects.for_workspace(team.other_workspace).get()
    data = {
        "outsider_user": {"user_id": team.outsider.pk},
        "outsider_membership": {"membership_id": outsider_membership.pk},
        "unknown_user": {"user_id": 999_999},
        "both": {"user_id": team.member.pk, "membership_id": team.teammate.pk},
        "neither": {},
    }[payload]
    before = snapshot(team.workspace)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-assign", conversation),
        data,
    )

    assert response.status_code == 400
    assert snapshot(team.workspace) == before


def test_assign_says_the_same_for_a_stranger_and_for_no_one(team: Team) -> None:
    conversation = conversation_in(team)
    client = client_for(team.member)
    path = conversation_url("api-inbox-conversation-assign", conversation)

    stranger = post(client, path, {"user_id": team.outsider.pk})
    nobody = post(client, path, {"user_id": 999_999})

    assert stranger.json() == nobody.json() == {"assignee": ["No such member in this workspace."]}


def test_hand_back_and_close_and_repeating_them_changes_nothing(team: Team) -> None:
    conversation = conversation_in(team, state="human", assignee=team.member)
    client = client_for(team.member)
    hand_back = conversation_url("api-inbox-conversation-hand-back", conversation)
    close = conversation_url("api-inbox-conversation-close", conversation)

    handed = [post(client, hand_back), post(client, hand_back)]
    closed = [post(client, close), post(client, close)]

    assert [r.status_code for r in handed + closed] == [200, 200, 200, 200]
    assert (handed[1].json()["state"], handed[1].json()["assignee"]) == ("bot", None)
    assert closed[1].json()["state"] == "closed"
    assert system_notes(conversation) == [
        f"{team.member.label} handed the conversation back to the bot.",
        f"{team.member.label} closed the conversation.",
    ]


def test_an_action_refuses_a_method_it_does_not_declare(team: Team) -> None:
    conversation = conversation_in(team)

    response = client_for(team.member).get(
        conversation_url("api-inbox-conversation-take", conversation)
    )

    assert response.status_code == 403  # no role may GET it: the method is not declared


# -- replies -----------------------------------------------------------------------------------


def test_a_reply_into_an_open_window_is_queued_and_the_teammate_takes_over(team: Team) -> None:
    conversation = conversation_in(team, window_open=True)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": "  It's £12, shall I send the link?  "},
    )

    assert response.status_code == 201
    send = Send.objects.for_workspace(team.workspace).get()
    message = Message.objects.for_workspace(team.workspace).get(direction="out")
    assert (send.kind, send.door, send.state, send.text, send.author_id) == (
        "dm",
        "window",
        "pending",
        "It's £12, shall I send the link?",
        team.member.pk,
    )
    assert (message.send_id, message.author_id, message.source, message.text) == (
        send.pk,
        team.member.pk,
        "teammate",
        "It's £12, shall I send the link?",
    )
    body = response.json()
    assert (body["id"], body["delivery_state"], body["author"]["id"]) == (
        message.pk,
        "pending",
        team.member.pk,
    )
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id, conversation.outbound_since_inbound) == (
        "human",
        team.member.pk,
        1,
    )
    assert system_notes(conversation) == [
        f"{team.member.label} replied and took over: the bot stops here."
    ]
    assert list(
        ActiveContact.objects.for_workspace(team.workspace).values_list("contact_id", flat=True)
    ) == [conversation.contact_id]


def test_a_reply_leaves_a_conversation_with_its_teammate(team: Team) -> None:
    conversation = conversation_in(team, window_open=True, state="human", assignee=team.owner)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": "Covering for the owner"},
    )

    assert response.status_code == 201
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee_id) == ("human", team.owner.pk)
    assert system_notes(conversation) == []


@pytest.mark.parametrize(
    ("window", "detail"),
    [
        ({"last_inbound_at": None}, selectors.WINDOW_NEVER_OPENED),
        ({"last_inbound_at": timezone.now() - timedelta(hours=49)}, selectors.WINDOW_CLOSED),
        ({"window_open": True, "outbound_since_inbound": 10}, selectors.WINDOW_FULL),
    ],
    ids=["never-wrote", "expired", "cap-used"],
)
def test_a_reply_with_the_window_closed_is_a_409_and_nothing_is_queued(
    team: Team, window: dict[str, Any], detail: str
) -> None:
    conversation = conversation_in(team, **window)
    before = snapshot(team.workspace)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": "hello?"},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": detail}
    assert snapshot(team.workspace) == before
    shown = client_for(team.member).get(conversation_url("api-inbox-conversation", conversation))
    assert shown.json()["can_reply"] is False


@pytest.mark.parametrize(("text", "status"), [("x" * 6000, 201), ("x" * 6001, 400), ("   ", 400)])
def test_reply_length_in_a_tiktok_dm(team: Team, text: str, status: int) -> None:
    conversation = conversation_in(team, window_open=True)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": text},
    )

    assert response.status_code == status
    assert Send.objects.for_workspace(team.workspace).count() == (1 if status == 201 else 0)


def shop_conversation(team: Team, buyer_id: str) -> Conversation:
    shop = ShopConnectionFactory(workspace=team.workspace)
    contact = ContactFactory(workspace=team.workspace, shop_buyer_id=buyer_id)
    conversation: Conversation = InboxConversationFactory(
        connection=shop, contact=contact, channel="shop_chat", external_id=""
    )
    return conversation


@pytest.mark.parametrize(("text", "status"), [("x" * 2000, 201), ("x" * 2001, 400)])
def test_shop_chat_replies_go_through_shop_chat_up_to_2000_characters(
    team: Team, text: str, status: int
) -> None:
    conversation = shop_conversation(team, buyer_id="7494049642642441621")

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": text},
    )

    assert response.status_code == status
    doors = list(Send.objects.for_workspace(team.workspace).values_list("door", flat=True))
    assert doors == (["shop_chat"] if status == 201 else [])
    shown = client_for(team.member).get(conversation_url("api-inbox-conversation", conversation))
    assert (shown.json()["can_reply"], shown.json()["window_ends_at"]) == (True, None)


def test_a_shop_chat_without_a_buyer_or_thread_is_a_409(team: Team) -> None:
    conversation = shop_conversation(team, buyer_id="")

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-reply", conversation),
        {"text": "hello"},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": selectors.SHOP_CHAT_NOT_OPEN}
    assert not Send.objects.for_workspace(team.workspace).exists()


# -- notes -------------------------------------------------------------------------------------


def test_a_note_with_mentions_is_internal_and_goes_nowhere(team: Team) -> None:
    conversation = conversation_in(team, window_open=True)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-notes", conversation),
        {"text": "@owner discount?", "mentions": [team.owner.pk, team.admin.pk, team.owner.pk]},
    )

    assert response.status_code == 201
    note = Message.objects.for_workspace(team.workspace).get()
    assert (note.direction, note.kind, note.text, note.author_id, note.mentions) == (
        "internal",
        "note",
        "@owner discount?",
        team.member.pk,
        sorted([team.owner.pk, team.admin.pk]),
    )
    assert response.json()["id"] == note.pk
    assert not Send.objects.for_workspace(team.workspace).exists()


def test_a_note_mentioning_someone_outside_the_workspace_is_refused(team: Team) -> None:
    conversation = conversation_in(team)
    before = snapshot(team.workspace)

    response = post(
        client_for(team.member),
        conversation_url("api-inbox-conversation-notes", conversation),
        {"text": "@rival look", "mentions": [team.owner.pk, team.outsider.pk]},
    )

    assert response.status_code == 400
    assert response.json() == {"mentions": [f"Not members of this workspace: {team.outsider.pk}."]}
    assert snapshot(team.workspace) == before


# -- contacts and saved replies ----------------------------------------------------------------


def test_contacts_are_this_workspaces_only_and_show_no_ids_of_tiktok(team: Team) -> None:
    ours = ContactFactory(workspace=team.workspace, handle="linh.nguyen", tags=["vip"])
    ContactFactory(workspace=team.other_workspace, handle="rival.fan")

    response = client_for(team.member).get(url("api-inbox-contacts", team))

    assert response.json()["results"] == [
        {
            "id": ours.pk,
            "handle": "linh.nguyen",
            "display_name": "",
            "avatar_url": "",
            "tags": ["vip"],
            "first_seen_at": response.json()["results"][0]["first_seen_at"],
            "last_seen_at": response.json()["results"][0]["last_seen_at"],
        }
    ]


def test_saved_replies_are_listed_by_shortcut_and_searched(team: Team) -> None:
    price = InboxSavedReplyFactory(workspace=team.workspace, shortcut="price", text="£12")
    shipping = InboxSavedReplyFactory(workspace=team.workspace, shortcut="shipping", text="2 days")
    InboxSavedReplyFactory(workspace=team.other_workspace, shortcut="pricing")
    client = client_for(team.member)

    everything = client.get(url("api-inbox-saved-replies", team)).json()["results"]
    searched = client.get(url("api-inbox-saved-replies", team) + "?q=pri").json()["results"]

    assert everything == [
        {"id": price.pk, "shortcut": "price", "text": "£12"},
        {"id": shipping.pk, "shortcut": "shipping", "text": "2 days"},
    ]
    assert [r["id"] for r in searched] == [price.pk]


# -- schema ------------------------------------------------------------------------------------


def test_the_schema_documents_every_inbox_endpoint(client: Client) -> None:
    response = client.get(reverse("api-schema") + "?format=json")

    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    base = "/api/v1/w/{workspace_id}/inbox/"
    one = base + "conversations/{conversation_id}/"
    assert {p for p in paths if p.startswith(base)} == {
        base + "conversations/",
        one,
        one + "take/",
        one + "assign/",
        one + "hand-back/",
        one + "close/",
        one + "reply/",
        one + "notes/",
        base + "contacts/",
        base + "saved-replies/",
        base + "routing-rules/",
    }
    assert set(paths[one + "reply/"]["post"]["responses"]) == {"201", "400", "404", "409"}
    assert {p["name"] for p in paths[base + "conversations/"]["get"]["parameters"]} == {
        "workspace_id",
        "page",
        "state",
        "mine",
        "unassigned",
        "tag",
        "trigger",
        "q",
    }


def test_a_second_member_of_the_workspace_sees_the_same_inbox(team: Team) -> None:
    conversation = conversation_in(team)
    late = MembershipFactory(workspace=team.workspace).user

    assert ids(client_for(late).get(url("api-inbox-conversations", team))) == [conversation.pk]
