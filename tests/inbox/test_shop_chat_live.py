"""TikTok Shop chat over real HTTP both ways: buyers write in the emulator and its webhooks
13 and 14 reach the live server; teammates answer from the inbox and the product's sends reach
the emulator, whose conversation is read back over the Customer Service API."""

import json
import struct
import zlib
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attribution.models import Order
from inbox import shop_chat
from inbox.models import Contact, Conversation, Message, Send, ShopChatSettings, ShopChatStatus
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection, Product, WebhookEvent
from tests.conftest import Team, client_for
from tests.emulator_process import Emulator
from tests.factories import ConnectionFactory, ContactFactory
from tests.flows.test_public_reply import wait_for
from tests.inbox.test_composer import send, url
from tests.inbox.test_views import visible
from tests.integrations.test_connect import approve_shop, browser, finish, start

pytestmark = pytest.mark.django_db(transaction=True)

BUYER_PHOTO = "https://p16-oec-sg.ibyteimg.com/tos-alisg-i-aphluv4xwc-sg/buyer-photo.jpeg"


@pytest.fixture
def shop(team: Team, live_server: Any, settings: Any, emulator: Emulator) -> Connection:
    """The emulator's UK beauty shop, connected by the owner; its webhooks reach the live
    server and its catalog has synced."""
    settings.PUBLIC_BASE_URL = live_server.url
    client = browser(team.owner)
    finish(
        client,
        approve_shop(emulator, start(client, team.workspace, "tiktok_shop")).headers["Location"],
    )
    connection = wait_for(
        lambda: (
            Connection.objects.for_workspace(team.workspace)
            .filter(provider="tiktok_shop", status="connected")
            .first()
        )
    )
    wait_for(lambda: Product.objects.for_workspace(team.workspace).exists())
    return connection


@pytest.fixture(autouse=True)
def _no_webhook_fails(shop: Connection) -> Any:
    """Whatever each test does, every Shop notification is handled, none fails."""
    yield
    failed = WebhookEvent.objects.filter(status="failed").values_list("event_type", "outcome")
    assert list(failed) == []


def buyer(emulator: Emulator, nickname: str) -> str:
    buyers = emulator.state()["platforms"]["shop"]["Buyers"]
    return str(next(b["user_id"] for b in buyers if b["nickname"] == nickname))


def buyer_writes(emulator: Emulator, user_id: str, kind: str = "TEXT", **body: Any) -> Any:
    return emulator.control("/shop/messages", {"buyer_user_id": user_id, "type": kind, **body})


def place_order(emulator: Emulator, team: Team, user_id: str, quantity: int = 2) -> Order:
    """An order in the emulator; its webhook brings it (with its details) into attribution."""
    overview = emulator.http.get("/_control/shop/").json()
    sku = overview["products"][0]["skus"][1]
    placed = emulator.control(
        "/shop/orders",
        {"buyer_user_id": user_id, "items": [{"sku_id": sku["id"], "quantity": quantity}]},
    )
    return wait_for(
        lambda: (
            Order.objects.for_workspace(team.workspace)
            .filter(external_id=placed["id"], details_missing=False, status="AWAITING_SHIPMENT")
            .first()
        )
    )


def shop_chat_of(team: Team) -> Conversation:
    return wait_for(
        lambda: (
            Conversation.objects.for_workspace(team.workspace)
            .filter(channel="shop_chat")
            .exclude(external_id="")
            .select_related("contact")
            .first()
        )
    )


def inbound(team: Team, count: int) -> list[Message]:
    return wait_for(
        lambda: (
            rows
            if len(
                rows := list(
                    Message.objects.for_workspace(team.workspace)
                    .filter(direction="in")
                    .order_by("sent_at", "id")
                )
            )
            == count
            else None
        )
    )


def shop_side(shop: Connection, conversation_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The conversation as TikTok Shop holds it, oldest first: (role, type, content)."""
    shop.refresh_from_db()
    with TikTokShopClient(access_token=shop.access_token, shop_cipher=shop.shop_cipher) as client:
        rows = client.cs_messages(conversation_id=conversation_id)["messages"]
    return [(r["sender"]["role"], r["type"], json.loads(r["content"])) for r in reversed(rows)]


def all_sent(team: Team, count: int) -> list[Send]:
    def done() -> list[Send] | None:
        rows = list(Send.objects.for_workspace(team.workspace).order_by("id"))
        ready = len(rows) == count and all(s.state == "sent" for s in rows)
        return rows if ready else None

    return wait_for(done)


def echoes_handled(team: Team, count: int) -> None:
    """Every webhook 14 the emulator sent for our own messages has been processed."""
    wait_for(
        lambda: (
            WebhookEvent.objects.filter(
                event_type="14", status="processed", outcome__startswith="own send echoed"
            ).count()
            == count
        )
    )


def png(width: int, height: int, padding: int = 0) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height)))
    extra = chunk(b"tEXt", b"x" * padding) if padding else b""
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + extra + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )  # fmt: skip


# --- A buyer writes ---------------------------------------------------------------------------


def test_a_buyers_text_image_and_order_card_land_in_the_inbox_as_shop(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    order = place_order(emulator, team, amelia)
    line = order.lines.get()

    buyer_writes(emulator, amelia, text="Hi! When will my order ship? 🙏")
    buyer_writes(
        emulator, amelia, "IMAGE", content={"url": BUYER_PHOTO, "width": 640, "height": 480}
    )
    buyer_writes(emulator, amelia, "ORDER_CARD", content={"order_id": order.external_id})

    text, image, card = inbound(team, 3)
    assert (text.kind, text.text) == ("text", "Hi! When will my order ship? 🙏")
    assert (image.kind, image.payload["url"], image.payload["width"]) == (
        "image", BUYER_PHOTO, "640",
    )  # fmt: skip
    assert (card.kind, card.payload["order_id"]) == ("order_card", order.external_id)
    conversation = shop_chat_of(team)
    assert conversation.connection == shop
    assert (conversation.state, conversation.assignee) == ("human", None)
    contact = conversation.contact
    assert (contact.platform, contact.external_id, contact.display_name, contact.shop_buyer_id) == (
        "tiktok_shop", amelia, "amelia.rose", amelia,
    )  # fmt: skip
    assert contact.avatar_url.startswith("https://")
    assert Contact.objects.for_workspace(team.workspace).count() == 1
    status = ShopChatStatus.objects.for_workspace(team.workspace).get()
    assert status.can_send_message is True

    listing = client_for(team.member).get(f"/w/{team.workspace.public_id}/inbox/")
    assert "amelia.rose" in visible(listing)
    assert 'class="chip chip-shop">Shop<' in listing.content.decode()

    page = client_for(team.member).get(url(team, "conversation", conversation))
    html, words = page.content.decode(), visible(page)
    assert "Hi! When will my order ship? 🙏" in words
    assert f'<img src="{BUYER_PHOTO}"' in html
    assert f"Order {order.external_id}" in words
    assert "Awaiting shipment" in words
    assert f"Variant {line.sku_name} · Price {line.unit_price} GBP × 2" in words
    assert f"Total {order.total} GBP" in words
    assert f"order_no={order.external_id}" in html
    assert (line.product_name, line.sku_name, line.unit_price) == (
        "Hydra Glow Vitamin C Serum", "30 ml", Decimal("24.99"),
    )  # fmt: skip
    # The Shop API's host may serve images on this page (the emulator here).
    assert emulator.url in page["Content-Security-Policy"]


def test_an_order_card_for_an_order_not_synced_says_so(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    olivia = buyer(emulator, "olivia.grace")
    buyer_writes(emulator, olivia, "ORDER_CARD", content={"order_id": "576461413038785799"})

    inbound(team, 1)
    page = client_for(team.member).get(url(team, "conversation", shop_chat_of(team)))

    assert "Order 576461413038785799" in visible(page)
    assert "details are not synced to ChatSparks" in visible(page)


# --- The team answers ---------------------------------------------------------------------------


def test_a_teammate_answers_with_text_and_a_product_card_and_the_shop_holds_them(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    place_order(emulator, team, amelia)
    buyer_writes(emulator, amelia, text="Is the serum good for dry skin?")
    conversation = shop_chat_of(team)
    product = Product.objects.for_workspace(team.workspace).order_by("title").first()
    assert product is not None
    client = client_for(team.member)

    answered = send(
        client, team, conversation,
        "Yes! It is our best seller for dry skin. More at https://glowtheory.example/serum",
    )  # fmt: skip
    carded = client.post(url(team, "shop_card", conversation), {"product_id": product.external_id})

    assert answered.status_code == carded.status_code == 302
    all_sent(team, 2)
    assert shop_side(shop, conversation.external_id) == [
        ("BUYER", "TEXT", {"content": "Is the serum good for dry skin?"}),
        ("SHOP", "TEXT", {
            "content": "Yes! It is our best seller for dry skin. More at glowtheory.example/serum"
        }),
        ("SHOP", "PRODUCT_CARD", {"product_id": product.external_id}),
    ]  # fmt: skip
    # TikTok Shop reported both back (webhook 14, role SHOP): matched, never shown twice.
    echoes_handled(team, 2)
    outbound = Message.objects.for_workspace(team.workspace).filter(direction="out")
    assert sorted(outbound.values_list("kind", flat=True)) == ["product_card", "text"]
    assert all(m.external_id for m in outbound)
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("human", team.member)
    page = visible(client.get(url(team, "conversation", conversation)))
    assert f"Product ID {product.external_id}" in page
    assert product.title in page
    assert "Links go as plain text" in page


def test_a_2500_character_reply_is_refused_with_its_count_then_split_when_agreed(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    place_order(emulator, team, amelia)
    buyer_writes(emulator, amelia, text="Can you tell me everything about the serum?")
    conversation = shop_chat_of(team)
    words = ("Vitamin C brightens and evens the tone. " * 70)[:2499] + "!"
    assert len(words) == 2500
    client = client_for(team.member)

    refused = send(client, team, conversation, words)

    assert refused.status_code == 409
    assert "2,500 characters: Shop chat takes 2,000 per message." in visible(refused)
    assert "Send as 2 messages" in visible(refused)
    assert not Send.objects.for_workspace(team.workspace).exists()

    agreed = client.post(
        url(team, "conversation_send", conversation),
        {"text": words, "mode": "reply", "split": "1"},
    )

    assert agreed.status_code == 302
    first, second = all_sent(team, 2)
    assert max(len(first.text), len(second.text)) <= 2000
    assert f"{first.text} {second.text}" == words
    sent = [
        c["content"] for role, _, c in shop_side(shop, conversation.external_id) if role == "SHOP"
    ]
    assert sent == [first.text, second.text]


def test_an_image_goes_up_and_out_and_anything_else_is_refused(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    place_order(emulator, team, amelia)
    buyer_writes(emulator, amelia, text="What colour is it?")
    conversation = shop_chat_of(team)
    client = client_for(team.member)
    image_url = url(team, "shop_image", conversation)

    too_big = client.post(
        image_url, {"image": SimpleUploadedFile("big.png", png(4, 4, padding=10 * 1024 * 1024))}
    )
    not_an_image = client.post(
        image_url,
        {"image": SimpleUploadedFile("photo.png", b"%PDF-1.7 not a photo", "image/png")},
    )

    assert too_big.status_code == not_an_image.status_code == 302
    assert not Send.objects.for_workspace(team.workspace).exists()

    sent = client.post(image_url, {"image": SimpleUploadedFile("swatch.png", png(3, 2))})

    assert sent.status_code == 302
    [row] = all_sent(team, 1)
    [(role, kind, content)] = [
        m for m in shop_side(shop, conversation.external_id) if m[0] == "SHOP"
    ]
    assert (role, kind, content["width"], content["height"]) == ("SHOP", "IMAGE", 3, 2)
    assert content["url"].startswith(emulator.url + "/shop-im-images/")
    assert row.payload == {"image": content}
    echoes_handled(team, 1)
    [message] = Message.objects.for_workspace(team.workspace).filter(direction="out")
    assert (message.kind, message.send_id) == ("image", row.pk)
    assert (
        f'<img src="{content["url"]}"'
        in client.get(url(team, "conversation", conversation)).content.decode()
    )


def test_the_refusal_messages_of_bad_images(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    buyer_writes(emulator, amelia, text="hello")
    conversation = shop_chat_of(team)
    client = client_for(team.member)

    big = client.post(
        url(team, "shop_image", conversation),
        {"image": SimpleUploadedFile("big.png", png(4, 4, padding=10 * 1024 * 1024))},
        follow=True,
    )
    pdf = client.post(
        url(team, "shop_image", conversation),
        {"image": SimpleUploadedFile("photo.png", b"%PDF-1.7 not a photo", "image/png")},
        follow=True,
    )

    assert "Shop chat takes images up to 10 MB." in visible(big)
    assert "Shop chat takes JPG, PNG, GIF or WebP images only." in visible(pdf)


def test_a_message_written_in_seller_center_is_shown_as_the_shops(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    buyer_writes(emulator, amelia, text="hello?")
    conversation = shop_chat_of(team)
    shop.refresh_from_db()

    with TikTokShopClient(access_token=shop.access_token, shop_cipher=shop.shop_cipher) as api:
        message_id = api.cs_message_send(
            conversation_id=conversation.external_id,
            message_type="TEXT",
            content={"content": "Answered from Seller Center"},
        )

    stored = wait_for(
        lambda: (
            Message.objects.for_workspace(team.workspace)
            .filter(direction="out", external_id=message_id)
            .first()
        )
    )
    assert (stored.text, stored.source, stored.send) == (
        "Answered from Seller Center",
        "shop",
        None,
    )
    assert "TikTok Shop" in visible(
        client_for(team.member).get(url(team, "conversation", conversation))
    )


# --- The seller writes first ------------------------------------------------------------------


def dm_with_buyer(team: Team, buyer_user_id: str, handle: str) -> Conversation:
    """A TikTok DM conversation with a contact known to be this Shop buyer."""
    contact = ContactFactory(workspace=team.workspace, handle=handle, shop_buyer_id=buyer_user_id)
    return Conversation.objects.create(
        workspace=team.workspace, connection=ConnectionFactory(workspace=team.workspace),
        contact=contact, channel="tiktok_dm", external_id=f"dm-{handle}",
        last_message_at=timezone.now(),
    )  # fmt: skip


def test_a_seller_started_chat_is_refused_for_a_buyer_tiktok_does_not_allow(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    jess = buyer(emulator, "jess_makeup")
    conversation = dm_with_buyer(team, jess, "jess_makeup")
    client = client_for(team.member)

    page = client.get(url(team, "conversation", conversation))
    refused = client.post(url(team, "shop_start", conversation), follow=True)

    reason = (
        "TikTok Shop lets a seller write first only to a buyer who chatted in the last 30 days, "
        "ordered in the last 60 days, or has a return or refund. This buyer has no Shop chat in "
        "the last 30 days, no order in the last 60 days on record, and no return or refund."
    )
    assert reason in visible(page)
    assert 'disabled aria-describedby="shop-start-why">Start Shop chat' in page.content.decode()
    assert reason in visible(refused)
    assert not Conversation.objects.for_workspace(team.workspace).filter(channel="shop_chat")
    # Our records may be wrong (an order TikTok does not know): TikTok's own refusal shows.
    Order.objects.create(
        workspace=team.workspace, connection=shop, external_id="576461413038799999",
        status="COMPLETED", buyer_user_id=jess, currency="GBP", total=Decimal("12.99"),
        created_at_platform=timezone.now() - timedelta(days=10),
        updated_at_platform=timezone.now() - timedelta(days=9),
    )  # fmt: skip

    tiktok_refused = client.post(url(team, "shop_start", conversation), follow=True)

    assert (
        "TikTok Shop refused: Unable to create a conversation with this buyer due to "
        "conversation rules. (code 45109003)" in visible(tiktok_refused)
    )
    assert not Conversation.objects.for_workspace(team.workspace).filter(channel="shop_chat")


def test_a_seller_starts_a_chat_with_a_recent_buyer_and_writes_in_it(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    place_order(emulator, team, amelia)
    conversation = dm_with_buyer(team, amelia, "amelia.rose")
    client = client_for(team.member)
    page = client.get(url(team, "conversation", conversation))
    assert "This buyer ordered today: TikTok Shop lets you write first." in visible(page)

    opened = client.post(url(team, "shop_start", conversation))

    chat = Conversation.objects.for_workspace(team.workspace).get(channel="shop_chat")
    assert opened["Location"] == url(team, "conversation", chat)
    assert (chat.contact, chat.state, chat.assignee, chat.connection) == (
        conversation.contact, "human", team.member, shop,
    )  # fmt: skip
    assert chat.external_id in {
        c["id"] for c in emulator.state()["platforms"]["shop"]["Shop conversations"]
    }
    send(client, team, chat, "Hi Amelia, your serum is on its way!")
    all_sent(team, 1)
    assert shop_side(shop, chat.external_id) == [
        ("SHOP", "TEXT", {"content": "Hi Amelia, your serum is on its way!"})
    ]


# --- The periodic sync --------------------------------------------------------------------------


def test_the_sync_reads_chats_a_webhook_never_brought_once(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    # Chloe wrote yesterday, before the shop was connected: no webhook will ever tell us.
    first = shop_chat.shop_chat_sync(connection=shop)
    again = shop_chat.shop_chat_sync(connection=shop)

    chat = shop_chat_of(team)
    assert chat.contact.display_name == "chloe.b"
    assert list(Message.objects.for_workspace(team.workspace).values_list("direction", "text")) == [
        ("in", "Hi! Is the lip oil safe for sensitive lips?")
    ]
    assert (first, again) == ("1 chats changed, 1 new messages", "0 chats changed, 0 new messages")
    assert ShopChatSettings.objects.for_workspace(team.workspace).get().synced_at is not None
    # She wrote yesterday: within TikTok's 7 days to answer, so it waits for a person.
    assert chat.state == "human"
