"""Routing rules over real HTTP: a buyer writes in the emulator's TikTok Shop chat, or a
viewer DMs the emulator's TikTok account; its webhook reaches the live server, and the rule
has tagged and assigned the conversation, with its note in the thread and on the page,
before anything else answers. Delivered twice, or read again by the chat sync, it is routed
once."""

import pytest
from django.urls import reverse

from inbox import shop_chat
from inbox.models import Conversation, Message, RoutingApplication
from integrations.models import Connection
from tests.conftest import Team, client_for
from tests.emulator_process import Emulator
from tests.factories.routing import RoutingRuleFactory
from tests.flows.test_public_reply import account, wait_for
from tests.inbox.test_shop_chat_live import buyer, buyer_writes, shop, shop_chat_of
from tests.inbox.test_views import visible

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["account", "shop"]


def routing_notes(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation, kind="system", text__startswith="Routing rule")
        .order_by("id")
        .values_list("text", flat=True)
    )


def page_text(team: Team, conversation: Conversation) -> str:
    page = reverse(
        "inbox:conversation",
        kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
    )
    return visible(client_for(team.member).get(page))


def test_a_shop_buyers_refund_request_is_tagged_and_assigned(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    ana = team.teammate.user
    ana.display_name = "Ana"
    ana.save()
    RoutingRuleFactory(
        workspace=team.workspace, name="Refunds to Ana", connections=[shop],
        keywords=["refund"], add_tag="refund", assignee=ana,
    )  # fmt: skip
    RoutingRuleFactory(
        workspace=team.workspace, name="Quiet rule", keywords=["invoice"], add_tag="invoice"
    )
    amelia = buyer(emulator, "amelia.rose")

    buyer_writes(emulator, amelia, text="Hi, I'd like a REFUND for my serum")

    conversation = shop_chat_of(team)
    notes = wait_for(lambda: routing_notes(conversation))
    assert notes == ["Routing rule “Refunds to Ana”: tagged refund, assigned to Ana"]
    conversation.refresh_from_db()
    conversation.contact.refresh_from_db()
    assert (conversation.assignee, conversation.state) == (ana, "human")
    assert conversation.contact.tags == ["refund"]
    text = page_text(team, conversation)
    assert "Routing rule “Refunds to Ana”: tagged refund, assigned to Ana" in text
    assert "Routed by Refunds to Ana tagged refund, assigned to Ana" in text

    # The chat sync reads the same message again from TikTok Shop: it is not routed twice.
    shop_chat.shop_chat_sync(connection=shop)
    assert routing_notes(conversation) == notes
    assert RoutingApplication.objects.for_workspace(team.workspace).count() == 1


def test_a_dm_delivered_twice_is_routed_once(
    account: Connection, emulator: Emulator, team: Team
) -> None:
    RoutingRuleFactory(
        workspace=team.workspace, name="Wholesale", connections=[account],
        keywords=["wholesale"], add_tag="b2b", field_name="segment", field_value="wholesale",
        assignee=team.member,
    )  # fmt: skip
    emulator.control("/webhooks/duplicate", {"count": 1})

    emulator.control("/business/messages", {"viewer": "mali.skincare", "text": "Wholesale price?"})

    conversation = wait_for(
        lambda: (
            Conversation.objects.for_workspace(team.workspace).filter(channel="tiktok_dm").first()
        )
    )
    notes = wait_for(lambda: routing_notes(conversation))
    # Both copies of the DM webhook reached the server (the second is the same event again).
    wait_for(
        lambda: (
            len(rows := [d for d in emulator.state()["webhooks"] if d["event"] == "im_receive_msg"])
            == 2
            and all(d["status"] == "delivered" for d in rows)
        )
    )
    assert (
        routing_notes(conversation)
        == notes
        == [
            f"Routing rule “Wholesale”: set segment to “wholesale”, tagged b2b, "
            f"assigned to {team.member.label}"
        ]
    )
    conversation.refresh_from_db()
    conversation.contact.refresh_from_db()
    assert (conversation.assignee, conversation.state) == (team.member, "human")
    assert (conversation.contact.tags, conversation.contact.fields) == (
        ["b2b"], {"segment": "wholesale"},
    )  # fmt: skip
