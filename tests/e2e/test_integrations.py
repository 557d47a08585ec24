"""An owner connects TikTok (leaving one permission out, then reconnecting) and TikTok Shop
through the emulator's authorize pages, sees the cards turn green, and disconnects."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from integrations.models import Connection
from tests.e2e.conftest import Shots
from tests.emulator_process import Emulator, point_settings_at, running_emulator
from tests.factories import MembershipFactory
from tests.factories.users import PASSWORD


@pytest.fixture
def live_emulator(live_server: Any, settings: Any) -> Iterator[Emulator]:
    callback = f"{live_server.url}/integrations/tiktok_shop/callback/"
    with running_emulator(shop_redirect_url=callback) as emulator:
        point_settings_at(emulator, settings)
        settings.PUBLIC_BASE_URL = live_server.url
        yield emulator


def card(page: Any, provider: str) -> Any:
    return page.locator(f'section.integration-card[data-provider="{provider}"]')


def test_connect_both_accounts_then_disconnect(
    live_server: Any, live_emulator: Emulator, browser: Any, shots: Shots
) -> None:
    owner = MembershipFactory(role="owner", workspace__name="Glow Beauty").user
    workspace_id = Connection.workspace.field.related_model.objects.get(
        name="Glow Beauty"
    ).public_id
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.on("dialog", lambda dialog: dialog.accept())

    page.goto(live_server.url + "/accounts/login/")
    page.get_by_label("Email").fill(owner.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Sign In", re.I)).click()
    page.goto(f"{live_server.url}/w/{workspace_id}/settings/integrations/")
    expect(card(page, "tiktok").locator("[data-status]")).to_have_text("Disconnected")
    shots(page, "integrations-empty")

    # TikTok, with one permission left out.
    card(page, "tiktok").get_by_role("button", name="Connect TikTok").click()
    expect(page.get_by_text("Signed in as")).to_be_visible()
    page.locator("input[value='message.list.send']").uncheck()
    shots(page, "tiktok-authorize")
    page.get_by_role("button", name="Authorize").click()
    expect(card(page, "tiktok").locator("[data-status]")).to_have_text("Needs attention")
    expect(card(page, "tiktok")).to_contain_text("Missing permissions: message.list.send")
    shots(page, "tiktok-needs-attention")

    card(page, "tiktok").get_by_role("button", name="Reconnect").click()
    page.get_by_role("button", name="Authorize").click()
    expect(card(page, "tiktok").locator("[data-status]")).to_have_text("Connected")
    expect(card(page, "tiktok")).to_contain_text("@glowbeauty")
    expect(card(page, "tiktok")).to_contain_text(re.compile(r"Last sync\s*\d"))

    # TikTok Shop, in its own region.
    card(page, "tiktok_shop").get_by_role("button", name="Connect TikTok Shop").click()
    page.locator("select#region").select_option("GB")
    shots(page, "shop-authorize")
    page.get_by_role("button", name="Authorize").click()
    expect(card(page, "tiktok_shop").locator("[data-status]")).to_have_text("Connected")
    expect(card(page, "tiktok_shop")).to_contain_text("GB")
    shots(page, "both-connected")

    card(page, "tiktok").get_by_role("button", name="Disconnect").click()
    expect(card(page, "tiktok").locator("[data-status]")).to_have_text("Disconnected")
    expect(page.get_by_text("reconnecting the same account brings everything back")).to_be_visible()
    shots(page, "tiktok-disconnected")
    assert Connection.unscoped.get(provider="tiktok").status == "disconnected"
    context.close()
