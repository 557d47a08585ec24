"""The whole path in a browser: an owner connects TikTok, builds a flow and a trigger,
publishes; a viewer comments in the emulator and gets a public reply and a DM; the
conversation appears in the inbox without a reload; the buyer answers, a teammate takes over
and replies, and TikTok's side of the conversation holds every message."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation, Send
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.models import Connection
from tests.e2e.conftest import Shots
from tests.emulator_process import Emulator, point_settings_at, quiesce, running_emulator
from tests.factories import MembershipFactory
from tests.factories.flows_extra import SkuFactory
from tests.factories.integrations import ShopConnectionFactory
from tests.factories.users import PASSWORD
from tests.flows.test_public_reply import wait_for


@pytest.fixture
def live_emulator(live_server: Any, settings: Any) -> Iterator[Emulator]:
    callback = f"{live_server.url}/integrations/tiktok_shop/callback/"
    with running_emulator(shop_redirect_url=callback) as emulator:
        point_settings_at(emulator, settings)
        settings.PUBLIC_BASE_URL = live_server.url
        yield emulator
        quiesce(emulator)


def tiktok_side(connection: Connection, conversation_id: str) -> list[str]:
    connection.refresh_from_db()
    with TikTokBusinessClient(access_token=connection.access_token) as client:
        rows = client.conversation_messages(
            business_id=connection.external_id, conversation_id=conversation_id
        )
    return [row["text"]["body"] for row in reversed(rows)]


def test_a_comment_becomes_a_conversation_a_teammate_takes_over(
    live_server: Any, live_emulator: Emulator, browser: Any, shots: Shots
) -> None:
    owner = MembershipFactory(role="owner", workspace__name="Glow Beauty").user
    workspace = Workspace.objects.get(name="Glow Beauty")
    shop = ShopConnectionFactory(workspace=workspace)
    SkuFactory(
        product__connection=shop, product__title="Glow Serum", name="30 ml",
        price="24.99", currency="GBP", stock=85,
    )  # fmt: skip
    base = f"{live_server.url}/w/{workspace.public_id}"
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()

    # Connect TikTok through its authorize page.
    page.goto(f"{base}/settings/integrations/")
    page.locator('section.integration-card[data-provider="tiktok"]').get_by_role(
        "button", name="Connect TikTok"
    ).click()
    page.get_by_role("button", name="Authorize").click()
    expect(
        page.locator('section.integration-card[data-provider="tiktok"] [data-status]')
    ).to_have_text("Connected")
    connection = Connection.objects.for_workspace(workspace).get(provider="tiktok")

    # A flow: the price with a product, then a question.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Flows").click()
    page.get_by_role("link", name="New flow").click()
    page.get_by_label("Name").fill("Price and skin type")
    page.get_by_role("button", name="Create flow").click()
    page.get_by_role("button", name="Add a Message block").click()
    message = page.locator('[data-block-type="message"]')
    message.get_by_label("Message text").fill("Hi! {name} is {price} 💕")
    message.get_by_label("Product (optional)").fill("serum")
    message.get_by_role("button", name=re.compile("Glow Serum")).click()
    page.get_by_role("button", name="Add a Question block").click()
    question = page.locator('[data-block-type="question"]')
    question.get_by_label("Question", exact=True).fill("What's your skin type?")
    question.get_by_label("Save the answer to the field").fill("skin")
    expect(page.locator("#flow-preview")).to_contain_text("Glow Serum (30 ml) is £24.99")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.get_by_role("button", name="Publish").click()
    expect(page.locator("[data-live-version]")).to_have_text("Live v1")
    shots(page, "flow-published")

    # A trigger on "price" that starts it.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Automations").click()
    page.get_by_role("link", name="New trigger").click()
    page.get_by_label("Name").fill("Price")
    page.get_by_label("Keywords").fill("price")
    page.get_by_label("Public reply", exact=True).fill("Sent you a DM 💌")
    page.get_by_label("DM flow").select_option(label="Price and skin type (live v1)")
    page.get_by_role("button", name="Save trigger").click()
    page.locator('tr[data-trigger="Price"]').get_by_role("button", name="Activate").click()
    expect(page.locator('tr[data-trigger="Price"]')).to_contain_text("Active")

    # The inbox is open when the comment arrives.
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Inbox").click()
    live_emulator.control("/business/comments", {"text": "PRICE?", "viewer": "mali.skincare"})
    card = page.locator(".conversation-card").first
    expect(card).to_contain_text("What's your skin type?", timeout=20_000)
    expect(card).to_contain_text("Price")  # Triggered by
    shots(page, "inbox-new-conversation")
    reply = wait_for(
        lambda: (
            Send.objects.for_workspace(workspace).filter(kind="public_reply", state="sent").first()
        )
    )
    assert reply.text == "Sent you a DM 💌"

    # The buyer answers in TikTok; the flow saves it.
    card.click()
    live_emulator.control("/business/messages", {"viewer": "mali.skincare", "text": "Oily"})
    thread = page.locator("#thread-scroll")
    expect(thread).to_contain_text("Oily", timeout=20_000)

    # A teammate takes over and replies.
    page.get_by_role("button", name="Take it").click()
    page.get_by_label("Message", exact=True).fill("For oily skin the 30 ml is perfect 🙌")
    page.get_by_role("button", name="Send", exact=True).click()
    expect(thread).to_contain_text("For oily skin the 30 ml is perfect 🙌")
    shots(page, "teammate-replied")

    conversation = Conversation.objects.for_workspace(workspace).get()
    assert conversation.state == "human"
    assert conversation.contact.fields == {"skin": "Oily"}
    wait_for(lambda: not Send.objects.for_workspace(workspace).exclude(state="sent").exists())
    assert tiktok_side(connection, conversation.external_id) == [
        "Hi! Glow Serum (30 ml) is £24.99 💕\n\nWhat's your skin type?",
        "Oily",
        "For oily skin the 30 ml is perfect 🙌",
    ]
    assert problems == []
