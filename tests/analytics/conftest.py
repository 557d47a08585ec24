"""A workspace whose comments, DMs, replies and orders are laid out by hand, one row at a time,
so every figure a rollup produces can be checked exactly."""

import itertools
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from attribution.models import Attribution, Order
from chatsparks.workspaces.models import Workspace
from flows.models import Evaluation, Flow, FlowVersion, Run, RunStep, Trigger
from inbox.models import Comment, Contact, Conversation, Message, Send
from integrations.models import Connection, Post
from tests.factories import (
    CommentFactory,
    ConnectionFactory,
    ContactFactory,
    ShopConnectionFactory,
    TriggerFactory,
    WorkspaceFactory,
)

BLOCKS = [
    {"id": "hello", "type": "message", "text": "Hi {handle}! Here is the price."},
    {"id": "shade", "type": "question", "text": "Which shade?", "field": "shade"},
    {"id": "card", "type": "shop_link", "sku_id": "1729555900000001"},
]
_numbers = itertools.count(1)


class Shop:
    """A workspace with a TikTok account, a Shop, a video and a LIVE, a trigger with a
    three-step DM flow (``hello`` → ``shade`` → ``card``) and a trigger without one."""

    def __init__(self, *, timezone: str = "UTC", name: str = "Glow Beauty") -> None:
        self.workspace: Workspace = WorkspaceFactory(name=name, timezone=timezone)
        self.tiktok: Connection = ConnectionFactory(workspace=self.workspace)
        self.shop: Connection = ShopConnectionFactory(workspace=self.workspace)
        n = next(_numbers)
        self.video = self.post(
            f"74488{n:05d}0001", kind="video", caption="Velvet lipstick swatches"
        )
        self.live = self.post(f"74488{n:05d}0002", kind="live", caption="Friday LIVE sale")
        self.flow = Flow.unscoped.create(workspace=self.workspace, name="Price DM", draft=BLOCKS)
        self.version = FlowVersion.unscoped.create(
            workspace=self.workspace, flow=self.flow, number=1, blocks=BLOCKS
        )
        self.flow.live_version = self.version
        self.flow.save()
        self.price: Trigger = TriggerFactory(
            connection=self.tiktok, name="Price", keywords=["price", "ราคา"], flow=self.flow
        )
        self.hello: Trigger = TriggerFactory(
            connection=self.tiktok, name="Hello", keywords=["hello"], flow=None
        )

    def post(self, external_id: str, *, kind: str, caption: str) -> Post:
        return Post.unscoped.create(
            workspace=self.workspace, connection=self.tiktok, external_id=external_id,
            kind=kind, caption=caption, published_at=datetime(2026, 3, 1, 12, tzinfo=UTC),
        )  # fmt: skip

    def contact(self, handle: str) -> Contact:
        return ContactFactory(workspace=self.workspace, handle=handle)

    def comment(self, at: datetime, *, post: Post | None = None, handle: str = "") -> Comment:
        post = post or self.video
        return CommentFactory(
            connection=self.tiktok,
            contact=self.contact(handle or f"viewer{next(_numbers)}"),
            post=post,
            post_external_id=post.external_id,
            commented_at=at,
        )

    def evaluate(self, comment: Comment, outcome: str, trigger: Trigger | None = None) -> None:
        Evaluation.objects.create(
            workspace=self.workspace, comment=comment, contact=comment.contact, trigger=trigger,
            outcome=outcome, reason="test",
        )  # fmt: skip

    def fire(self, comment: Comment, trigger: Trigger | None = None) -> Run | None:
        """The trigger fires; with a flow, its run starts with a conversation."""
        trigger = trigger or self.price
        self.evaluate(comment, Evaluation.Outcome.FIRED, trigger)
        if trigger.flow_id is None:
            return None
        conversation = Conversation.unscoped.create(
            workspace=self.workspace, connection=self.tiktok, contact=comment.contact,
            channel="tiktok_dm", external_id=f"0:1:{next(_numbers)}",
        )  # fmt: skip
        return Run.unscoped.create(
            workspace=self.workspace, connection=self.tiktok, flow_version=self.version,
            trigger=trigger, comment=comment, contact=comment.contact,
            conversation=conversation, state="done",
        )  # fmt: skip

    def dm(self, run: Run, at: datetime, *, state: str = "sent", from_run: bool = True) -> None:
        """A DM in the run's conversation: queued by the run's flow, or by a teammate."""
        assert run.conversation is not None
        send = Send.objects.create(
            workspace=self.workspace, connection=self.tiktok, kind="dm", door="window",
            conversation=run.conversation, contact=run.contact, text="Hi", state=state,
        )  # fmt: skip
        Message.objects.create(
            workspace=self.workspace, conversation=run.conversation, direction="out",
            text="Hi", send=send, sent_at=at,
            payload={"run": run.pk, "block": "hello"} if from_run else {},
        )  # fmt: skip

    def reply(self, run: Run, at: datetime) -> None:
        Message.objects.create(
            workspace=self.workspace, conversation=run.conversation, direction="in",
            text="pink please", sent_at=at,
        )  # fmt: skip

    def steps(self, run: Run, *block_ids: str) -> None:
        start = datetime(2026, 3, 10, 9, tzinfo=UTC)
        for n, block_id in enumerate(block_ids):
            step = RunStep.objects.create(
                workspace=self.workspace, run=run, block_id=block_id, block_type="message"
            )
            RunStep.unscoped.filter(pk=step.pk).update(at=start + timedelta(minutes=n))

    def order(
        self,
        at: datetime,
        total: str,
        currency: str = "THB",
        *,
        outcome: str = Attribution.Outcome.ATTRIBUTED,
        decision: str = "",
        status: str = Order.Status.AWAITING_SHIPMENT,
        refunded: bool = False,
        post: Post | None = None,
        trigger: Trigger | None = None,
        block_id: str = "card",
        comment: Comment | None = None,
    ) -> Attribution:
        """An order with the attribution ``attribution.matching`` would have written: revenue
        is the total only while it counts."""
        order = Order.objects.create(
            workspace=self.workspace, connection=self.shop,
            external_id=f"5769{next(_numbers):012d}", status=status, buyer_user_id="buyer",
            currency=currency, total=Decimal(total), created_at_platform=at,
            updated_at_platform=at, refunded=refunded,
        )  # fmt: skip
        counts = (outcome == "attributed" and decision != "rejected") or (
            outcome == "soft" and decision == "confirmed"
        )
        trigger = trigger if trigger is not None or outcome == "organic" else self.price
        return Attribution.objects.create(
            workspace=self.workspace, order=order, outcome=outcome, decision=decision,
            reason="test", ordered_at=at, currency=currency,
            revenue=Decimal(total) if counts and not order.reversed else Decimal(0),
            post=post if outcome != "organic" else None,
            trigger=trigger,
            flow=trigger.flow if trigger is not None else None,
            flow_version=self.version if trigger is not None and trigger.flow_id else None,
            block_id=block_id if outcome != "organic" else "",
            comment=comment,
        )  # fmt: skip


@pytest.fixture
def shop(db: Any) -> Shop:
    return Shop()
