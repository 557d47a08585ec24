"""An admin builds a DM flow in the browser: a message with a product picked by search, four
quick replies, the live preview through two doors, save, publish."""

import re
from typing import Any

from playwright.sync_api import expect

from flows.models import Flow
from tests.e2e.conftest import Shots
from tests.factories import MembershipFactory
from tests.factories.flows_extra import SkuFactory
from tests.factories.integrations import ShopConnectionFactory
from tests.factories.users import PASSWORD


def test_build_preview_save_and_publish_a_flow(
    live_server: Any, browser: Any, shots: Shots
) -> None:
    admin = MembershipFactory(role="admin", workspace__name="Glow Beauty")
    shop = ShopConnectionFactory(workspace=admin.workspace)
    SkuFactory(
        product__connection=shop,
        product__title="Velvet Matte Lipstick",
        name="Rose 01",
        price="390.00",
        currency="THB",
        stock=12,
    )
    SkuFactory(product__connection=shop, product__title="Glow Serum", name="30 ml", price="590.00")
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(admin.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Flows").click()
    page.get_by_role("link", name="New flow").click()
    page.get_by_label("Name").fill("Lipstick shades")
    page.get_by_role("button", name="Create flow").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lipstick shades")

    page.get_by_role("button", name="Add a Message block").click()
    message = page.locator('[data-block-type="message"]')
    message.get_by_label("Message text").fill("{name} is {price} today 💄")
    message.get_by_label("Product (optional)").fill("velvet")
    message.get_by_role("button", name=re.compile("Velvet Matte Lipstick")).click()
    expect(message.locator("[data-sku-picked]")).to_contain_text(
        "Velvet Matte Lipstick · Rose 01 · ฿390.00 · 12 in stock"
    )

    page.get_by_role("button", name="Add a Quick replies block").click()
    replies = page.locator('[data-block-type="quick_replies"]')
    replies.get_by_label("Text above the replies").fill("Which shade?")
    replies.get_by_role("button", name="Add quick reply").click()
    replies.get_by_role("button", name="Add quick reply").click()
    for n, label in enumerate(("Rose", "Coral", "Nude", "Berry"), start=1):
        replies.get_by_label(f"Quick reply {n}", exact=True).fill(label)
    expect(replies.get_by_role("button", name="Add quick reply")).to_be_disabled()

    preview = page.locator("#flow-preview")
    expect(preview).to_contain_text("Velvet Matte Lipstick (Rose 01) is ฿390.00 today 💄")
    page.get_by_label("Sent through").select_option(label="Comment-to-Message")
    expect(preview).to_contain_text(
        re.compile(
            r"Which shade\?\s*1\. Rose\s*2\. Coral\s*3\. Nude\s*4\. Berry\s*Reply with a number"
        )
    )
    expect(preview).to_contain_text("Comment-to-Message carries text only")
    expect(page.locator("#save-state")).to_have_text("Unsaved changes")
    shots(page, "flow-editor")

    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#save-state")).to_have_text("All changes saved")
    page.get_by_role("button", name="Publish").click()

    expect(page.locator(".messages")).to_contain_text("Published v1")
    expect(page.locator("[data-live-version]")).to_have_text("Live v1")
    flow = Flow.objects.for_workspace(admin.workspace).get()
    assert [b["type"] for b in flow.live_version.blocks] == ["message", "quick_replies"]
    assert [o["label"] for o in flow.live_version.blocks[1]["options"]] == [
        "Rose",
        "Coral",
        "Nude",
        "Berry",
    ]
    shots(page, "published")

    page.set_viewport_size({"width": 390, "height": 844})
    shots(page, "phone")
    assert problems == []
