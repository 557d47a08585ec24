"""Routing rules applied to what contacts send: each condition and action, the order and
overrides, ALL and ANY, inactive rules, never taking a conversation from a teammate, a
redelivered message routed once, and the cost per message. Messages go in through the
inbox's own receivers (``services.message_record`` for TikTok DMs, ``shop_chat`` for Shop
chat), as the webhook handlers call them."""

import json
import time
from typing import Any

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from chatsparks.workspaces.models import Membership
from inbox import hooks, routing, services, shop_chat
from inbox.models import Contact, Conversation, Message, RoutingApplication, RoutingRule
from integrations.models import Connection
from tests.conftest import Team
from tests.factories import ConnectionFactory, ContactFactory, ShopConnectionFactory
from tests.factories.routing import RoutingRuleFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiktok(team: Team) -> Connection:
    return ConnectionFactory(workspace=team.workspace)


@pytest.fixture
def shop(team: Team) -> Connection:
    return ShopConnectionFactory(workspace=team.workspace)


@pytest.fixture
def contact(team: Team) -> Contact:
    return ContactFactory(workspace=team.workspace, handle="mali.skincare")


def dm_in(
    connection: Connection, contact: Contact, text: str = "", *, n: int = 1, kind: str = "text"
) -> str:
    """The contact's DM ``n`` as ``im_receive_msg`` brings it."""
    body: dict[str, Any] = {"body": text} if kind == "text" else {"media_id": f"media-{n}"}
    return services.message_record(
        connection=connection,
        inbound=True,
        data={
            "conversation_id": f"0:1:{contact.external_id[:8]}", "message_id": f"dm-{n}",
            "type": kind, kind: body, "timestamp": int(timezone.now().timestamp() * 1000),
            "from": contact.handle, "from_user": {"id": contact.external_id},
            "message_tag": {"source": "APP"},
        },
    )  # fmt: skip


def shop_conversation(shop: Connection, **fields: Any) -> Conversation:
    buyer = ContactFactory(
        workspace=shop.workspace, platform="tiktok_shop", external_id="7494560109732338401",
        handle="", display_name="amelia.rose", shop_buyer_id="7494560109732338401",
    )  # fmt: skip
    return Conversation.objects.create(
        workspace=shop.workspace, connection=shop, contact=buyer, channel="shop_chat",
        external_id="710688832392260838", **fields,
    )  # fmt: skip


def shop_in(
    shop: Connection, conversation: Conversation, kind: str = "TEXT", n: int = 1, **content: Any
) -> str:
    """The buyer's message ``n`` as webhook 14 brings it."""
    return shop_chat.shop_message_received(
        connection=shop,
        data={
            "conversation_id": conversation.external_id, "message_id": f"shop-{n}",
            "type": kind, "content": json.dumps(content or {"content": ""}),
            "create_time": int(time.time()), "is_visible": True,
            "sender": {"im_user_id": "707885565181165594", "role": "BUYER"},
        },
    )  # fmt: skip


def the_conversation(team: Team, channel: str = "tiktok_dm") -> Conversation:
    return (
        Conversation.objects.for_workspace(team.workspace)
        .select_related("contact")
        .get(channel=channel)
    )


def notes(conversation: Conversation) -> list[str]:
    return list(
        Message.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation, kind="system", text__startswith="Routing rule")
        .order_by("id")
        .values_list("text", flat=True)
    )


def applied(conversation: Conversation) -> list[tuple[str, list[str]]]:
    return [
        (a.rule_name, a.changes)
        for a in RoutingApplication.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .order_by("id")
    ]


# --- Conditions -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "tagged"),
    [
        ("I want a REFUND!", ["refund"]),
        ("refunds?", []),  # whole words only
        ("can I get my money back", []),
        ("ขอคืนเงินค่ะ", ["refund"]),  # Thai, written without spaces
    ],
)
def test_a_keyword_matches_whole_words_in_any_case_and_in_thai(
    team: Team, tiktok: Connection, contact: Contact, text: str, tagged: list[str]
) -> None:
    RoutingRuleFactory(workspace=team.workspace, keywords=["refund", "คืนเงิน"], add_tag="refund")

    assert dm_in(tiktok, contact, text) == "message stored"

    contact.refresh_from_db()
    assert contact.tags == tagged


@pytest.mark.parametrize(
    ("shop_type", "content", "routed_as"),
    [
        ("TEXT", {"content": "hello"}, "text"),
        ("IMAGE", {"url": "https://example.com/a.jpg", "width": "10", "height": "10"}, "image"),
        ("VIDEO", {"url": "https://example.com/v.mp4"}, "video"),
        ("EMOTICONS", {"content": "[smile]"}, "sticker"),
        ("PRODUCT_CARD", {"product_id": "1729382256910270"}, "product_card"),
        ("BUYER_ENTER_FROM_ORDER", {"order_id": "576461413038785752"}, "order_card"),
        ("RETURN_REFUND_CARD", {"order_id": "5764614130", "sku_id": "1"}, "return_refund_card"),
        ("COUPON_CARD", {"coupon_id": "7262992004278206762"}, "coupon_card"),
    ],
)  # fmt: skip
def test_each_shop_message_type_is_told_apart(
    team: Team, shop: Connection, shop_type: str, content: dict[str, Any], routed_as: str
) -> None:
    for value in RoutingRule.MessageType.values:
        RoutingRuleFactory(
            workspace=team.workspace, name=f"Is {value}", keywords=[],
            message_types=[value], add_tag=f"got-{value}",
        )  # fmt: skip
    conversation = shop_conversation(shop)

    assert shop_in(shop, conversation, shop_type, **content) == "message stored"

    conversation.contact.refresh_from_db()
    assert conversation.contact.tags == [f"got-{routed_as}"]


def test_a_dm_sticker_and_image_are_their_own_types(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    RoutingRuleFactory(
        workspace=team.workspace, keywords=[], message_types=["sticker", "image"], add_tag="media"
    )

    dm_in(tiktok, contact, "hello", n=1)
    contact.refresh_from_db()
    assert contact.tags == []

    dm_in(tiktok, contact, n=2, kind="sticker")
    contact.refresh_from_db()
    assert contact.tags == ["media"]


def test_a_source_account_condition_matches_only_that_account(
    team: Team, shop: Connection, contact: Contact
) -> None:
    other_shop = ShopConnectionFactory(workspace=team.workspace, display_name="Glow Beauty TH")
    RoutingRuleFactory(
        workspace=team.workspace, keywords=[], connections=[other_shop], add_tag="th-shop"
    )
    RoutingRuleFactory(workspace=team.workspace, keywords=[], connections=[shop], add_tag="uk-shop")
    conversation = shop_conversation(shop)

    shop_in(shop, conversation, content="hi")

    conversation.contact.refresh_from_db()
    assert conversation.contact.tags == ["uk-shop"]


def test_a_tag_condition_matches_any_case_and_sees_tags_added_by_earlier_rules(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    contact.tags = ["VIP"]
    contact.save()
    RoutingRuleFactory(
        workspace=team.workspace, name="VIPs", keywords=[], contact_tags=["vip"], add_tag="priority"
    )
    RoutingRuleFactory(
        workspace=team.workspace, name="Priority queue", keywords=[], contact_tags=["priority"],
        field_name="queue", field_value="fast", add_tag="",
    )  # fmt: skip

    dm_in(tiktok, contact, "hello")

    contact.refresh_from_db()
    assert (contact.tags, contact.fields) == (["VIP", "priority"], {"queue": "fast"})


@pytest.mark.parametrize(("combine", "tagged"), [("all", []), ("any", ["refund"])])
def test_all_needs_every_condition_and_any_one_of_them(
    team: Team, tiktok: Connection, contact: Contact, combine: str, tagged: list[str]
) -> None:
    RoutingRuleFactory(
        workspace=team.workspace, combine=combine, keywords=["refund"], message_types=["image"]
    )

    dm_in(tiktok, contact, "refund please")  # a keyword, but text rather than an image

    contact.refresh_from_db()
    assert contact.tags == tagged


def test_a_rule_without_conditions_never_matches(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    RoutingRuleFactory(workspace=team.workspace, keywords=[], add_tag="everyone")

    dm_in(tiktok, contact, "refund")

    contact.refresh_from_db()
    assert contact.tags == []


# --- Actions ------------------------------------------------------------------------------------


def test_a_rule_sets_a_field_tags_assigns_and_says_so(team: Team, shop: Connection) -> None:
    ana = team.teammate.user
    ana.display_name = "Ana"
    ana.save()
    RoutingRuleFactory(
        workspace=team.workspace, name="VIP buyers", keywords=["refund"], add_tag="vip",
        field_name="tier", field_value="gold", assignee=ana,
    )  # fmt: skip
    conversation = shop_conversation(shop, state="bot")

    shop_in(shop, conversation, content="Where is my refund?")

    conversation = the_conversation(team, "shop_chat")
    assert (conversation.contact.tags, conversation.contact.fields) == (["vip"], {"tier": "gold"})
    assert (conversation.assignee, conversation.state) == (ana, "human")
    assert conversation.handoff_reason == shop_chat.HANDOFF_REASON
    assert notes(conversation) == [
        "Routing rule “VIP buyers”: set tier to “gold”, tagged vip, assigned to Ana"
    ]
    assert applied(conversation) == [
        ("VIP buyers", ["set tier to “gold”", "tagged vip", "assigned to Ana"])
    ]


def test_assigning_a_bot_dm_hands_it_to_the_teammate_before_the_bot_answers(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    ana = team.teammate.user
    RoutingRuleFactory(
        workspace=team.workspace, name="Refunds", keywords=["refund"], add_tag="", assignee=ana
    )

    dm_in(tiktok, contact, "refund")

    conversation = the_conversation(team)
    assert (conversation.assignee, conversation.state) == (ana, "human")
    assert conversation.handoff_reason == "routing rule “Refunds”"
    # The bot's own "a DM outside any flow" handoff never ran: a person has it.
    assert list(
        Message.objects.for_workspace(team.workspace)
        .filter(kind="system")
        .values_list("text", flat=True)
    ) == [f"Routing rule “Refunds”: assigned to {ana.label}"]


def test_a_tag_already_there_is_not_added_again_and_says_nothing(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    contact.tags = ["Refund"]
    contact.save()
    RoutingRuleFactory(workspace=team.workspace, add_tag="refund")

    dm_in(tiktok, contact, "refund")

    conversation = the_conversation(team)
    assert conversation.contact.tags == ["Refund"]
    assert notes(conversation) == []
    assert applied(conversation) == []


# --- Order, overrides, inactive ---------------------------------------------------------------


def test_rules_apply_in_order_and_a_later_one_overrides_a_field(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    platinum = RoutingRuleFactory(
        workspace=team.workspace, name="Platinum", position=20, add_tag="",
        field_name="tier", field_value="platinum",
    )  # fmt: skip
    gold = RoutingRuleFactory(
        workspace=team.workspace, name="Gold", position=10, add_tag="gold",
        field_name="tier", field_value="gold",
    )  # fmt: skip

    dm_in(tiktok, contact, "refund")

    conversation = the_conversation(team)
    assert conversation.contact.fields == {"tier": "platinum"}
    assert conversation.contact.tags == ["gold"]
    assert notes(conversation) == [
        "Routing rule “Gold”: set tier to “gold”, tagged gold",
        "Routing rule “Platinum”: set tier to “platinum”",
    ]

    routing.routing_rules_reorder(workspace=team.workspace, rule_ids=[platinum.pk, gold.pk])
    dm_in(tiktok, contact, "refund again", n=2)

    conversation.contact.refresh_from_db()
    assert conversation.contact.fields == {"tier": "gold"}
    # Platinum runs first now and finds its value already there: only Gold changed something.
    assert notes(conversation)[2:] == ["Routing rule “Gold”: set tier to “gold”"]


def test_the_later_of_two_assigning_rules_decides(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="A", add_tag="", assignee=team.admin)
    RoutingRuleFactory(workspace=team.workspace, name="B", add_tag="", assignee=team.member)

    dm_in(tiktok, contact, "refund")

    assert the_conversation(team).assignee == team.member


def test_an_inactive_rule_does_nothing(team: Team, tiktok: Connection, contact: Contact) -> None:
    RoutingRuleFactory(workspace=team.workspace, is_active=False, assignee=team.member)

    dm_in(tiktok, contact, "refund")

    conversation = the_conversation(team)
    assert conversation.contact.tags == []
    assert conversation.assignee is None
    assert notes(conversation) == []


def test_another_workspaces_rules_never_apply(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    RoutingRuleFactory(workspace=team.other_workspace, add_tag="theirs")

    dm_in(tiktok, contact, "refund")

    contact.refresh_from_db()
    assert contact.tags == []


# --- Never yank a conversation ------------------------------------------------------------------


def test_a_conversation_a_teammate_has_stays_theirs(team: Team, shop: Connection) -> None:
    bob = team.member
    conversation = shop_conversation(shop, state="human", assignee=bob)
    RoutingRuleFactory(
        workspace=team.workspace, name="Refunds", add_tag="refund", assignee=team.admin
    )

    shop_in(shop, conversation, content="refund please")

    conversation = the_conversation(team, "shop_chat")
    assert (conversation.assignee, conversation.state) == (bob, "human")
    assert conversation.contact.tags == ["refund"]
    assert notes(conversation) == [
        f"Routing rule “Refunds”: tagged refund, not reassigned: {bob.label} has it"
    ]


def test_only_assigning_to_a_conversation_someone_has_says_nothing(
    team: Team, shop: Connection
) -> None:
    conversation = shop_conversation(shop, state="human", assignee=team.member)
    RoutingRuleFactory(workspace=team.workspace, add_tag="", assignee=team.admin)

    shop_in(shop, conversation, content="refund please")

    conversation = the_conversation(team, "shop_chat")
    assert conversation.assignee == team.member
    assert notes(conversation) == []


def test_a_rule_naming_someone_who_left_assigns_nobody(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    gone = team.teammate.user
    RoutingRuleFactory(workspace=team.workspace, name="Refunds", assignee=gone)
    Membership.objects.for_workspace(team.workspace).filter(user=gone).delete()

    dm_in(tiktok, contact, "refund")

    conversation = the_conversation(team)
    assert conversation.assignee is None
    assert notes(conversation) == [
        f"Routing rule “Refunds”: tagged refund, not assigned: {gone.label} left the workspace"
    ]


# --- Once per message, before the hooks, at a fixed cost ----------------------------------------


def test_a_redelivered_message_is_routed_once(
    team: Team, tiktok: Connection, contact: Contact
) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Gold", field_name="tier", field_value="gold")

    assert dm_in(tiktok, contact, "refund") == "message stored"
    Contact.objects.for_workspace(team.workspace).filter(pk=contact.pk).update(tags=[], fields={})
    assert dm_in(tiktok, contact, "refund") == "message already known"

    conversation = the_conversation(team)
    assert (conversation.contact.tags, conversation.contact.fields) == ([], {})
    assert notes(conversation) == ["Routing rule “Gold”: set tier to “gold”, tagged refund"]
    assert len(applied(conversation)) == 1


def test_a_redelivered_shop_message_is_routed_once(team: Team, shop: Connection) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Refunds")
    conversation = shop_conversation(shop)

    assert shop_in(shop, conversation, content="refund") == "message stored"
    assert shop_in(shop, conversation, content="refund") == "message already known"

    assert notes(conversation) == ["Routing rule “Refunds”: tagged refund"]


def test_the_hooks_see_what_routing_did(
    team: Team, tiktok: Connection, contact: Contact, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[list[str], int | None]] = []

    def spy(message: Message) -> None:
        fresh = Conversation.objects.for_workspace(team.workspace).select_related("contact")
        conversation = fresh.get(pk=message.conversation_id)
        seen.append((conversation.contact.tags, conversation.assignee_id))

    monkeypatch.setattr(hooks, "_message_handlers", [spy, *hooks._message_handlers])
    RoutingRuleFactory(workspace=team.workspace, add_tag="refund", assignee=team.member)

    dm_in(tiktok, contact, "refund")

    assert seen == [(["refund"], team.member.pk)]


def test_one_query_reads_the_rules_whatever_their_number(team: Team, shop: Connection) -> None:
    conversation = shop_conversation(shop)
    message = Message.objects.create(
        workspace=team.workspace, conversation=conversation, direction="in", text="refund",
        sent_at=timezone.now(),
    )  # fmt: skip

    def queries_for(count: int) -> int:
        RoutingRule.objects.for_workspace(team.workspace).delete()
        for n in range(count):
            RoutingRuleFactory(
                workspace=team.workspace, connections=[shop], message_types=["text"],
                field_name="n", field_value=str(n), add_tag=f"t{n}", assignee=team.member,
            )  # fmt: skip
        Contact.objects.for_workspace(team.workspace).update(tags=[], fields={})
        Conversation.objects.for_workspace(team.workspace).update(assignee=None)
        RoutingApplication.objects.for_workspace(team.workspace).delete()
        conversation.refresh_from_db()
        with CaptureQueriesContext(db_connection) as captured:
            routing.message_route(message=message, conversation=conversation)
        rule_reads = [
            q for q in captured.captured_queries if 'FROM "inbox_routingrule"' in q["sql"]
        ]
        assert len(rule_reads) == 1
        return len(captured.captured_queries)

    assert queries_for(1) == queries_for(8)
    assert conversation.assignee == team.member
    assert len(notes(conversation)) == 1 + 8


def test_no_rules_cost_one_query(
    team: Team, shop: Connection, django_assert_num_queries: Any
) -> None:
    conversation = shop_conversation(shop)
    message = Message.objects.create(
        workspace=team.workspace, conversation=conversation, direction="in", text="refund",
        sent_at=timezone.now(),
    )  # fmt: skip

    with django_assert_num_queries(1):
        assert routing.message_route(message=message, conversation=conversation) == []
