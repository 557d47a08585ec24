"""Which conversation an order is credited to, and how sure: the three outcomes, a person's
word on a soft one, every arrival order of the events, refunds, and redelivery."""

import itertools
import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from attribution import matching, orders, services
from attribution.models import Attribution, Order
from flows.models import Flow, FlowVersion, Run
from inbox import hooks
from inbox import services as inbox_services
from inbox.models import Conversation, Message, Send
from tests.factories import (
    CommentFactory,
    ConnectionFactory,
    ContactFactory,
    ShopConnectionFactory,
    TriggerFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

BUYER = "7494560109732338459"
SERUM, LIPSTICK = "1729001001", "1729002001"


class Shop:
    """A workspace with TikTok and a Shop, one commenter who became a DM conversation."""

    def __init__(self) -> None:
        self.tiktok = ConnectionFactory()
        self.workspace = self.tiktok.workspace
        self.shop = ShopConnectionFactory(workspace=self.workspace)
        self.contact = ContactFactory(workspace=self.workspace, handle="mali.skincare")
        self.conversation = Conversation.unscoped.create(
            workspace=self.workspace, connection=self.tiktok, contact=self.contact,
            channel="tiktok_dm", external_id="0:1:abc",
        )  # fmt: skip
        self.comment = CommentFactory(
            connection=self.tiktok,
            contact=self.contact,
            commented_at=timezone.now() - timedelta(days=2, hours=1),
        )
        flow = Flow.unscoped.create(workspace=self.workspace, name="Price")
        self.version = FlowVersion.unscoped.create(
            workspace=self.workspace, flow=flow, number=1, blocks=[]
        )
        self.trigger = TriggerFactory(connection=self.tiktok, flow=flow)
        self.run = Run.unscoped.create(
            workspace=self.workspace, connection=self.tiktok, flow_version=self.version,
            trigger=self.trigger, comment=self.comment, contact=self.contact,
            conversation=self.conversation, state="done",
        )  # fmt: skip

    def link(self, sku_id: str, *, days_before_order: float = 1, delivered: bool = True) -> Message:
        """A DM with a shop link for ``sku_id``, sent by the run's "card" step."""
        at = self.ordered_at - timedelta(days=days_before_order)
        send = Send.objects.create(
            workspace=self.workspace, connection=self.tiktok, kind="dm", door="window",
            conversation=self.conversation, text="here", state="sent" if delivered else "failed",
        )  # fmt: skip
        product = {"product_id": f"p{sku_id}", "sku_id": sku_id, "title": "Glow Serum"}
        return Message.objects.create(
            workspace=self.workspace, conversation=self.conversation, direction="out",
            kind="product_card", text="here", send=send, sent_at=at,
            payload={"product": product, "run": self.run.pk, "block": "card"},
        )  # fmt: skip

    ordered_at = timezone.now().replace(microsecond=0) - timedelta(days=1)

    def order_data(self, *skus: str, status: str = "AWAITING_SHIPMENT", update: int = 0) -> Any:
        data = json.loads(
            (Path(__file__).parents[1] / "fixtures/tiktok_shop/order_detail.json").read_text()
        )
        stamp = int(self.ordered_at.timestamp())
        data.update(user_id=BUYER, status=status, create_time=stamp, update_time=stamp + update)
        item = data["line_items"][0]
        data["line_items"] = [{**item, "sku_id": sku, "product_id": f"p{sku}"} for sku in skus]
        data["payment"]["total_amount"] = str(Decimal("24.99") * len(skus))
        return data

    def order(self, *skus: str, **kwargs: Any) -> Order:
        return orders.order_store(connection=self.shop, data=self.order_data(*skus, **kwargs))

    def attribution(self) -> Attribution:
        return Attribution.objects.for_workspace(self.workspace).get()


@pytest.fixture
def shop() -> Shop:
    return Shop()


def linked(shop: Shop) -> None:
    inbox_services.contact_link_buyer(contact=shop.contact, buyer_user_id=BUYER)


def test_a_link_to_the_ordered_sku_is_attributed_with_its_whole_trail(shop: Shop) -> None:
    linked(shop)
    shop.link(SERUM, days_before_order=3)
    shop.link(LIPSTICK, days_before_order=1)

    shop.order(SERUM, SERUM)

    a = shop.attribution()
    assert (a.outcome, a.match_key) == ("attributed", "shop_buyer_id")
    assert (a.conversation, a.contact, a.trigger, a.flow_version) == (
        shop.conversation, shop.contact, shop.trigger, shop.version,
    )  # fmt: skip
    assert (a.comment, a.block_id) == (shop.comment, "card")
    assert a.time_to_order == a.order.created_at_platform - shop.comment.commented_at
    assert (a.revenue, a.currency) == (Decimal("49.98"), "GBP")
    [line] = a.order.lines.all()
    assert (line.sku_id, line.quantity, line.unit_price) == (SERUM, 2, Decimal("24.99"))


def test_a_link_to_other_products_is_soft_and_a_person_decides(shop: Shop) -> None:
    linked(shop)
    shop.link(LIPSTICK)
    shop.order(SERUM)
    a = shop.attribution()
    assert (a.outcome, a.revenue) == ("soft", 0)

    services.attribution_decide(attribution=a, decision="confirmed", user=UserFactory())
    a.refresh_from_db()
    assert a.revenue == Decimal("24.99")

    shop.order(SERUM, update=60)  # matched again: the person's word stands
    a.refresh_from_db()
    assert (a.outcome, a.decision, a.revenue) == ("soft", "confirmed", Decimal("24.99"))

    services.attribution_decide(attribution=a, decision="rejected", user=UserFactory())
    a.refresh_from_db()
    assert a.revenue == 0


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda shop: None, "the buyer is not a known contact"),
        (linked, "the buyer got no shop link from us in the 14 days before ordering"),
        (lambda shop: (linked(shop), shop.link(SERUM, days_before_order=15)), "14 days"),
        (lambda shop: (linked(shop), shop.link(SERUM, delivered=False)), "14 days"),
    ],
    ids=["unknown-buyer", "no-link", "link-too-old", "link-never-delivered"],
)
def test_otherwise_the_order_is_organic(shop: Shop, setup: Any, reason: str) -> None:
    setup(shop)

    shop.order(SERUM)

    a = shop.attribution()
    assert (a.outcome, a.revenue) == ("organic", 0)
    assert reason in a.reason


def test_the_most_recent_link_before_the_order_picks_the_conversation(shop: Shop) -> None:
    linked(shop)
    shop.link(SERUM, days_before_order=5)
    other_contact = ContactFactory(workspace=shop.workspace, shop_buyer_id=BUYER)
    other = Conversation.unscoped.create(
        workspace=shop.workspace, connection=shop.shop, contact=other_contact,
        channel="shop_chat", external_id="shopchat1",
    )  # fmt: skip
    Message.objects.create(
        workspace=shop.workspace, conversation=other, direction="out", kind="product_card",
        sent_at=shop.ordered_at - timedelta(hours=2),
        payload={"product": {"sku_id": SERUM, "product_id": f"p{SERUM}"}},
    )  # fmt: skip

    shop.order(SERUM)

    assert shop.attribution().conversation == other


def test_a_refund_or_cancellation_takes_the_revenue_back(shop: Shop) -> None:
    linked(shop)
    shop.link(SERUM)
    order = shop.order(SERUM)

    orders.order_refund_changed(
        connection=shop.shop,
        data={"order_id": order.external_id, "return_type": "REFUND",
              "return_status": "RETURN_OR_REFUND_REQUEST_COMPLETE"},
    )  # fmt: skip

    a = shop.attribution()
    assert (a.outcome, a.revenue) == ("attributed", 0)


def test_status_never_moves_backwards(shop: Shop) -> None:
    order = shop.order(SERUM, status="IN_TRANSIT", update=100)
    shop.order(SERUM, status="AWAITING_SHIPMENT", update=50)
    orders.order_status_seen(
        connection=shop.shop, order_id=order.external_id, status="UNPAID",
        update_time=int(shop.ordered_at.timestamp()),
    )  # fmt: skip

    order.refresh_from_db()
    assert order.status == "IN_TRANSIT"


def test_the_same_order_five_times_is_one_attribution(shop: Shop) -> None:
    linked(shop)
    shop.link(SERUM)
    for _ in range(5):
        shop.order(SERUM)

    assert Order.objects.for_workspace(shop.workspace).count() == 1
    assert Attribution.objects.for_workspace(shop.workspace).count() == 1
    assert shop.attribution().revenue == Decimal("24.99")


def test_matching_again_with_nothing_new_writes_nothing(
    shop: Shop, django_assert_num_queries: Any
) -> None:
    linked(shop)
    shop.link(SERUM)
    order = shop.order(SERUM)
    before = shop.attribution().matched_at

    # BEGIN, the locked order with what it needs, the buyer's links, COMMIT: no write.
    with django_assert_num_queries(4):
        again = matching.order_match(order=order)

    assert (again.outcome, again.matched_at) == ("attributed", before)
    assert shop.attribution().matched_at == before


def test_a_run_id_that_is_not_a_number_credits_no_run(shop: Shop) -> None:
    linked(shop)
    link = shop.link(SERUM)
    link.payload = {**link.payload, "run": "12; DROP TABLE flows_run"}
    link.save(update_fields=["payload"])

    shop.order(SERUM)

    a = shop.attribution()
    assert (a.outcome, a.link_message, a.run, a.comment, a.block_id) == (
        "attributed", link, None, None, "card",
    )  # fmt: skip


@pytest.mark.parametrize("sequence", list(itertools.permutations(["link", "buyer", "order"])))
def test_every_arrival_order_gives_the_same_attribution(shop: Shop, sequence: tuple[str]) -> None:
    message: dict[str, Message] = {}

    def link() -> None:
        message["link"] = shop.link(SERUM)
        hooks.shop_link_delivered(message["link"])

    steps = {"link": link, "buyer": lambda: linked(shop), "order": lambda: shop.order(SERUM)}
    for step in sequence:
        steps[step]()

    a = shop.attribution()
    assert (a.outcome, a.link_message, a.revenue) == (
        "attributed", message["link"], Decimal("24.99"),
    )  # fmt: skip
