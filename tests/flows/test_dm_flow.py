"""A matching comment becomes a DM conversation, over real HTTP both ways: the emulator's
webhooks into the live server, the product's sends back to the emulator, through each of the
doors TikTok leaves open."""

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from flows import tasks as flow_tasks
from flows.models import Evaluation, Flow, FlowVersion, Run
from inbox import services as inbox_services
from inbox import tasks as inbox_tasks
from inbox.models import Comment, Contact, Conversation, Message, Send
from integrations.clients.tiktok_business import TikTokBusinessClient
from integrations.models import Connection, Product, Sku
from tests.conftest import Team
from tests.emulator_process import Emulator
from tests.factories import ShopConnectionFactory, TriggerFactory
from tests.flows.test_public_reply import account, wait_for
from tests.integrations.test_connect import approve_shop, browser, finish, start

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["account"]

SERUM_SKU = "9001"


@pytest.fixture
def serum(team: Team) -> Sku:
    shop = ShopConnectionFactory(workspace=team.workspace)
    product = Product.unscoped.create(
        workspace=team.workspace, connection=shop, external_id="1729001", title="Glow Serum"
    )
    return Sku.unscoped.create(
        workspace=team.workspace, product=product, external_id=SERUM_SKU, name="30 ml",
        price=Decimal("24.99"), currency="GBP", stock=85,
    )  # fmt: skip


def published(account: Connection, blocks: list[dict[str, Any]]) -> Flow:
    flow = Flow.unscoped.create(workspace=account.workspace, name="Price flow", draft=blocks)
    version = FlowVersion.unscoped.create(
        workspace=account.workspace, flow=flow, number=1, blocks=blocks
    )
    flow.live_version = version
    flow.save()
    return flow


SHADE_FLOW = [
    {"id": "hello", "type": "message", "text": "Hi {handle}! {name} is {price}.",
     "sku_id": SERUM_SKU},
    {
        "id": "shade", "type": "quick_replies", "text": "Which skin type?", "field": "skin",
        "options": [{"label": "Dry"}, {"label": "Oily"}, {"label": "Combination"}],
    },
    {"id": "card", "type": "shop_link", "sku_id": SERUM_SKU, "text": "Here it is:"},
]  # fmt: skip


def trigger_with(account: Connection, flow: Flow, **fields: Any) -> Any:
    defaults = {"keywords": ["price"], "reply_variants": ["Sent you a DM 💌"]}
    return TriggerFactory(connection=account, flow=flow, **{**defaults, **fields})


def dms(account: Connection) -> list[Send]:
    return list(
        Send.objects.for_workspace(account.workspace).filter(kind="dm", state="sent").order_by("id")
    )


def tiktok_messages(account: Connection, conversation_id: str) -> list[dict[str, Any]]:
    """The conversation as TikTok holds it, oldest first (read back over the API)."""
    account.refresh_from_db()
    with TikTokBusinessClient(access_token=account.access_token) as client:
        rows = client.conversation_messages(
            business_id=account.external_id, conversation_id=conversation_id
        )
    return list(reversed(rows))


def notes(account: Connection) -> list[str]:
    return list(Evaluation.objects.for_workspace(account.workspace).get().notes)


def viewer_writes(emulator: Emulator, viewer: str, text: str) -> None:
    emulator.control("/business/messages", {"viewer": viewer, "text": text})


def test_comment_to_message_then_the_window_carries_the_rest(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW))

    emulator.control("/business/comments", {"text": "PRICE?", "viewer": "mali.skincare"})

    [first] = wait_for(lambda: dms(account))
    assert first.door == "comment_to_message"
    # One text carries everything up to the question; its buttons became a numbered list.
    assert first.text == (
        "Hi there! Glow Serum (30 ml) is £24.99.\n\n"
        "Which skin type?\n1. Dry\n2. Oily\n3. Combination\nReply with a number."
    )
    assert any("numbered list" in note for note in notes(account))
    assert any("Comment-to-Message" in note for note in notes(account))

    viewer_writes(emulator, "mali.skincare", "2")

    sent = wait_for(lambda: dms(account) if len(dms(account)) == 2 else None)
    assert sent[1].door == "window"
    assert (
        sent[1].text
        == "Here it is:\n🛍 Glow Serum (30 ml) · £24.99\nhttps://shop.tiktok.com/view/product/1729001"
    )
    contact = Contact.objects.for_workspace(account.workspace).get(handle="mali.skincare")
    assert contact.fields == {"skin": "Oily"}
    conversation = Conversation.objects.for_workspace(account.workspace).get()
    assert [m["text"]["body"] for m in tiktok_messages(account, conversation.external_id)] == [
        first.text, "2", sent[1].text,
    ]  # fmt: skip
    # Echoes matched their rows: each DM is one message in the inbox.
    wait_for(lambda: not Send.objects.for_workspace(account.workspace).filter(state="sending"))
    outbound = Message.objects.for_workspace(account.workspace).filter(direction="out")
    assert outbound.count() == 2
    assert Run.objects.for_workspace(account.workspace).get().state == "done"


def test_an_open_window_gets_the_flow_at_once_with_buttons(
    account: Connection, emulator: Emulator, serum: Sku, team: Team
) -> None:
    viewer_writes(emulator, "linh.nguyen", "hello!")
    conversation = wait_for(lambda: Conversation.objects.for_workspace(account.workspace).first())
    # Outside any flow that DM went to a person; they hand it back to the bot.
    assert conversation.state == "human"
    inbox_services.conversation_hand_back(conversation=conversation, actor=team.owner)
    trigger_with(account, published(account, SHADE_FLOW))

    emulator.control("/business/comments", {"text": "price pls", "viewer": "linh.nguyen"})

    sent = wait_for(lambda: dms(account) if len(dms(account)) == 2 else None)
    assert [s.door for s in sent] == ["window", "window"]
    assert sent[1].payload["buttons"] == ["Dry", "Oily", "Combination"]
    assert sent[1].payload["block"] == "shade"
    conversation.refresh_from_db()
    assert conversation.state == "waiting"
    assert conversation.trigger_name


def test_one_comment_delivered_five_times_gets_one_dm(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW))
    emulator.control("/webhooks/duplicate", {"count": 4})

    emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})

    wait_for(lambda: dms(account))
    wait_for(lambda: Comment.objects.for_workspace(account.workspace).get().high_intent)
    assert Send.objects.for_workspace(account.workspace).filter(kind="dm").count() == 1
    assert Run.objects.for_workspace(account.workspace).count() == 1


def test_a_verdict_after_the_comment_opens_the_door(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW), keywords=["love"])
    # Not a purchase-intent phrase: TikTok's classifier stays silent until we flag it.
    posted = emulator.control("/business/comments", {"text": "love it", "viewer": "mali.skincare"})
    run = wait_for(lambda: Run.objects.for_workspace(account.workspace).first())
    assert (run.state, run.door) == ("awaiting_door", "")
    assert run.wake_at is not None

    emulator.control(f"/business/comments/{posted['comment_id']}/high_intent")

    [dm] = wait_for(lambda: dms(account))
    assert dm.door == "comment_to_message"
    # The public reply waited for the verdict, and says what happened.
    reply = wait_for(
        lambda: (
            Send.objects.for_workspace(account.workspace)
            .filter(kind="public_reply", state="sent")
            .first()
        )
    )
    assert reply.text == "Sent you a DM 💌"


def wake(run: Run) -> None:
    """The beat, as if the run's wait were over."""
    Run.unscoped.filter(pk=run.pk).update(wake_at=timezone.now() - timedelta(seconds=1))
    flow_tasks.runs_wake()


def test_no_verdict_after_the_checks_is_one_blocked_outcome_and_a_keyword_dm_starts_it(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW), keywords=["love"])
    emulator.control("/business/comments", {"text": "love it", "viewer": "mali.skincare"})
    run = wait_for(lambda: Run.objects.for_workspace(account.workspace).first())
    # The public reply waits for the verdict that would let us DM...
    [held] = Send.objects.for_workspace(account.workspace).filter(kind="public_reply")
    assert (held.state, held.text) == ("pending", "")

    wake(run)  # ...until the first look, 10 s in: then it invites a DM.
    reply = wait_for(
        lambda: Send.objects.for_workspace(account.workspace).filter(state="sent").first()
    )
    assert reply.text == "Send us a DM saying LOVE and we'll send you the details 💬"
    for _ in range(3):  # 45 s, 3 min, 10 min
        wake(run)
    flow_tasks.runs_wake()

    run.refresh_from_db()
    assert (run.state, run.door) == ("awaiting_door", "keyword_dm")
    blocked = [n for n in notes(account) if n.startswith("no DM door")]
    assert len(blocked) == 1
    assert "did not flag the comment" in blocked[0]
    assert not dms(account)

    viewer_writes(emulator, "mali.skincare", "LOVE")

    sent = wait_for(lambda: dms(account) if len(dms(account)) == 2 else None)
    assert [s.door for s in sent] == ["window", "window"]
    run.refresh_from_db()
    assert run.pending_intent.consumed_at is not None


def test_an_expired_invitation_ends_the_run(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    emulator.control("/business/settings", {"comment_to_message_enabled": False})
    trigger_with(account, published(account, SHADE_FLOW))
    Connection.unscoped.filter(pk=account.pk).update(
        granted_scopes=["user.info.basic", "comment.list", "comment.list.manage"]
    )
    emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})
    run = wait_for(
        lambda: Run.objects.for_workspace(account.workspace).filter(door="keyword_dm").first()
    )
    assert "lacks the messaging permissions" in notes(account)[0]

    def expired() -> bool:
        # The wake-up skips a run another transaction holds (the drain may still be storing
        # the comment's last events); the beat simply comes back, as here.
        wake(run)
        run.refresh_from_db()
        return run.state != "awaiting_door"

    wait_for(expired)
    assert run.state == "blocked"


def test_tiktok_refusing_comment_to_message_is_one_failed_outcome(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW))

    emulator.control("/business/comments", {"text": "price?", "viewer": "ploy.teen"})

    failed = wait_for(
        lambda: (
            Send.objects.for_workspace(account.workspace).filter(kind="dm", state="failed").first()
        )
    )
    assert "under 18" in failed.error
    assert Send.objects.for_workspace(account.workspace).filter(kind="dm").count() == 1


def test_a_thai_comment_fires_its_thai_keyword(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    trigger_with(account, published(account, SHADE_FLOW), keywords=["ราคา"])

    emulator.control("/business/comments", {"text": "ราคาเท่าไหร่คะ", "viewer": "mali.skincare"})

    [dm] = wait_for(lambda: dms(account))
    assert dm.door == "comment_to_message"


def test_a_dm_lost_between_sending_and_tiktoks_answer_is_never_sent_twice(
    account: Connection, emulator: Emulator, serum: Sku
) -> None:
    """The worker died after TikTok took the DM: the echo is dropped too, so only the
    reconciliation can tell. It finds the DM at TikTok and sends nothing again."""
    viewer_writes(emulator, "jess.glows", "hi")
    conversation = wait_for(
        lambda: (
            Conversation.objects.for_workspace(account.workspace).exclude(external_id="").first()
        )
    )
    from inbox import dm

    with transaction.atomic():
        send = dm.dm_queue(conversation=conversation, door="window", text="Your code is GLOW10")
        Send.unscoped.filter(pk=send.pk).update(
            state="sending", sending_since=timezone.now() - timedelta(minutes=5)
        )
    emulator.control("/webhooks/drop", {"count": 1})
    account.refresh_from_db()
    with TikTokBusinessClient(access_token=account.access_token) as client:
        client.message_send(
            business_id=account.external_id,
            conversation_id=conversation.external_id,
            text="Your code is GLOW10",
        )

    inbox_tasks.recover_stuck()

    send.refresh_from_db()
    assert send.state == "sent"
    assert send.provider_id
    bodies = [m["text"]["body"] for m in tiktok_messages(account, conversation.external_id)]
    assert bodies.count("Your code is GLOW10") == 1
    assert (
        Message.objects.for_workspace(account.workspace).filter(text="Your code is GLOW10").count()
        == 1
    )


def test_at_the_contact_limit_the_public_reply_posts_and_the_dm_waits(
    account: Connection, emulator: Emulator, serum: Sku, team: Team
) -> None:
    team.workspace.contact_limit = 0
    team.workspace.save()
    trigger_with(account, published(account, SHADE_FLOW))

    emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})

    wait_for(
        lambda: (
            Send.objects.for_workspace(account.workspace)
            .filter(kind="public_reply", state="sent")
            .exists()
        )
    )
    run = wait_for(
        lambda: Run.objects.for_workspace(account.workspace).filter(state="over_limit").first()
    )
    assert not Send.objects.for_workspace(account.workspace).filter(kind="dm").exists()
    assert any("monthly active contacts" in n for n in notes(account))

    team.workspace.contact_limit = 100
    team.workspace.save()
    Run.unscoped.filter(pk=run.pk).update(wake_at=timezone.now() - timedelta(seconds=1))
    flow_tasks.runs_wake()

    wait_for(lambda: dms(account))


class TestHandoff:
    def test_a_handoff_block_hands_over_with_a_note(
        self, account: Connection, emulator: Emulator, serum: Sku, team: Team
    ) -> None:
        flow = published(account, [
            {"id": "a", "type": "message", "text": "One moment!"},
            {"id": "b", "type": "handoff", "reason": "wants a shade match"},
            {"id": "c", "type": "message", "text": "Back with the bot."},
        ])  # fmt: skip
        trigger_with(account, flow)
        emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})

        conversation = wait_for(
            lambda: (
                Conversation.objects.for_workspace(account.workspace).filter(state="human").first()
            )
        )
        assert conversation.assignee is None
        assert conversation.handoff_reason == "wants a shade match"
        assert (
            Message.objects.for_workspace(account.workspace)
            .filter(kind="system", text="Handed to a person: wants a shade match.")
            .exists()
        )
        wait_for(lambda: dms(account))

        viewer_writes(emulator, "mali.skincare", "ok")  # opens the window; a person has it
        wait_for(
            lambda: Message.objects.for_workspace(account.workspace).filter(direction="in").exists()
        )
        assert len(dms(account)) == 1

        inbox_services.conversation_hand_back(conversation=conversation, actor=team.owner)

        sent = wait_for(lambda: dms(account) if len(dms(account)) == 2 else None)
        assert sent[1].text == "Back with the bot."

    def test_a_sensitive_word_hands_over_and_the_bot_stops(
        self, account: Connection, emulator: Emulator, serum: Sku
    ) -> None:
        trigger_with(account, published(account, SHADE_FLOW))
        emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})
        wait_for(lambda: dms(account))

        viewer_writes(emulator, "mali.skincare", "I want a REFUND")

        conversation = wait_for(
            lambda: (
                Conversation.objects.for_workspace(account.workspace).filter(state="human").first()
            )
        )
        assert conversation.handoff_reason == "they wrote “refund”"
        assert len(dms(account)) == 1

    def test_free_text_twice_to_quick_replies_hands_over(
        self, account: Connection, emulator: Emulator, serum: Sku
    ) -> None:
        trigger_with(account, published(account, SHADE_FLOW))
        emulator.control("/business/comments", {"text": "price?", "viewer": "mali.skincare"})
        wait_for(lambda: dms(account))

        viewer_writes(emulator, "mali.skincare", "hmm not sure")
        # Asked again, with its buttons now that the window is open.
        again = wait_for(lambda: dms(account)[1] if len(dms(account)) == 2 else None)
        assert again.payload["buttons"] == ["Dry", "Oily", "Combination"]
        viewer_writes(emulator, "mali.skincare", "what do you recommend for sensitive skin")

        conversation = wait_for(
            lambda: (
                Conversation.objects.for_workspace(account.workspace).filter(state="human").first()
            )
        )
        assert conversation.handoff_reason == "free text 2 times in a row to a quick-reply question"

    def test_a_dm_outside_any_flow_goes_to_a_person(
        self, account: Connection, emulator: Emulator
    ) -> None:
        viewer_writes(emulator, "budi.santoso", "do you ship to Jakarta?")

        conversation = wait_for(
            lambda: (
                Conversation.objects.for_workspace(account.workspace).filter(state="human").first()
            )
        )
        assert conversation.handoff_reason.startswith("a DM outside any flow")
        assert not Send.objects.for_workspace(account.workspace).exists()


def test_a_known_shop_buyer_is_reached_in_shop_chat_with_a_product_card(
    account: Connection, emulator: Emulator, team: Team, settings: Any
) -> None:
    client = browser(team.owner)
    finish(
        client,
        approve_shop(emulator, start(client, team.workspace, "tiktok_shop")).headers["Location"],
    )
    shop = wait_for(
        lambda: (
            Connection.objects.for_workspace(team.workspace)
            .filter(provider="tiktok_shop", status="connected")
            .first()
        )
    )
    sku = wait_for(
        lambda: Sku.objects.for_workspace(team.workspace).select_related("product").first()
    )
    # The workspace lets the bot answer in Shop chat (off by default: TikTok Shop's own).
    inbox_services.shop_bot_set(connection=shop, enabled=True, actor=team.owner)
    amelia = next(
        b for b in emulator.state()["platforms"]["shop"]["Buyers"] if b["nickname"] == "amelia.rose"
    )
    flow = published(account, [
        {"id": "a", "type": "message", "text": "Thanks for asking! See https://example.com"},
        {"id": "b", "type": "shop_link", "sku_id": sku.external_id},
    ])  # fmt: skip
    trigger_with(account, flow, keywords=["love"])
    # No purchase intent, so no verdict: Comment-to-Message never opens.
    posted = emulator.control("/business/comments", {"text": "love it", "viewer": "mali.skincare"})
    contact = wait_for(lambda: Contact.objects.for_workspace(team.workspace).first())
    Contact.unscoped.filter(pk=contact.pk).update(shop_buyer_id=amelia["user_id"])
    run = wait_for(lambda: Run.objects.for_workspace(team.workspace).first())
    for _ in range(4):
        wake(run)

    sent = wait_for(lambda: dms(account) if len(dms(account)) == 2 else None)
    assert [s.door for s in sent] == ["shop_chat", "shop_chat"]
    assert sent[0].text == "Thanks for asking! See"
    assert sent[1].payload["product"]["product_id"] == sku.product.external_id
    chat = Conversation.objects.for_workspace(team.workspace).get(channel="shop_chat")
    assert chat.connection == shop
    assert chat.external_id
    assert posted["comment_id"]
