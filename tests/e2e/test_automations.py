"""An admin builds a trigger in the browser, activates it, tests a comment, and reads the log."""

import re
import time
from typing import Any

from playwright.sync_api import expect

from flows import engine
from flows.models import Trigger
from tests.e2e.conftest import Shots
from tests.factories import CommentFactory, ConnectionFactory, MembershipFactory, TriggerFactory
from tests.factories.users import PASSWORD


def test_build_activate_and_test_a_trigger(live_server: Any, browser: Any, shots: Shots) -> None:
    admin = MembershipFactory(role="admin", workspace__name="Glow Beauty")
    connection = ConnectionFactory(workspace=admin.workspace)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(admin.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Automations").click()
    page.get_by_role("link", name="New trigger").click()

    page.get_by_label("Name").fill("Price")
    page.get_by_label("Keywords").fill("price, link, ราคา")
    page.get_by_label("Ends with a question mark").check()
    page.get_by_label("Public reply", exact=True).fill("Sent you the details in DM 💌")
    shots(page, "trigger-form")
    page.get_by_role("button", name="Save trigger").click()

    row = page.locator('tr[data-trigger="Price"]')
    expect(row).to_contain_text("Draft")
    row.get_by_role("button", name="Activate").click()
    expect(page.locator('tr[data-trigger="Price"]')).to_contain_text("Active")

    page.get_by_label("Paste a comment").fill("ราคาเท่าไหร่คะ")
    page.get_by_role("button", name="Test", exact=True).click()
    expect(page.locator("[data-preview]")).to_have_text("would fire “Price”")

    engine.comment_evaluate(comment=CommentFactory(connection=connection, text="how much is it"))
    engine.comment_evaluate(comment=CommentFactory(connection=connection, text="LINK?"))
    page.reload()
    log = page.locator("#evaluations-table")
    expect(log).to_contain_text("Fired")
    expect(log).to_contain_text("No trigger matched")
    shots(page, "automations")


def test_dragging_a_trigger_changes_which_runs_first(
    live_server: Any, browser: Any, shots: Shots
) -> None:
    admin = MembershipFactory(role="admin", workspace__name="Glow Beauty")
    connection = ConnectionFactory(workspace=admin.workspace)
    for priority, name in enumerate(("Price", "Shipping", "Link"), start=1):
        TriggerFactory(connection=connection, name=name, priority=priority * 10)
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(admin.user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Automations").click()
    handle = page.locator('tr[data-trigger="Link"] .drag-handle')
    handle.drag_to(
        page.locator('tr[data-trigger="Price"] [data-rank]'), target_position={"x": 2, "y": 1}
    )

    rows = page.locator("#triggers-table tbody tr")
    expect(rows.first).to_have_attribute("data-trigger", "Link")
    expect(rows.first.locator("[data-rank]")).to_have_text("1")
    expect(rows.first.get_by_role("button", name="Move “Link” up")).to_be_disabled()

    def saved() -> list[str]:
        return list(
            Trigger.objects.for_workspace(admin.workspace)
            .order_by("priority", "id")
            .values_list("name", flat=True)
        )

    deadline = time.monotonic() + 10
    while saved() != ["Link", "Price", "Shipping"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert saved() == ["Link", "Price", "Shipping"]
    page.reload()
    expect(page.locator("#triggers-table tbody tr").first).to_have_attribute("data-trigger", "Link")
    assert problems == []
