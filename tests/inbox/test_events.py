"""Comment and DM webhooks replayed through the real receiver and drain into the inbox."""

from typing import Any

import pytest
from django.test import Client

from inbox.models import Comment, Contact, Conversation, Message
from integrations.models import Post
from integrations.webhooks import ingest
from tests.factories import ConnectionFactory
from tests.integrations.test_webhooks import fixture, post, tiktok_headers

pytestmark = pytest.mark.django_db

BUSINESS_ID = "7301234567890123456"
VIEWER = "9f2c4b7e1a0d4c3b8e5f6a7b8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f70819"


@pytest.fixture
def connection() -> Any:
    return ConnectionFactory(external_id=BUSINESS_ID)


def deliver(client: Client, *names: str) -> None:
    for name in names:
        body = fixture(f"tiktok/{name}.json")
        assert post(client, "/webhooks/tiktok/", body, tiktok_headers(body)).status_code == 200
    ingest.events_drain()


def test_a_comment_makes_a_contact_and_a_comment(client: Client, connection: Any) -> None:
    video = Post.unscoped.create(
        workspace=connection.workspace, connection=connection, external_id="7448811122233344455",
        published_at="2026-11-20T10:00:00Z",
    )  # fmt: skip

    deliver(client, "comment_update", "comment_update", "comment_update")

    comment = Comment.objects.for_workspace(connection.workspace).get()
    assert (comment.external_id, comment.text, comment.status) == (
        "7449012345678901234",
        "PRICE?",
        "visible",
    )
    assert comment.post == video
    assert comment.contact.external_id == VIEWER
    assert Contact.objects.for_workspace(connection.workspace).count() == 1


def test_hiding_a_comment_changes_its_status(client: Client, connection: Any) -> None:
    deliver(client, "comment_update", "comment_hidden")

    assert Comment.objects.for_workspace(connection.workspace).get().status == "hidden"


def test_our_own_reply_is_not_someones_comment(client: Client, connection: Any) -> None:
    deliver(client, "own_reply")

    assert not Comment.objects.for_workspace(connection.workspace).exists()
    assert not Contact.objects.for_workspace(connection.workspace).exists()


@pytest.mark.parametrize(
    "order", [("high_intent_comment", "comment_update"), ("comment_update", "high_intent_comment")]
)
def test_the_high_intent_verdict_sticks_whichever_arrives_first(
    client: Client, connection: Any, order: tuple[str, str]
) -> None:
    deliver(client, *order)

    comment = Comment.objects.for_workspace(connection.workspace).get()
    assert comment.high_intent is True
    assert comment.text == "PRICE?"


def test_a_dm_opens_a_conversation_and_its_window(client: Client, connection: Any) -> None:
    deliver(client, "im_receive_msg")

    conversation = Conversation.objects.for_workspace(connection.workspace).get()
    assert conversation.contact.handle == "maya.beauty"
    assert conversation.last_inbound_at is not None
    assert conversation.outbound_since_inbound == 0
    [message] = Message.objects.for_workspace(connection.workspace).filter(direction="in")
    assert (message.direction, message.kind, message.text) == (
        "in",
        "text",
        "hi, how much is the serum?",
    )


def _messages(connection: Any) -> list[tuple[str, str, str]]:
    return list(
        Message.objects.for_workspace(connection.workspace)
        .exclude(kind="system")
        .values_list("direction", "source", "text")
    )


def test_the_echo_of_our_send_adds_nothing_but_a_reply_from_the_app_is_kept(
    client: Client, connection: Any
) -> None:
    from inbox import dm
    from inbox.models import Send

    deliver(client, "im_receive_msg")
    conversation = Conversation.objects.for_workspace(connection.workspace).get()
    send = dm.dm_queue(conversation=conversation, door="window", text="It's £24.99")
    # The worker died after TikTok took it and before it recorded TikTok's answer.
    Send.objects.for_workspace(connection.workspace).filter(pk=send.pk).update(state="sending")

    deliver(client, "im_send_msg_api", "im_send_msg_api", "im_send_msg_app")

    assert sorted(_messages(connection)) == [
        ("in", "", "hi, how much is the serum?"),
        ("out", "app", "Sent from my phone"),
        ("out", "bot", "It's £24.99"),
    ]
    send.refresh_from_db()
    assert (send.state, send.provider_id) == ("sent", "7450000000000000002")
    conversation.refresh_from_db()
    assert conversation.outbound_since_inbound == 2  # our reserved DM and the app's


def test_an_api_message_we_did_not_send_is_shown_once(client: Client, connection: Any) -> None:
    deliver(client, "im_receive_msg", "im_send_msg_api", "im_send_msg_api")

    assert _messages(connection) == [
        ("in", "", "hi, how much is the serum?"),
        ("out", "api", "It's £24.99"),
    ]


def test_events_of_one_workspace_never_touch_another(client: Client, connection: Any) -> None:
    other = ConnectionFactory()

    deliver(client, "comment_update", "im_receive_msg")

    assert Contact.objects.for_workspace(other.workspace).count() == 0
    assert Conversation.objects.for_workspace(other.workspace).count() == 0
    assert Contact.objects.for_workspace(connection.workspace).count() == 1


@pytest.mark.parametrize("names", [("comment_update",), ("high_intent_comment", "comment_update")])
def test_a_new_comment_is_evaluated_once_as_it_is_stored(
    client: Client, connection: Any, names: tuple[str, ...]
) -> None:
    from flows.models import Evaluation
    from tests.factories import TriggerFactory

    trigger = TriggerFactory(connection=connection, keywords=["price"])

    deliver(client, *names, "comment_update")

    [evaluation] = Evaluation.objects.for_workspace(connection.workspace)
    assert (evaluation.outcome, evaluation.trigger) == ("fired", trigger)
