"""A teammate answers a TikTok Shop buyer from the inbox, in a browser: the owner connects the
shop on TikTok Shop's authorize page, a buyer writes in the emulator and the chat appears in
the inbox as Shop, with the buyer's name; the teammate replies with text and a product card,
and TikTok Shop's side of the chat holds both; then the teammate closes the chat asking for a
rating, the buyer rates it 5 and Analytics → Customer service shows the session at 100 %."""

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from attribution.models import Order
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation, Send
from integrations.clients.tiktok_shop import TikTokShopClient
from integrations.models import Connection, Product
from support import services
from support.models import RatingRequest
from tests.e2e.conftest import Shots
from tests.emulator_process import Emulator, point_settings_at, quiesce, running_emulator
from tests.factories import MembershipFactory
from tests.factories.users import PASSWORD
from tests.flows.test_public_reply import wait_for
from tests.inbox.test_shop_chat_live import png


@pytest.fixture
def live_emulator(live_server: Any, settings: Any) -> Iterator[Emulator]:
    callback = f"{live_server.url}/integrations/tiktok_shop/callback/"
    with running_emulator(shop_redirect_url=callback) as emulator:
        point_settings_at(emulator, settings)
        settings.PUBLIC_BASE_URL = live_server.url
        yield emulator
        quiesce(emulator)


def shop_side(shop: Connection, conversation_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    shop.refresh_from_db()
    with TikTokShopClient(access_token=shop.access_token, shop_cipher=shop.shop_cipher) as client:
        rows = client.cs_messages(conversation_id=conversation_id)["messages"]
    return [(r["sender"]["role"], r["type"], json.loads(r["content"])) for r in reversed(rows)]


def test_a_teammate_answers_a_shop_buyer_from_the_inbox(
    live_server: Any, live_emulator: Emulator, browser: Any, shots: Shots
) -> None:
    owner = MembershipFactory(role="owner", workspace__name="Glow Beauty").user
    workspace = Workspace.objects.get(name="Glow Beauty")
    base = f"{live_server.url}/w/{workspace.public_id}"
    page = browser.new_context(viewport={"width": 1280, "height": 1000}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()

    page.goto(f"{base}/settings/integrations/")
    shop_card = page.locator('section.integration-card[data-provider="tiktok_shop"]')
    shop_card.get_by_role("button", name="Connect TikTok Shop").click()
    page.locator("select#region").select_option("GB")
    page.get_by_role("button", name="Authorize").click()
    expect(shop_card.locator("[data-status]")).to_have_text("Connected")
    shop = Connection.objects.for_workspace(workspace).get(provider="tiktok_shop")
    wait_for(lambda: Product.objects.for_workspace(workspace).exists())

    # The inbox is open when the buyer writes.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Inbox").click()
    buyers = live_emulator.state()["platforms"]["shop"]["Buyers"]
    amelia = next(b["user_id"] for b in buyers if b["nickname"] == "amelia.rose")
    live_emulator.control(
        "/shop/messages",
        {"buyer_user_id": amelia, "type": "TEXT", "text": "Does the serum come in 30 ml? 😊"},
    )
    card = page.locator(".conversation-card").first
    expect(card).to_contain_text("amelia.rose", timeout=20_000)
    expect(card.locator(".chip-shop")).to_have_text("Shop")
    expect(card).to_contain_text("Does the serum come in 30 ml? 😊")
    shots(page, "inbox-shop-chat")

    card.click()
    thread = page.locator("#thread-scroll")
    expect(thread).to_contain_text("Does the serum come in 30 ml? 😊")

    # A photo (served by TikTok Shop's host, which the page's CSP allows) and an order card.
    overview = live_emulator.http.get("/_control/shop/").json()
    sku = overview["products"][0]["skus"][1]
    placed = live_emulator.control(
        "/shop/orders", {"buyer_user_id": amelia, "items": [{"sku_id": sku["id"]}]}
    )
    wait_for(
        lambda: (
            Order.objects.for_workspace(workspace)
            .filter(external_id=placed["id"], details_missing=False)
            .exists()
        )
    )
    with TikTokShopClient(access_token=shop.access_token, shop_cipher=shop.shop_cipher) as api:
        photo = api.cs_image_upload(data=png(40, 30), filename="p.png", content_type="image/png")
    for kind, content in (("IMAGE", photo), ("ORDER_CARD", {"order_id": placed["id"]})):
        live_emulator.control(
            "/shop/messages", {"buyer_user_id": amelia, "type": kind, "content": content}
        )
    image = thread.locator(f'img[src="{photo["url"]}"]')
    expect(image).to_be_visible(timeout=20_000)
    page.wait_for_function(
        "(img) => img.complete && img.naturalWidth === 40", arg=image.element_handle()
    )
    order_card = thread.locator(f'[data-order="{placed["id"]}"]')
    expect(order_card).to_contain_text("Awaiting shipment")
    expect(order_card).to_contain_text(f"Variant {sku['name']} · Price {sku['price']} GBP")
    shots(page, "buyer-photo-and-order")
    expect(page.locator("#composer-status")).to_contain_text("Links go as plain text")

    page.get_by_label("Message", exact=True).fill(
        "Yes! 30 ml is £24.99 — see glowtheory.example 💕"
    )
    page.get_by_role("button", name="Send", exact=True).click()
    expect(thread).to_contain_text("Yes! 30 ml is £24.99")

    page.get_by_label("Product card", exact=True).fill("Vitamin C")
    page.locator("#shop-products").get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Send the card of Hydra Glow Vitamin C Serum").click()
    expect(thread.locator("[data-product]")).to_contain_text("Hydra Glow Vitamin C Serum")
    expect(thread.locator("[data-product]")).to_contain_text("Product ID")
    expect(thread.locator("[data-delivery]").last).to_have_text("Sent", timeout=20_000)
    shots(page, "teammate-answered")

    chat = Conversation.objects.for_workspace(workspace).get(channel="shop_chat")
    assert (chat.state, chat.assignee) == ("human", owner)
    wait_for(lambda: not Send.objects.for_workspace(workspace).exclude(state="sent").exists())
    product = Product.objects.for_workspace(workspace).get(title="Hydra Glow Vitamin C Serum")
    assert shop_side(shop, chat.external_id) == [
        ("BUYER", "TEXT", {"content": "Does the serum come in 30 ml? 😊"}),
        ("BUYER", "IMAGE", {**photo, "width": "40", "height": "30"}),
        ("BUYER", "ORDER_CARD", {"order_id": placed["id"]}),
        ("SHOP", "TEXT", {"content": "Yes! 30 ml is £24.99 — see glowtheory.example 💕"}),
        ("SHOP", "PRODUCT_CARD", {"product_id": product.external_id}),
    ]

    # The teammate closes the chat asking for a rating (a double click sends one request); the
    # buyer answers 5 in TikTok Shop; the conversation shows it and so does the service report.
    page.get_by_role("button", name="Close and ask for a rating").dblclick()
    expect(page.locator("[data-rating-panel]")).to_contain_text("Rating asked")
    wait_for(lambda: not Send.objects.for_workspace(workspace).exclude(state="sent").exists())
    assert Send.objects.for_workspace(workspace).count() == 3
    assert shop_side(shop, chat.external_id)[-1] == (
        "SHOP", "TEXT", {"content": services.SHOP_REQUEST},
    )  # fmt: skip
    live_emulator.control("/shop/messages", {"buyer_user_id": amelia, "type": "TEXT", "text": "5"})
    wait_for(lambda: RatingRequest.objects.for_workspace(workspace).filter(rating=5).exists())
    page.reload()
    expect(page.locator("[data-rating-panel]")).to_contain_text("Rated 5 of 5 😀")
    expect(thread).to_contain_text("The buyer rated the conversation 5 of 5 😀.")
    shots(page, "rated-5")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Analytics").click()
    page.get_by_role("link", name="Customer service").click()
    expect(page.locator('[data-figure="sessions"]')).to_have_text("1")
    expect(page.locator('[data-figure="csat"]')).to_have_text("100%")
    expect(page.locator("#accounts-table")).to_contain_text("100%")
    expect(page.locator("body.analytics-charts-drawn")).to_have_count(1)
    expect(page.locator("#chart-sessions canvas")).to_have_count(1)
    shots(page, "service-report")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator("#chart-first-response canvas")).to_be_visible()
    width = page.locator("#chart-sessions").evaluate("(el) => el.scrollWidth <= el.clientWidth + 1")
    assert width is True
    shots(page, "service-report-phone")
    assert problems == []
