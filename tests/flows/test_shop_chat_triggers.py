"""Shop chat triggers over real HTTP both ways: a buyer writes in the emulator's TikTok Shop
chat, webhook 14 reaches the live server, a Shop chat trigger starts its flow there, and the
flow's messages reach the emulator's conversation, read back over the Customer Service API."""

import pytest

from flows.models import Flow, FlowVersion, Run, Trigger
from inbox import services as inbox_services
from inbox import shop_chat
from inbox.models import Contact, Conversation, Message, Send
from integrations.models import Connection, Sku
from tests.conftest import Team
from tests.emulator_process import Emulator
from tests.factories import TriggerFactory
from tests.flows.test_public_reply import wait_for
from tests.inbox.test_shop_chat_live import (
    _no_webhook_fails,
    all_sent,
    buyer,
    buyer_writes,
    echoes_handled,
    shop,
    shop_chat_of,
    shop_side,
)

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["_no_webhook_fails", "shop"]


def price_flow(shop: Connection, sku: Sku) -> Flow:
    blocks = [
        {"id": "hello", "type": "message", "text": "Hi! {name} is {price}.",
         "sku_id": sku.external_id},
        {"id": "skin", "type": "quick_replies", "text": "Which skin type?", "field": "skin",
         "options": [{"label": "Dry"}, {"label": "Oily"}]},
        {"id": "card", "type": "shop_link", "sku_id": sku.external_id, "text": "Here it is:"},
    ]  # fmt: skip
    flow = Flow.unscoped.create(workspace=shop.workspace, name="Price answers", draft=blocks)
    flow.live_version = FlowVersion.unscoped.create(
        workspace=shop.workspace, flow=flow, number=1, blocks=blocks
    )
    flow.save()
    return flow


@pytest.fixture
def trigger(shop: Connection) -> Trigger:
    sku = Sku.objects.for_workspace(shop.workspace).select_related("product").order_by("id")[0]
    return TriggerFactory(
        connection=shop, source="shop_chat", name="Price in chat", keywords=["price"],
        flow=price_flow(shop, sku),
    )  # fmt: skip


def bot_on(shop: Connection, team: Team) -> None:
    """The workspace lets the bot answer in this Shop's chat (off by default)."""
    inbox_services.shop_bot_set(connection=shop, enabled=True, actor=team.owner)


def handed_off(shop: Connection) -> Conversation:
    return wait_for(
        lambda: (
            Conversation.objects.for_workspace(shop.workspace)
            .filter(channel="shop_chat", state="human")
            .exclude(handoff_reason="")
            .first()
        )
    )


def test_a_keyword_in_a_buyers_message_starts_the_flow_in_shop_chat(
    shop: Connection, trigger: Trigger, emulator: Emulator, team: Team
) -> None:
    bot_on(shop, team)
    amelia = buyer(emulator, "amelia.rose")
    sku = Sku.objects.for_workspace(shop.workspace).select_related("product").order_by("id")[0]

    buyer_writes(emulator, amelia, text="What's the PRICE of the serum?")

    greeting, question = all_sent(team, 2)
    conversation = shop_chat_of(team)
    run = Run.objects.for_workspace(shop.workspace).get()
    message = Message.objects.for_workspace(shop.workspace).get(direction="in")
    assert (run.trigger, run.message, run.door, run.conversation) == (
        trigger, message, "shop_chat", conversation,
    )  # fmt: skip
    assert [s.door for s in (greeting, question)] == ["shop_chat", "shop_chat"]
    assert greeting.text == f"Hi! {sku.product.title} ({sku.name}) is £{sku.price}."
    assert question.text == "Which skin type?\n1. Dry\n2. Oily\nReply with a number."
    wait_for(lambda: Conversation.unscoped.get(pk=conversation.pk).state == "waiting" or None)
    notes = list(
        Message.objects.for_workspace(shop.workspace)
        .filter(kind="system")
        .values_list("text", flat=True)
    )
    assert "“Price in chat” matched the buyer's message: flow “Price answers” v1 answers." in notes

    buyer_writes(emulator, amelia, text="2")

    *_, intro, card = all_sent(team, 4)
    assert intro.text == "Here it is:"
    assert card.payload["product"]["product_id"] == sku.product.external_id
    run.refresh_from_db()
    assert run.state == "done"
    contact = Contact.objects.for_workspace(shop.workspace).get()
    assert contact.fields == {"skin": "Oily"}
    echoes_handled(team, 4)
    side = shop_side(shop, conversation.external_id)
    ours = side[1][0]
    assert [(role, kind) for role, kind, _ in side] == [
        ("BUYER", "TEXT"), (ours, "TEXT"), (ours, "TEXT"), ("BUYER", "TEXT"), (ours, "TEXT"),
        (ours, "PRODUCT_CARD"),
    ]  # fmt: skip
    assert ours != "BUYER"
    assert side[1][2]["content"] == greeting.text
    assert side[5][2]["product_id"] == sku.product.external_id

    # The same trigger never answers the same buyer twice in a day: a person does.
    buyer_writes(emulator, amelia, text="price for two?")

    conversation = handed_off(shop)
    assert conversation.handoff_reason == (
        "“Price in chat” already answered this buyer in the last 24 hours"
    )
    assert Run.objects.for_workspace(shop.workspace).count() == 1
    assert Send.objects.for_workspace(shop.workspace).count() == 4


def test_a_message_no_trigger_matches_goes_to_a_person(
    shop: Connection, trigger: Trigger, emulator: Emulator, team: Team
) -> None:
    bot_on(shop, team)

    buyer_writes(emulator, buyer(emulator, "olivia.grace"), text="Hello, is anyone there?")

    conversation = handed_off(shop)
    assert conversation.handoff_reason == (
        "a Shop chat message no trigger matched (the bot never improvises)"
    )
    assert not Run.objects.for_workspace(shop.workspace).exists()
    assert not Send.objects.for_workspace(shop.workspace).exists()


def test_with_the_bot_off_a_shop_chat_trigger_stays_quiet(
    shop: Connection, trigger: Trigger, emulator: Emulator
) -> None:
    buyer_writes(emulator, buyer(emulator, "olivia.grace"), text="price?")

    conversation = handed_off(shop)
    assert conversation.handoff_reason == shop_chat.NEW_CHAT_REASON
    assert not Run.objects.for_workspace(shop.workspace).exists()
    assert not Send.objects.for_workspace(shop.workspace).exists()
