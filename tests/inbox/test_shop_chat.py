"""TikTok Shop chat without a live TikTok: webhook payloads replayed through the real receiver,
the message mapping, TikTok's rules for writing first as we apply them, the composer's Shop
tools and their tenancy, and the per-account bot switch."""

import json
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from attribution.models import Order, OrderLine
from flows import runner
from inbox import dm, selectors, services, shop_chat
from inbox.models import Contact, Conversation, Message, Send, ShopChatSettings, ShopChatStatus
from integrations.models import Connection, Product, WebhookEvent
from integrations.webhooks import ingest
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ContactFactory, ShopConnectionFactory
from tests.inbox.test_composer import send, sends, url
from tests.inbox.test_views import visible
from tests.integrations.test_webhooks import fixture, post, shop_headers

pytestmark = pytest.mark.django_db

SHOP_ID = "7494049642642441621"
CHAT_ID = "710688832392260838"
BUYER = "7494560109732338401"


@pytest.fixture
def shop(team: Team) -> Connection:
    return ShopConnectionFactory(workspace=team.workspace, external_id=SHOP_ID)


def shop_chat_with(
    shop: Connection, *, buyer: str = BUYER, external_id: str = CHAT_ID, **fields: Any
) -> Conversation:
    contact = ContactFactory(
        workspace=shop.workspace, platform="tiktok_shop", external_id=buyer, handle="",
        display_name="amelia.rose", shop_buyer_id=buyer,
    )  # fmt: skip
    return Conversation.objects.create(
        workspace=shop.workspace, connection=shop, contact=contact, channel="shop_chat",
        external_id=external_id, **fields,
    )  # fmt: skip


def deliver_body(client: Client, body: bytes) -> None:
    response = post(client, "/webhooks/tiktok-shop/", body, shop_headers(body))
    assert response.status_code == 200
    ingest.events_drain()


def deliver(client: Client, *names: str) -> None:
    for name in names:
        deliver_body(client, fixture(f"tiktok_shop/{name}.json"))


def outcomes() -> list[tuple[str, str, str]]:
    return list(WebhookEvent.objects.order_by("id").values_list("event_type", "status", "outcome"))


# --- Webhooks replayed ------------------------------------------------------------------------


def test_a_buyer_message_in_a_known_chat_is_stored_once_and_goes_to_a_person(
    client: Client, shop: Connection
) -> None:
    conversation = shop_chat_with(shop, state="bot")

    deliver(client, "new_message", "new_message")

    [message] = Message.objects.for_workspace(shop.workspace)
    assert (message.direction, message.kind, message.text, message.external_id) == (
        "in", "text", "444", "722323407926368819",
    )  # fmt: skip
    assert message.payload == {"content": "444", "shop_type": "TEXT"}
    assert message.sent_at == datetime(2023, 4, 18, 3, 57, 26, tzinfo=UTC)
    conversation.refresh_from_db()
    # Written in 2023: history, past TikTok's 7 days to answer; nobody is asked to.
    assert conversation.state == "bot"
    assert outcomes() == [("14", "processed", "message stored")]

    now = int(time.time())
    fresh = json.loads(fixture("tiktok_shop/new_message.json"))
    fresh["tts_notification_id"] = "7327112393057379999"
    fresh["data"] |= {"message_id": "722323407926369999", "create_time": now}
    deliver_body(client, json.dumps(fresh, separators=(",", ":")).encode())

    conversation.refresh_from_db()
    assert (conversation.state, conversation.handoff_reason) == ("human", shop_chat.HANDOFF_REASON)
    assert conversation.last_inbound_at == datetime.fromtimestamp(now, tz=UTC)
    assert list(
        Message.objects.for_workspace(shop.workspace)
        .filter(kind="system")
        .values_list("text", flat=True)
    ) == [f"Handed to a person: {shop_chat.HANDOFF_REASON}."]


def test_a_hidden_system_message_is_not_shown(client: Client, shop: Connection) -> None:
    shop_chat_with(shop)

    deliver(client, "new_message_hidden")

    assert not Message.objects.for_workspace(shop.workspace).exists()
    assert outcomes() == [("14", "processed", "hidden system message skipped")]


def test_a_message_in_an_unknown_chat_waits_for_the_sync_when_tiktok_is_unreachable(
    client: Client, shop: Connection, settings: Any
) -> None:
    settings.TIKTOK_SHOP_API_BASE_URL = "http://127.0.0.1:9"  # nothing listens there

    deliver(client, "new_message_unknown_conversation", "new_conversation")

    assert not Conversation.objects.for_workspace(shop.workspace).exists()
    [(_, message_status, message_outcome), (_, chat_status, chat_outcome)] = outcomes()
    assert (message_status, chat_status) == ("processed", "processed")
    assert message_outcome.startswith("unknown conversation, TikTok Shop unreachable")
    assert chat_outcome.startswith("TikTok Shop unreachable, the chat sync will read it")


# --- What each message type becomes --------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"type": "TEXT", "content": '{"content":"hi 👋"}', "sender": {"role": "BUYER"}},
         ("in", "text", "hi 👋")),
        ({"type": "EMOTICONS", "content": '{"content":"😍"}', "sender": {"role": "BUYER"}},
         ("in", "sticker", "😍")),
        ({"type": "IMAGE", "content": '{"url":"https://x/a.jpg","width":"1","height":"2"}',
          "sender": {"role": "BUYER"}}, ("in", "image", "")),
        ({"type": "file_image", "content": '{"imageUrl":"https://x/a.jpg"}',
          "sender": {"role": "BUYER"}}, ("in", "image", "")),
        ({"type": "VIDEO", "content": '{"url":"https://x/v.mp4","cover":"https://x/c.jpg"}',
          "sender": {"role": "BUYER"}}, ("in", "video", "")),
        ({"type": "goods_card", "content": '{"product_id":"17"}', "sender": {"role": "BUYER"}},
         ("in", "product_card", "")),
        ({"type": "BUYER_ENTER_FROM_ORDER", "content": '{"order_id":"57"}',
          "sender": {"role": "BUYER"}}, ("in", "order_card", "")),
        ({"type": "RETURN_REFUND_CARD", "content": '{"order_id":"57","sku_id":"1"}',
          "sender": {"role": "BUYER"}}, ("in", "other", "Return or refund request for order 57")),
        ({"type": "NOTIFICATION", "content": '{"content":"An agent joined"}',
          "sender": {"role": "SYSTEM"}}, ("internal", "system", "An agent joined")),
        ({"type": "TEXT", "content": '{"content":"Auto reply"}', "sender": {"role": "ROBOT"}},
         ("out", "text", "Auto reply")),
    ],
)  # fmt: skip
def test_each_shop_message_type_has_a_kind(
    raw: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    message = shop_chat.ShopMessage.parse({"id": "1", "create_time": 1, **raw})
    fields = message.fields()

    assert (message.direction, fields["kind"], fields["text"]) == expected


def test_a_legacy_image_keeps_its_url_under_the_current_name() -> None:
    message = shop_chat.ShopMessage.parse(
        {"msg_id": "9", "type": "file_image", "content": '{"imageUrl":"https://x/a.jpg"}'}
    )

    assert (message.id, message.type, message.content) == ("9", "IMAGE", {"url": "https://x/a.jpg"})


# --- The composer's text ----------------------------------------------------------------------


def test_long_text_splits_between_words_and_links_go_as_plain_text() -> None:
    words = "lorem ipsum " * 400  # 4,800 characters

    parts = selectors.split_text(words)

    assert [len(p) for p in parts] == [1997, 1997, 803]
    assert " ".join(parts) == words.strip()
    assert selectors.split_text("x" * 4100) == ["x" * 2000, "x" * 2000, "x" * 100]
    assert selectors.plain_links("See https://a.example/x and HTTP://b.example") == (
        "See a.example/x and b.example"
    )
    assert selectors.shop_text_too_long(2512) == (
        "2,512 characters: Shop chat takes 2,000 per message."
    )


def test_a_shop_reply_sends_links_as_plain_text(team: Team, shop: Connection) -> None:
    conversation = shop_chat_with(shop)

    send(client_for(team.member), team, conversation, "Tracking: https://track.example/123")

    assert [row[2] for row in sends(team.workspace)] == ["Tracking: track.example/123"]


def test_a_chat_tiktok_closed_to_the_seller_refuses_replies(team: Team, shop: Connection) -> None:
    conversation = shop_chat_with(shop)
    ShopChatStatus.objects.create(
        workspace=team.workspace, conversation=conversation, can_send_message=False,
        checked_at=timezone.now(),
    )  # fmt: skip

    response = send(client_for(team.member), team, conversation, "Hello again")

    assert response.status_code == 409
    assert selectors.SHOP_CHAT_CLOSED_BY_RULES in visible(response)
    assert sends(team.workspace) == []


# --- Cards and images, and whose they are ------------------------------------------------------


def stored_order(
    shop: Connection, buyer: str, *, days_ago: int = 3, refunded: bool = False
) -> Order:
    at = timezone.now() - timedelta(days=days_ago)
    order = Order.objects.create(
        workspace=shop.workspace, connection=shop, external_id=f"5764{days_ago:014d}",
        status="IN_TRANSIT", buyer_user_id=buyer, currency="GBP", total=Decimal("22.00"),
        created_at_platform=at, updated_at_platform=at, refunded=refunded,
    )  # fmt: skip
    OrderLine.objects.create(
        workspace=shop.workspace, order=order, sku_id="1", product_id="1729",
        product_name="Peptide Plump Lip Oil", sku_name="Pink Tint", unit_price=Decimal("11.00"),
        quantity=2, currency="GBP",
    )  # fmt: skip
    return order


def test_cards_are_queued_one_per_message_from_this_workspace_only(
    team: Team, shop: Connection
) -> None:
    conversation = shop_chat_with(shop)
    order = stored_order(shop, BUYER)
    mine = Product.objects.create(
        workspace=team.workspace, connection=shop, external_id="1729001", title="Glow Serum"
    )
    rival_shop = ShopConnectionFactory(workspace=team.other_workspace)
    theirs = Product.objects.create(
        workspace=team.other_workspace, connection=rival_shop, external_id="1729999",
        title="Rival Serum",
    )  # fmt: skip
    other_buyers = stored_order(shop, "7494560109732338999", days_ago=5)
    client = client_for(team.member)
    card_url = url(team, "shop_card", conversation)

    for data in (
        {"product_id": mine.external_id},
        {"order_id": order.external_id},
        {"product_id": theirs.external_id},
        {"order_id": other_buyers.external_id},
        {"product_id": mine.external_id, "order_id": order.external_id},
    ):
        assert client.post(card_url, data).status_code == 302

    queued = sends(team.workspace)
    assert [(row[2], row[3]) for row in queued] == [
        ("Glow Serum", {"product": selectors.product_card(
            workspace=team.workspace, product_id=mine.external_id
        )}),
        ("", {"order": {"order_id": order.external_id}}),
    ]  # fmt: skip
    kinds = Message.objects.for_workspace(team.workspace).exclude(kind="system")
    assert sorted(kinds.values_list("kind", flat=True)) == ["order_card", "product_card"]
    page = visible(client.get(url(team, "conversation", conversation)))
    assert "Product 1729999 is not in your synced catalog." in page
    assert f"Order {other_buyers.external_id} is not one of this buyer's orders." in page
    assert "Pick a product or an order first." in page
    # The buyer's own order is offered in the picker, with what its card will show.
    assert f"Order {order.external_id} In transit · 22.00 GBP" in page


def test_another_workspaces_conversation_is_a_404_for_every_shop_tool(
    team: Team, shop: Connection
) -> None:
    rival = shop_chat_with(ShopConnectionFactory(workspace=team.other_workspace))
    client = client_for(team.member)

    for name, data in (
        ("shop_card", {"product_id": "1"}),
        ("shop_image", {"image": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n")}),
        ("shop_start", {}),
    ):
        assert client.post(url(team, name, rival), data).status_code == 404
    assert not Send.unscoped.exists()


def test_images_and_cards_refuse_a_tiktok_dm(team: Team, shop: Connection) -> None:
    dm_chat = Conversation.objects.create(
        workspace=team.workspace, connection=ConnectionFactory(workspace=team.workspace),
        contact=ContactFactory(workspace=team.workspace), channel="tiktok_dm", external_id="c1",
    )  # fmt: skip
    client = client_for(team.member)

    image = client.post(
        url(team, "shop_image", dm_chat),
        {"image": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n")},
        follow=True,
    )

    assert services.SHOP_ONLY in visible(image)
    assert not Send.objects.for_workspace(team.workspace).exists()


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (b"\x89PNG\r\n\x1a\n....", "image/png"),
        (b"GIF89a....", "image/gif"),
        (b"\xff\xd8\xff\xe0....", "image/jpeg"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", ""),
        (b"%PDF-1.7", ""),
    ],
)
def test_images_are_known_by_their_bytes(data: bytes, kind: str) -> None:
    assert shop_chat.image_type(data) == kind


# --- Writing first: TikTok's rules as we apply them -------------------------------------------


def buyer_contact(team: Team, buyer: str = BUYER) -> Contact:
    return ContactFactory(workspace=team.workspace, handle="amelia", shop_buyer_id=buyer)


def test_no_rule_holds_and_the_reason_names_each(team: Team, shop: Connection) -> None:
    stored_order(shop, BUYER, days_ago=140)

    eligibility = selectors.shop_chat_eligibility(contact=buyer_contact(team))

    assert not eligibility.allowed
    assert eligibility.reason.endswith(
        "This buyer has no Shop chat in the last 30 days, no order in the last 60 days (the "
        "last was 140 days ago), and no return or refund."
    )


@pytest.mark.parametrize(
    ("setup", "basis"),
    [
        ("order", "ordered 3 days ago"),
        ("refund", "has a return or refund with the shop"),
        ("chat", "chatted with the shop 2 days ago"),
    ],
)
def test_each_rule_allows_writing_first(
    team: Team, shop: Connection, setup: str, basis: str
) -> None:
    contact = buyer_contact(team)
    if setup == "order":
        stored_order(shop, BUYER)
    elif setup == "refund":
        stored_order(shop, BUYER, days_ago=200, refunded=True)
    else:
        chat = shop_chat_with(shop, buyer="7494560109732338777")
        Contact.objects.for_workspace(team.workspace).filter(pk=chat.contact_id).update(
            shop_buyer_id=BUYER
        )
        Message.objects.create(
            workspace=team.workspace, conversation=chat, direction="in", text="hi",
            sent_at=timezone.now() - timedelta(days=2),
        )  # fmt: skip

    eligibility = selectors.shop_chat_eligibility(contact=contact)

    assert (eligibility.allowed, eligibility.basis, eligibility.connection) == (True, basis, shop)


def test_tiktoks_word_on_a_listed_chat_wins_until_something_newer(
    team: Team, shop: Connection
) -> None:
    chat = shop_chat_with(shop)
    ShopChatStatus.objects.create(
        workspace=team.workspace, conversation=chat, can_send_message=False,
        checked_at=timezone.now() - timedelta(days=1),
    )  # fmt: skip
    stored_order(shop, BUYER, days_ago=5)  # before TikTok's answer: TikTok knew

    before = selectors.shop_chat_eligibility(contact=chat.contact)
    stored_order(shop, BUYER, days_ago=0)  # after it
    after = selectors.shop_chat_eligibility(contact=chat.contact)

    assert (before.allowed, before.reason) == (False, selectors.SHOP_CHAT_CLOSED_BY_RULES)
    assert (after.allowed, after.basis) == (True, "ordered today")


def test_without_a_shop_that_may_chat_no_chat_starts(team: Team) -> None:
    ShopConnectionFactory(workspace=team.workspace, granted_scopes=["seller.order.info"])

    eligibility = selectors.shop_chat_eligibility(contact=buyer_contact(team))

    assert (eligibility.allowed, eligibility.reason) == (
        False, "No TikTok Shop account with the customer service permission is connected.",
    )  # fmt: skip


# --- The bot switch ------------------------------------------------------------------------------


def test_the_bot_is_off_in_shop_chat_until_switched_on(team: Team, shop: Connection) -> None:
    run = SimpleNamespace(workspace_id=team.workspace.pk)

    assert runner._shop_connection(run) is None  # type: ignore[arg-type]
    services.shop_bot_set(connection=shop, enabled=True, actor=team.admin)
    assert runner._shop_connection(run) == shop  # type: ignore[arg-type]


def test_turning_the_bot_off_stops_what_it_queued_and_what_it_would_send(
    team: Team, shop: Connection
) -> None:
    services.shop_bot_set(connection=shop, enabled=True, actor=team.admin)
    conversation = shop_chat_with(shop)
    bot_queued = dm.dm_queue(conversation=conversation, door="shop_chat", text="from the bot")
    teammate = dm.dm_queue(
        conversation=conversation, door="shop_chat", text="from Ann", author=team.member
    )

    services.shop_bot_set(connection=shop, enabled=False, actor=team.admin)
    late = dm.dm_queue(conversation=conversation, door="shop_chat", text="queued after")
    outcome = dm.dm_send(send_id=late.pk)

    states = dict(Send.objects.for_workspace(team.workspace).values_list("pk", "state"))
    assert states == {bot_queued.pk: "skipped", teammate.pk: "pending", late.pk: "skipped"}
    assert outcome == "skipped"
    assert Send.objects.for_workspace(team.workspace).get(pk=late.pk).error == dm.SHOP_BOT_OFF


def test_admins_switch_the_bot_per_shop_account(team: Team, shop: Connection) -> None:
    page_url = reverse(
        "inbox:shop_chat_settings", kwargs={"workspace_id": team.workspace.public_id}
    )
    client = client_for(team.admin)

    page = client.get(page_url)
    turned_on = client.post(page_url, {"connection": shop.pk, "bot_enabled": "on"}, follow=True)
    rival = ShopConnectionFactory(workspace=team.other_workspace)
    foreign = client.post(page_url, {"connection": rival.pk, "bot_enabled": "on"})

    assert "TikTok Shop’s own automation" in visible(page)
    assert "ChatSparks’ bot set by" in visible(turned_on)
    settings_row = ShopChatSettings.objects.for_workspace(team.workspace).get()
    assert (settings_row.bot_enabled, settings_row.updated_by) == (True, team.admin)
    assert foreign.status_code == 404
    assert not ShopChatSettings.objects.for_workspace(team.other_workspace).exists()
    assert client_for(team.member).get(page_url).status_code == 403
