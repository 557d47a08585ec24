"""How a run goes through its flow's blocks, decided in the database: DMs are queued as Send
rows (not sent here: nothing commits inside these tests), waits are wake times."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from flows import engine, runner
from flows.models import Flow, FlowVersion, Run
from flows.tasks import runs_wake
from inbox import services as inbox_services
from inbox.models import Contact, Conversation, Send
from tests.factories import CommentFactory, ConnectionFactory, ContactFactory, TriggerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection() -> Any:
    return ConnectionFactory()


@pytest.fixture
def contact(connection: Any) -> Contact:
    """Someone who wrote to the account a minute ago: the messaging window is open."""
    contact = ContactFactory(workspace=connection.workspace, handle="mali.skincare")
    Conversation.unscoped.create(
        workspace=connection.workspace, connection=connection, contact=contact,
        channel="tiktok_dm", external_id="0:1:abc", last_inbound_at=timezone.now(),
    )  # fmt: skip
    return contact


def publish(connection: Any, blocks: list[dict[str, Any]], flow: Flow | None = None) -> Flow:
    flow = flow or Flow.unscoped.create(workspace=connection.workspace, name="Flow")
    number = FlowVersion.unscoped.filter(flow=flow).count() + 1
    version = FlowVersion.unscoped.create(
        workspace=connection.workspace, flow=flow, number=number, blocks=blocks
    )
    flow.draft, flow.live_version = blocks, version
    flow.save()
    return flow


def fire(connection: Any, contact: Contact, blocks: list[dict[str, Any]]) -> Run:
    TriggerFactory(connection=connection, keywords=["price"], flow=publish(connection, blocks))
    comment = CommentFactory(connection=connection, contact=contact, text="price?")
    engine.comment_evaluate(comment=comment)
    return Run.objects.for_workspace(connection.workspace).get()


def texts(connection: Any) -> list[str]:
    return list(
        Send.objects.for_workspace(connection.workspace)
        .filter(kind="dm")
        .order_by("id")
        .values_list("text", flat=True)
    )


def reply(connection: Any, contact: Contact, text: str, n: int = 1) -> None:
    inbox_services.message_record(
        connection=connection,
        inbound=True,
        data={
            "conversation_id": "0:1:abc", "message_id": f"m{n}-{text}", "type": "text",
            "text": {"body": text}, "timestamp": int(timezone.now().timestamp() * 1000),
            "from": contact.handle, "from_user": {"id": contact.external_id},
            "message_tag": {"source": "APP"},
        },
    )  # fmt: skip


def test_a_wait_is_a_wake_time_and_the_beat_carries_on(connection: Any, contact: Contact) -> None:
    run = fire(connection, contact, [
        {"id": "a", "type": "message", "text": "Hello!"},
        {"id": "w", "type": "wait", "seconds": 600},
        {"id": "b", "type": "message", "text": "Still thinking about it?"},
    ])  # fmt: skip

    run.refresh_from_db()
    assert texts(connection) == ["Hello!"]
    assert run.state == "waiting_timer"
    assert timedelta(seconds=590) < run.wake_at - timezone.now() <= timedelta(seconds=600)

    runs_wake()  # not due yet
    assert texts(connection) == ["Hello!"]

    Run.unscoped.filter(pk=run.pk).update(wake_at=timezone.now() - timedelta(seconds=1))
    runs_wake()
    run.refresh_from_db()
    assert texts(connection) == ["Hello!", "Still thinking about it?"]
    assert run.state == "done"


def test_a_branch_follows_the_choice_and_a_tag_sticks(connection: Any, contact: Contact) -> None:
    fire(connection, contact, [
        {"id": "q", "type": "quick_replies", "text": "Skin type?", "field": "skin",
         "options": [{"label": "Dry"}, {"label": "Oily"}]},
        {"id": "br", "type": "branch", "field": "skin",
         "cases": [{"equals": "oily", "goto": "oily"}], "else_goto": "dry"},
        {"id": "dry", "type": "message", "text": "Try the cream.", "goto": "end"},
        {"id": "oily", "type": "tag", "tag": "oily-skin"},
        {"id": "gel", "type": "message", "text": "Try the gel."},
    ])  # fmt: skip

    reply(connection, contact, "oily")

    assert texts(connection) == ["Skin type?", "Try the gel."]
    contact.refresh_from_db()
    assert contact.tags == ["oily-skin"]
    assert contact.fields == {"skin": "Oily"}


def test_a_run_finishes_on_the_version_it_started_with(connection: Any, contact: Contact) -> None:
    run = fire(connection, contact, [
        {"id": "q", "type": "question", "text": "Your shade?", "field": "shade"},
        {"id": "a", "type": "message", "text": "Version one: {field:shade} it is."},
    ])  # fmt: skip
    publish(connection, [
        {"id": "q", "type": "question", "text": "Your shade?", "field": "shade"},
        {"id": "a", "type": "message", "text": "Version two."},
    ], flow=run.flow_version.flow)  # fmt: skip

    reply(connection, contact, "Ivory")

    assert texts(connection) == ["Your shade?", "Version one: Ivory it is."]


def test_the_window_cap_holds_the_rest_until_they_write(connection: Any, contact: Contact) -> None:
    blocks = [{"id": f"m{n}", "type": "message", "text": f"Tip {n}"} for n in range(12)]
    run = fire(connection, contact, blocks)

    run.refresh_from_db()
    assert texts(connection) == [f"Tip {n}" for n in range(10)]
    assert (run.state, run.position) == ("waiting_reply", "m10")

    reply(connection, contact, "more please")

    assert texts(connection)[10:] == ["Tip 10", "Tip 11"]


def test_taking_over_stops_the_bot_and_handing_back_resumes(
    connection: Any, contact: Contact
) -> None:
    from tests.factories import UserFactory

    teammate = UserFactory()
    run = fire(connection, contact, [
        {"id": "q", "type": "question", "text": "Your shade?", "field": "shade"},
        {"id": "a", "type": "message", "text": "Noted: {field:shade}."},
    ])  # fmt: skip
    conversation = Conversation.objects.for_workspace(connection.workspace).get()
    inbox_services.conversation_take(conversation=conversation, user=teammate)

    reply(connection, contact, "Ivory")
    assert texts(connection) == ["Your shade?"]  # a person has it

    inbox_services.conversation_hand_back(conversation=conversation, actor=teammate)
    run.refresh_from_db()
    assert run.state == "waiting_reply"  # the question still stands

    reply(connection, contact, "Porcelain", n=2)

    assert texts(connection) == ["Your shade?", "Noted: Porcelain."]


def test_runner_never_starts_twice_for_one_comment(connection: Any, contact: Contact) -> None:
    trigger = TriggerFactory(
        connection=connection,
        flow=publish(connection, [{"id": "a", "type": "message", "text": "Hi"}]),
    )
    comment = CommentFactory(connection=connection, contact=contact)

    assert runner.run_start(trigger=trigger, comment=comment) is not None
    assert runner.run_start(trigger=trigger, comment=comment) is None
    assert texts(connection) == ["Hi"]
