"""Orders over real HTTP: the buyer who got a shop card in TikTok Shop chat orders in the
emulator; the order webhook arrives, the product reads the order and credits the
conversation, and a refund takes the revenue back."""

from decimal import Decimal
from typing import Any

import pytest

from attribution.models import Attribution, Order
from flows.models import Run
from inbox import services as inbox_services
from inbox.models import Contact, Send
from integrations.models import Connection, Sku
from tests.conftest import Team
from tests.emulator_process import Emulator
from tests.flows.test_dm_flow import account, published, trigger_with, wake
from tests.flows.test_public_reply import wait_for
from tests.integrations.test_connect import approve_shop, browser, finish, start

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["account"]


def test_a_shop_card_then_an_order_is_attributed_and_a_refund_reverses_it(
    account: Connection, emulator: Emulator, team: Team, settings: Any
) -> None:
    client = browser(team.owner)
    approved = approve_shop(emulator, start(client, team.workspace, "tiktok_shop"))
    finish(client, approved.headers["Location"])
    sku = wait_for(
        lambda: Sku.objects.for_workspace(team.workspace).select_related("product").first()
    )
    # The workspace lets the bot answer in Shop chat (off by default: TikTok Shop's own).
    inbox_services.shop_bot_set(
        connection=Connection.objects.for_workspace(team.workspace).get(provider="tiktok_shop"),
        enabled=True,
        actor=team.owner,
    )
    buyers = emulator.state()["platforms"]["shop"]["Buyers"]
    amelia = next(b for b in buyers if b["nickname"] == "amelia.rose")
    flow = published(account, [{"id": "card", "type": "shop_link", "sku_id": sku.external_id}])
    trigger = trigger_with(account, flow, keywords=["love"])
    emulator.control("/business/comments", {"text": "love it", "viewer": "mali.skincare"})
    contact = wait_for(lambda: Contact.objects.for_workspace(team.workspace).first())
    Contact.unscoped.filter(pk=contact.pk).update(shop_buyer_id=amelia["user_id"])
    run = wait_for(lambda: Run.objects.for_workspace(team.workspace).first())
    for _ in range(4):  # no verdict: Comment-to-Message never opens, Shop chat does
        wake(run)
    wait_for(
        lambda: (
            Send.objects.for_workspace(team.workspace)
            .filter(kind="dm", door="shop_chat", state="sent")
            .exists()
        )
    )

    placed = emulator.control(
        "/shop/orders",
        {"buyer_user_id": amelia["user_id"], "items": [{"sku_id": sku.external_id, "quantity": 2}]},
    )

    attribution = wait_for(
        lambda: (
            Attribution.objects.for_workspace(team.workspace)
            .filter(order__external_id=placed["id"], order__details_missing=False)
            .select_related("order")
            .first()
        )
    )
    assert (attribution.outcome, attribution.trigger, attribution.block_id) == (
        "attributed", trigger, "card",
    )  # fmt: skip
    assert attribution.revenue == Decimal(placed["payment"]["total_amount"])
    assert attribution.order.lines.get().quantity == 2

    emulator.control(f"/shop/orders/{placed['id']}/refund")

    # The return (type 12) and, since it had not shipped, the cancellation (type 1) arrive
    # as two webhooks, in either order.
    wait_for(
        lambda: (
            Order.objects.for_workspace(team.workspace)
            .filter(pk=attribution.order_id, refunded=True, status="CANCELLED")
            .exists()
        )
    )
    attribution.refresh_from_db()
    assert attribution.revenue == 0
