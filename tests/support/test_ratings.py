"""Satisfaction ratings: closing with a request (its text per channel, once however often it is
clicked), the buyer's answer recognised within 7 days and nothing else, a rating that reopens
nothing and that the bot and the helpdesk never see, and the panel and endpoint's tenancy."""

import json
from datetime import timedelta
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox import services as inbox_services
from inbox import shop_chat
from inbox.models import Conversation, Message, Send
from support import services
from support.models import RatingRequest
from tests.conftest import Team, client_for
from tests.factories import ShopConnectionFactory
from tests.factories.inbox_api import InboxConversationFactory, InboxMessageFactory
from tests.factories.support import RatingRequestFactory, ShopChatFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def chat(team: Team) -> Conversation:
    """A Shop chat Alice (the member) has, the buyer's question an hour old."""
    shop = ShopConnectionFactory(workspace=team.workspace)
    conversation = ShopChatFactory(connection=shop, assignee=team.member)
    InboxMessageFactory(
        conversation=conversation, text="Does it ship to Leeds?",
        sent_at=timezone.now() - timedelta(hours=1),
    )  # fmt: skip
    return conversation


def buyer_says(chat: Conversation, text: str, *, at: Any = None, message_id: str = "") -> str:
    """Webhook 14 from the buyer, handled as the drain would."""
    when = at or timezone.now()
    return shop_chat.shop_message_received(
        connection=chat.connection,
        data={
            "conversation_id": chat.external_id,
            "message_id": message_id or f"72232340792636{Message.unscoped.count():05d}",
            "type": "TEXT",
            "content": json.dumps({"content": text}),
            "create_time": int(when.timestamp()),
            "is_visible": True,
            "sender": {"im_user_id": "707885565181165594", "role": "BUYER"},
        },
    )


def url(team: Team, conversation: Conversation) -> str:
    return reverse(
        "support:close_with_rating",
        kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
    )


@pytest.mark.parametrize(
    ("text", "rating"),
    [
        ("5", 5), (" 4 ", 4), ("1", 1), ("4/5", 4), ("5 😀", 5), ("3!", 3), ("5 stars", 5),
        ("😀", 5), ("🙁", 2), ("😀 Great", 5), ("😐 ok", 3), ("😞 Poor", 1),
        ("0", None), ("6", None), ("55", None), ("5 stars but slow shipping", None),
        ("order 5 please", None), ("", None), ("thanks!", None), ("2 more questions", None),
    ],
)  # fmt: skip
def test_what_reads_as_a_rating(text: str, rating: int | None) -> None:
    assert services.rating_in(text) == rating


def test_closing_with_a_rating_sends_the_shop_request_and_closes(
    chat: Conversation, team: Team
) -> None:
    response = client_for(team.member).post(url(team, chat))

    assert response.status_code == 302
    chat.refresh_from_db()
    assert chat.state == "closed"
    [send] = Send.objects.for_workspace(team.workspace)
    assert (send.door, send.text, send.author, send.payload) == (
        "shop_chat", services.SHOP_REQUEST, team.member, {"csat_request": True},
    )  # fmt: skip
    assert "Reply with a number from 1 to 5" in send.text
    assert "5 😀 great" in send.text
    request = RatingRequest.objects.for_workspace(team.workspace).get()
    question = Message.objects.for_workspace(team.workspace).get(direction="in")
    assert (request.requested_by, request.rating, request.connection) == (
        team.member, None, chat.connection,
    )  # fmt: skip
    assert request.session_started_at == question.sent_at
    assert request.message == Message.objects.for_workspace(team.workspace).get(send=send)
    notes = list(
        Message.objects.for_workspace(team.workspace)
        .filter(kind="system")
        .order_by("id")
        .values_list("text", flat=True)
    )
    assert notes == [
        f"{team.member.label} closed the conversation.",
        f"{team.member.label} asked the buyer to rate the conversation from 1 to 5.",
    ]


def test_in_a_tiktok_dm_the_request_is_one_tap_on_a_button(team: Team) -> None:
    dm = InboxConversationFactory(
        connection__workspace=team.workspace, window_open=True, state="human"
    )

    services.conversation_close_with_rating(conversation=dm, actor=team.owner)

    send = Send.objects.for_workspace(team.workspace).get()
    assert (send.door, send.text) == ("window", services.DM_REQUEST)
    assert send.payload == {"csat_request": True, "buttons": ["😀 Great", "😐 OK", "😞 Poor"]}
    assert all(len(b) <= 20 for b in send.payload["buttons"])  # TikTok's button limit


def test_a_double_submit_sends_one_request(chat: Conversation, team: Team) -> None:
    client = client_for(team.member)

    first = client.post(url(team, chat), follow=True)
    second = client.post(url(team, chat), follow=True)

    assert Send.objects.for_workspace(team.workspace).count() == 1
    assert RatingRequest.objects.for_workspace(team.workspace).count() == 1
    assert "the buyer has been asked to rate" in first.content.decode()
    assert "the buyer has been asked to rate" in second.content.decode()
    with pytest.raises(services.AlreadyAsked):
        services.conversation_close_with_rating(conversation=chat, actor=team.owner)


def test_a_channel_that_cannot_carry_it_refuses_and_changes_nothing(team: Team) -> None:
    dm = InboxConversationFactory(
        connection__workspace=team.workspace, state="human",
        last_inbound_at=timezone.now() - timedelta(hours=49),
    )  # fmt: skip

    response = client_for(team.member).post(url(team, dm), follow=True)

    assert "No rating request can be sent" in response.content.decode()
    dm.refresh_from_db()
    assert dm.state == "human"
    assert not Send.objects.for_workspace(team.workspace).exists()
    assert not RatingRequest.objects.for_workspace(team.workspace).exists()
    assert not Message.objects.for_workspace(team.workspace).filter(kind="system").exists()


def test_the_buyers_5_is_the_rating_and_reopens_nothing(chat: Conversation, team: Team) -> None:
    services.conversation_close_with_rating(conversation=chat, actor=team.member)

    outcome = buyer_says(chat, "5")

    assert outcome == "message stored"
    request = RatingRequest.objects.for_workspace(team.workspace).get()
    answer = Message.objects.for_workspace(team.workspace).filter(direction="in").last()
    assert (request.rating, request.answer, request.rated_at) == (5, answer, answer.sent_at)
    assert answer.payload["csat_rating"] == 5
    chat.refresh_from_db()
    assert (chat.state, chat.last_inbound_at) == ("closed", answer.sent_at)
    note = Message.objects.for_workspace(team.workspace).filter(kind="system").last()
    assert note.text == "The buyer rated the conversation 5 of 5 😀."

    # A second "5" is a message like any other: it reopens the chat for a person.
    buyer_says(chat, "5")
    chat.refresh_from_db()
    assert chat.state == "human"
    assert RatingRequest.objects.for_workspace(team.workspace).get().answer == answer


def test_a_question_after_the_request_is_a_question_and_the_rating_may_follow(
    chat: Conversation, team: Team
) -> None:
    services.conversation_close_with_rating(conversation=chat, actor=team.member)

    buyer_says(chat, "wait, what about returns?")
    chat.refresh_from_db()
    assert chat.state == "human"
    assert RatingRequest.objects.for_workspace(team.workspace).get().rating is None

    buyer_says(chat, "4")
    assert RatingRequest.objects.for_workspace(team.workspace).get().rating == 4


def test_an_answer_after_seven_days_is_not_a_rating(chat: Conversation, team: Team) -> None:
    asked = timezone.now() - timedelta(days=7, minutes=1)
    RatingRequestFactory(conversation=chat, requested_at=asked, session_started_at=asked)
    Conversation.unscoped.filter(pk=chat.pk).update(state="closed")

    buyer_says(chat, "5")

    assert RatingRequest.objects.for_workspace(team.workspace).get().rating is None
    chat.refresh_from_db()
    assert chat.state == "human"  # a buyer writing again, for a person to read
    assert "csat_rating" not in Message.objects.for_workspace(team.workspace).last().payload


def test_an_answer_within_seven_days_is_one(chat: Conversation, team: Team) -> None:
    asked = timezone.now() - timedelta(days=6, hours=23)
    RatingRequestFactory(conversation=chat, requested_at=asked, session_started_at=asked)

    buyer_says(chat, "2")

    assert RatingRequest.objects.for_workspace(team.workspace).get().rating == 2


def test_a_dm_rating_by_button_neither_hands_off_nor_reaches_the_bot(team: Team) -> None:
    dm = InboxConversationFactory(
        connection__workspace=team.workspace, window_open=True, state="human",
        contact__external_id="viewer-1",
    )  # fmt: skip
    services.conversation_close_with_rating(conversation=dm, actor=team.owner)
    notes_before = Message.objects.for_workspace(team.workspace).filter(kind="system").count()

    outcome = inbox_services.message_record(
        connection=dm.connection,
        data={
            "conversation_id": dm.external_id, "message_id": "7450000000000000009",
            "timestamp": int(timezone.now().timestamp() * 1000), "type": "text",
            "text": {"body": "😐 OK"}, "from_user": {"id": "viewer-1"},
            "to_user": {"id": dm.connection.external_id},
        },
        inbound=True,
    )  # fmt: skip

    assert outcome == "message stored"
    assert RatingRequest.objects.for_workspace(team.workspace).get().rating == 3
    dm.refresh_from_db()
    assert (dm.state, dm.handoff_reason, dm.outbound_since_inbound) == ("closed", "", 0)
    notes = list(
        Message.objects.for_workspace(team.workspace)
        .filter(kind="system")
        .order_by("id")
        .values_list("text", flat=True)
    )
    # Only the rating's note: no "Handed to a person: a DM outside any flow".
    assert notes[notes_before:] == ["The buyer rated the conversation 3 of 5 😐."]


def test_the_panel_shows_the_rating_and_offers_closing_with_one(
    chat: Conversation, team: Team
) -> None:
    page = client_for(team.member).get(
        reverse(
            "inbox:conversation",
            kwargs={"workspace_id": team.workspace.public_id, "conversation_id": chat.pk},
        )
    )
    html = page.content.decode()
    assert "Close and ask for a rating" in html
    assert "data-submit-once" in html

    services.conversation_close_with_rating(conversation=chat, actor=team.member)
    buyer_says(chat, "4")
    page = client_for(team.member).get(
        reverse(
            "inbox:conversation",
            kwargs={"workspace_id": team.workspace.public_id, "conversation_id": chat.pk},
        )
    )
    html = page.content.decode()
    assert "Rated 4 of 5 🙂" in html
    assert "The buyer rated the conversation 4 of 5 🙂." in html
    assert "Close and ask for a rating" not in html


@pytest.mark.parametrize(
    ("role", "status"),
    [("anonymous", 302), ("outsider", 404), ("member", 302), ("owner", 302)],
)
def test_who_may_close_with_a_rating(
    chat: Conversation, team: Team, role: str, status: int
) -> None:
    response = client_for(team.user(role)).post(url(team, chat))

    assert response.status_code == status
    chat.refresh_from_db()
    asked = RatingRequest.objects.for_workspace(team.workspace).exists()
    if role in ("anonymous", "outsider"):
        assert chat.state == "human"
        assert not asked
        assert not Send.objects.for_workspace(team.workspace).exists()
        if role == "anonymous":
            assert response["Location"].startswith("/accounts/login/")
    else:
        assert (chat.state, asked) == ("closed", True)


def test_a_conversation_of_another_workspace_is_a_404(chat: Conversation, team: Team) -> None:
    theirs = ShopChatFactory(connection__workspace=team.other_workspace)

    response = client_for(team.member).post(url(team, theirs))

    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == "human"
    assert not RatingRequest.objects.for_workspace(team.other_workspace).exists()
    assert not Send.objects.for_workspace(team.other_workspace).exists()


def test_get_is_not_allowed(chat: Conversation, team: Team) -> None:
    assert client_for(team.member).get(url(team, chat)).status_code == 405
    assert not RatingRequest.objects.for_workspace(team.workspace).exists()
