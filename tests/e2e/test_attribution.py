"""In a browser: a buyer who got a shop card orders in the emulator; the conversation's panel
shows the order and Analytics → Posts credits the video with its revenue."""

import re
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import expect

from analytics.services import rollup_recent
from attribution.models import Attribution
from flows.models import Run
from inbox import services as inbox_services
from inbox.models import Contact, Conversation, Send
from integrations.models import Connection, Sku
from tests.conftest import Team
from tests.e2e.conftest import Shots
from tests.e2e.test_comment_to_dm import live_emulator
from tests.emulator_process import Emulator
from tests.factories.users import PASSWORD
from tests.flows.test_dm_flow import published, trigger_with, wake
from tests.flows.test_public_reply import wait_for
from tests.integrations.test_connect import (
    approve_shop,
    connect_tiktok,
    finish,
    start,
)
from tests.integrations.test_connect import (
    browser as django_client,
)

__all__ = ["live_emulator"]


@pytest.mark.django_db(transaction=True)
def test_an_order_shows_on_its_conversation_and_in_analytics(
    live_server: Any, live_emulator: Emulator, browser: Any, team: Team, shots: Shots
) -> None:
    emulator = live_emulator
    client = django_client(team.owner)
    connect_tiktok(client, emulator, team.workspace)
    approved = approve_shop(emulator, start(client, team.workspace, "tiktok_shop"))
    finish(client, approved.headers["Location"])
    account = Connection.objects.for_workspace(team.workspace).get(provider="tiktok")
    shop = Connection.objects.for_workspace(team.workspace).get(provider="tiktok_shop")
    inbox_services.shop_bot_set(connection=shop, enabled=True, actor=team.owner)
    sku = wait_for(
        lambda: Sku.objects.for_workspace(team.workspace).select_related("product").first()
    )
    buyers = emulator.state()["platforms"]["shop"]["Buyers"]
    amelia = next(b for b in buyers if b["nickname"] == "amelia.rose")
    flow = published(account, [{"id": "card", "type": "shop_link", "sku_id": sku.external_id}])
    trigger_with(account, flow, keywords=["love"], name="Love it")
    emulator.control("/business/comments", {"text": "love it", "viewer": "mali.skincare"})
    contact = wait_for(lambda: Contact.objects.for_workspace(team.workspace).first())
    Contact.unscoped.filter(pk=contact.pk).update(shop_buyer_id=amelia["user_id"])
    run = wait_for(lambda: Run.objects.for_workspace(team.workspace).first())
    for _ in range(4):
        wake(run)
    wait_for(
        lambda: (
            Send.objects.for_workspace(team.workspace)
            .filter(kind="dm", door="shop_chat", state="sent")
            .exists()
        )
    )
    placed = emulator.control(
        "/shop/orders", {"buyer_user_id": amelia["user_id"], "items": [{"sku_id": sku.external_id}]}
    )
    attribution = wait_for(
        lambda: (
            Attribution.objects.for_workspace(team.workspace)
            .filter(order__external_id=placed["id"], outcome="attributed")
            .first()
        )
    )
    assert attribution.revenue == Decimal(placed["payment"]["total_amount"])
    rollup_recent(workspace_id=team.workspace.pk)
    chat = Conversation.objects.for_workspace(team.workspace).get(channel="shop_chat")

    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(team.owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.goto(f"{live_server.url}/w/{team.workspace.public_id}/inbox/{chat.pk}/")
    panel = page.locator("[data-orders]")
    expect(panel).to_contain_text(f"Order {placed['id']}")
    expect(panel).to_contain_text(sku.product.title)
    expect(panel).to_contain_text("Matched on the TikTok Shop buyer id")
    shots(page, "conversation-order")

    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Analytics").click()
    page.get_by_role("link", name="Posts").click()
    posts = page.locator("table")
    expect(posts.first).to_contain_text(placed["payment"]["total_amount"])
    shots(page, "analytics-posts")
