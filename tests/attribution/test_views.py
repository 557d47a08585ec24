"""The orders panel on a conversation, and confirming or rejecting a soft attribution."""

from decimal import Decimal

import pytest
from django.urls import reverse

from attribution.models import Attribution
from tests.attribution.test_matching import LIPSTICK, SERUM, Shop, linked
from tests.conftest import client_for
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def page(shop: Shop, client: object) -> str:
    url = reverse(
        "inbox:conversation",
        kwargs={"workspace_id": shop.workspace.public_id, "conversation_id": shop.conversation.pk},
    )
    return client.get(url).content.decode()  # type: ignore[attr-defined]


def decide_url(shop: Shop, attribution: Attribution) -> str:
    return reverse(
        "attribution:attribution_decide",
        kwargs={"workspace_id": shop.workspace.public_id, "attribution_id": attribution.pk},
    )


def test_the_panel_shows_the_tied_order_with_its_link_and_key() -> None:
    shop = Shop()
    linked(shop)
    shop.link(SERUM)
    order = shop.order(SERUM)
    member = MembershipFactory(workspace=shop.workspace, role="member").user

    html = page(shop, client_for(member))

    assert f"Order {order.external_id}" in html
    assert "Awaiting shipment" in html
    assert "1 × Hydra Glow Vitamin C Serum (30 ml)" in html
    assert "24.99 GBP" in html
    assert f"order_no={order.external_id}" in html
    assert "Matched on the TikTok Shop buyer id" in html
    assert "order-soft" not in html


def test_a_member_confirms_a_soft_attribution_and_it_counts() -> None:
    shop = Shop()
    linked(shop)
    shop.link(LIPSTICK)
    shop.order(SERUM)
    member = MembershipFactory(workspace=shop.workspace, role="member").user
    client = client_for(member)
    assert "order-soft" in page(shop, client)

    response = client.post(decide_url(shop, shop.attribution()), {"decision": "confirmed"})

    assert response.status_code == 302
    attribution = shop.attribution()
    assert (attribution.decision, attribution.decided_by, attribution.revenue) == (
        "confirmed", member, Decimal("24.99"),
    )  # fmt: skip


def test_another_workspace_cannot_touch_an_attribution() -> None:
    shop, other = Shop(), Shop()
    linked(shop)
    shop.link(LIPSTICK)
    shop.order(SERUM)
    outsider = MembershipFactory(workspace=other.workspace, role="owner").user
    url = reverse(
        "attribution:attribution_decide",
        kwargs={"workspace_id": other.workspace.public_id, "attribution_id": shop.attribution().pk},
    )

    assert client_for(outsider).post(url, {"decision": "confirmed"}).status_code == 404
    assert (
        client_for(outsider)
        .post(decide_url(shop, shop.attribution()), {"decision": "confirmed"})
        .status_code
        == 404
    )
    assert shop.attribution().decision == ""
