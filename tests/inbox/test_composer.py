"""The conversation page: the thread, the composer (teammate replies, internal notes with
@mentions, product links) and live updates. DMs are queued, never sent: the flush runs after
commit, which a test's transaction never reaches unless captured."""

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation, Message, Send
from integrations.models import Product, Sku
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ContactFactory, ShopConnectionFactory
from tests.inbox.test_views import visible

pytestmark = pytest.mark.django_db

PRODUCT_URL = "https://shop.tiktok.com/view/product/1729384756"


def conversation_in(workspace: Any, *, inbound_ago: timedelta | None = None, **extra: Any) -> Any:
    """A TikTok DM conversation whose contact last wrote ``inbound_ago`` (default 1 hour)."""
    connection = ConnectionFactory(workspace=workspace)
    contact = ContactFactory(workspace=workspace, handle="maya.beauty")
    now = timezone.now()
    fields: dict[str, Any] = {
        "channel": "tiktok_dm",
        "external_id": "conv-1",
        "last_inbound_at": now - (inbound_ago or timedelta(hours=1)),
        "last_message_at": now,
    }
    conversation = Conversation.objects.create(
        workspace=workspace, connection=connection, contact=contact, **(fields | extra)
    )
    Message.objects.create(
        workspace=workspace, conversation=conversation, direction="in", text="how much?",
        sent_at=now - (inbound_ago or timedelta(hours=1)),
    )  # fmt: skip
    return conversation


def url(team: Team, name: str, conversation: Conversation, **extra: Any) -> str:
    return reverse(
        f"inbox:{name}",
        kwargs={
            "workspace_id": team.workspace.public_id,
            "conversation_id": conversation.pk,
            **extra,
        },
    )


def send(
    client: Any, team: Team, conversation: Conversation, text: str, mode: str = "reply"
) -> Any:
    return client.post(url(team, "conversation_send", conversation), {"text": text, "mode": mode})


def sends(workspace: Any) -> list[tuple[Any, ...]]:
    return list(
        Send.objects.for_workspace(workspace)
        .order_by("id")
        .values_list("kind", "door", "text", "payload", "author", "state", "conversation")
    )


def catalog_product(workspace: Any, product_id: str = "1729384756") -> Product:
    shop = ShopConnectionFactory(workspace=workspace)
    product = Product.objects.create(
        workspace=workspace, connection=shop, external_id=product_id, title="Glow Serum 30ml"
    )
    Sku.objects.create(
        workspace=workspace, product=product, external_id="sku-2", price=Decimal("450.00"),
        currency="THB", stock=5,
    )  # fmt: skip
    Sku.objects.create(
        workspace=workspace, product=product, external_id="sku-1", price=Decimal("390.00"),
        currency="THB", stock=7,
    )  # fmt: skip
    return product


CARD = {
    "product_id": "1729384756",
    "sku_id": "sku-1",
    "title": "Glow Serum 30ml",
    "price": "390.00",
    "currency": "THB",
    "stock": 12,
    "url": PRODUCT_URL,
}


# --- Replies -------------------------------------------------------------------------------------


def test_a_reply_in_a_bot_conversation_takes_it_over_and_queues_the_dm(
    team: Team, django_capture_on_commit_callbacks: Any
) -> None:
    conversation = conversation_in(team.workspace)

    with django_capture_on_commit_callbacks() as flushes:
        response = send(client_for(team.member), team, conversation, "  It is ฿390 today  ")

    assert response.status_code == 302
    assert response["Location"] == url(team, "conversation", conversation)
    assert sends(team.workspace) == [
        ("dm", "window", "It is ฿390 today", {}, team.member.pk, "pending", conversation.pk)
    ]
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee, conversation.outbound_since_inbound) == (
        "human",
        team.member,
        1,
    )
    thread = list(
        Message.objects.for_workspace(team.workspace)
        .filter(conversation=conversation)
        .order_by("sent_at", "id")
        .values_list("direction", "kind", "text", "author", "source")
    )
    assert thread == [
        ("in", "text", "how much?", None, ""),
        (
            "internal",
            "system",
            f"{team.member.label} replied and took over: the bot stops here.",
            None,
            "",
        ),
        ("out", "text", "It is ฿390 today", team.member.pk, "teammate"),
    ]
    reply = Message.objects.for_workspace(team.workspace).get(direction="out")
    assert reply.send is not None
    assert reply.send.author == team.member
    assert len(flushes) == 1  # the conversation's DMs are flushed once the reply is committed


def test_a_reply_leaves_a_teammates_conversation_theirs(team: Team) -> None:
    conversation = conversation_in(team.workspace, state="human", assignee=team.admin)

    send(client_for(team.member), team, conversation, "Adding a quick answer")

    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("human", team.admin)
    assert not Message.objects.for_workspace(team.workspace).filter(kind="system").exists()
    assert [s[4] for s in sends(team.workspace)] == [team.member.pk]


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (
            {"inbound_ago": timedelta(hours=48, minutes=1)},
            "TikTok only allows replies within 48 hours of their last message.",
        ),
        ({"outbound_since_inbound": 10}, "TikTok allows 10 messages after their last one"),
        ({"external_id": ""}, "They have not written to you yet"),
    ],
)
def test_a_reply_outside_the_window_is_refused_and_nothing_is_queued(
    team: Team, extra: dict[str, Any], reason: str
) -> None:
    conversation = conversation_in(team.workspace, **extra)
    before = list(Message.objects.for_workspace(team.workspace).values_list("pk", flat=True))

    response = send(client_for(team.member), team, conversation, "Still there?")

    assert response.status_code == 409
    assert reason in visible(response)
    # The words stay in the composer.
    assert re.search(r"<textarea[^>]*>Still there\?</textarea>", response.content.decode())
    assert sends(team.workspace) == []
    assert list(Message.objects.for_workspace(team.workspace).values_list("pk", flat=True)) == (
        before
    )
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee) == ("bot", None)


def test_a_closed_window_disables_send_and_says_why(team: Team) -> None:
    conversation = conversation_in(team.workspace, inbound_ago=timedelta(hours=50))

    response = client_for(team.member).get(url(team, "conversation", conversation))

    markup = response.content.decode()
    assert re.search(r'<button type="submit" name="mode" value="reply"[^>]* disabled>', markup)
    assert "TikTok only allows replies within 48 hours of their last message." in visible(response)
    assert 'data-blocked="1"' in markup


def test_an_open_window_shows_what_is_left(team: Team) -> None:
    conversation = conversation_in(
        team.workspace, inbound_ago=timedelta(hours=17, minutes=5), outbound_since_inbound=3
    )

    response = client_for(team.member).get(url(team, "conversation", conversation))

    assert "Messaging window open: 31 h left, 7 messages until they write again." in visible(
        response
    )
    assert not re.search(r'value="reply"[^>]* disabled', response.content.decode())


def test_an_empty_reply_is_refused(team: Team) -> None:
    conversation = conversation_in(team.workspace)

    response = send(client_for(team.member), team, conversation, "   ")

    assert response.status_code == 400
    assert sends(team.workspace) == []


# --- Internal notes ------------------------------------------------------------------------------


def test_a_note_mentions_teammates_and_is_never_sent(team: Team) -> None:
    team.admin.display_name = "Kim Tran"
    team.admin.save()
    team.member.display_name = "Kim"
    team.member.save()
    team.outsider.display_name = "Rival Person"
    team.outsider.save()
    conversation = conversation_in(team.workspace)

    response = send(
        client_for(team.member),
        team,
        conversation,
        "@kim tran can you check stock? cc @Kim, not @Rival Person",
        mode="note",
    )

    assert response.status_code == 302
    note = Message.objects.for_workspace(team.workspace).get(kind="note")
    assert (note.direction, note.author, note.mentions, note.send) == (
        "internal",
        team.member,
        [team.admin.pk, team.member.pk],
        None,
    )
    assert sends(team.workspace) == []
    conversation.refresh_from_db()
    assert (conversation.state, conversation.assignee, conversation.outbound_since_inbound) == (
        "bot",
        None,
        0,
    )
    page = client_for(team.member).get(url(team, "conversation", conversation)).content.decode()
    assert '<mark class="mention">@kim tran</mark>' in page
    assert '<mark class="mention mention-me">@Kim</mark>' in page
    assert "@Rival Person" in page
    assert '<mark class="mention">@Rival' not in page


def test_a_note_can_be_added_when_the_window_is_closed(team: Team) -> None:
    conversation = conversation_in(team.workspace, inbound_ago=timedelta(days=5))

    response = send(client_for(team.member), team, conversation, "Follow up Monday", mode="note")

    assert response.status_code == 302
    assert Message.objects.for_workspace(team.workspace).filter(kind="note").count() == 1
    assert sends(team.workspace) == []


def test_the_composer_offers_teammates_and_saved_replies(team: Team) -> None:
    from inbox.models import SavedReply

    team.admin.display_name = "Kim Tran"
    team.admin.save()
    SavedReply.objects.create(workspace=team.workspace, shortcut="ship", text="Ships in 2 days")
    SavedReply.objects.create(workspace=team.other_workspace, shortcut="rival", text="Not ours")
    conversation = conversation_in(team.workspace)

    page = client_for(team.member).get(url(team, "conversation", conversation)).content.decode()

    assert 'data-insert="@Kim Tran "' in page
    assert 'data-insert="Ships in 2 days"' in page
    assert "Not ours" not in page
    assert team.outsider.label not in page


# --- Product links -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "pasted",
    [
        f"Here it is {PRODUCT_URL}",
        "https://www.tiktok.com/view/product/1729384756?region=TH&lang=th",
    ],
)
def test_a_pasted_product_link_previews_the_card_from_the_catalog(team: Team, pasted: str) -> None:
    catalog_product(team.workspace)
    conversation = conversation_in(team.workspace)

    response = client_for(team.member).get(
        url(team, "product_preview", conversation), {"text": pasted}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    text = visible(response)
    assert "Glow Serum 30ml" in text
    assert "390.00 THB" in text
    assert "12 in stock" in text
    assert "not in your synced catalog" not in text


def test_another_workspaces_product_is_not_in_the_catalog(team: Team) -> None:
    catalog_product(team.other_workspace)
    conversation = conversation_in(team.workspace)

    response = client_for(team.member).get(
        url(team, "product_preview", conversation), {"text": PRODUCT_URL}
    )

    text = visible(response)
    assert "Product 1729384756 is not in your synced catalog" in text
    assert "Glow Serum" not in text


def test_text_without_a_product_link_previews_nothing(team: Team) -> None:
    conversation = conversation_in(team.workspace)

    response = client_for(team.member).get(
        url(team, "product_preview", conversation), {"text": "https://example.com/view/product/1"}
    )

    assert response.content.decode().strip() == ""


def test_a_product_link_goes_as_a_card_with_the_link_kept_in_a_tiktok_dm(team: Team) -> None:
    catalog_product(team.workspace)
    conversation = conversation_in(team.workspace)
    text = f"This one: {PRODUCT_URL}"

    send(client_for(team.member), team, conversation, text)

    assert sends(team.workspace) == [
        ("dm", "window", text, {"product": CARD}, team.member.pk, "pending", conversation.pk)
    ]
    message = Message.objects.for_workspace(team.workspace).get(direction="out")
    assert (message.kind, message.payload) == ("product_card", {"product": CARD})
    page = visible(client_for(team.member).get(url(team, "conversation", conversation)))
    assert "Glow Serum 30ml 390.00 THB 12 in stock View on TikTok Shop" in page


def test_a_product_link_to_an_unknown_product_goes_as_plain_text(team: Team) -> None:
    conversation = conversation_in(team.workspace)

    send(client_for(team.member), team, conversation, PRODUCT_URL)

    assert sends(team.workspace) == [
        ("dm", "window", PRODUCT_URL, {}, team.member.pk, "pending", conversation.pk)
    ]


def test_shop_chat_sends_the_words_then_the_card_without_the_link(team: Team) -> None:
    catalog_product(team.workspace)
    conversation = conversation_in(team.workspace, channel="shop_chat", external_id="")
    conversation.contact.shop_buyer_id = "7494"
    conversation.contact.save()

    send(client_for(team.member), team, conversation, f"Here you go {PRODUCT_URL}")

    assert sends(team.workspace) == [
        ("dm", "shop_chat", "Here you go", {}, team.member.pk, "pending", conversation.pk),
        (
            "dm",
            "shop_chat",
            "Glow Serum 30ml",
            {"product": CARD},
            team.member.pk,
            "pending",
            conversation.pk,
        ),
    ]


def test_shop_chat_refuses_over_2000_characters_and_a_buyer_it_cannot_reach(team: Team) -> None:
    conversation = conversation_in(team.workspace, channel="shop_chat", external_id="sc-1")
    client = client_for(team.member)

    too_long = send(client, team, conversation, "x" * 2001)
    Conversation.objects.for_workspace(team.workspace).filter(pk=conversation.pk).update(
        external_id=""
    )
    unreachable = send(client, team, conversation, "hello")

    assert too_long.status_code == unreachable.status_code == 409
    assert "2,001 characters: Shop chat takes 2,000 per message." in visible(too_long)
    assert "TikTok Shop has not opened a chat with this buyer yet." in visible(unreachable)
    assert sends(team.workspace) == []


# --- The thread ----------------------------------------------------------------------------------


def test_the_thread_shows_delivery_states_cards_and_notes_apart(team: Team) -> None:
    conversation = conversation_in(team.workspace)
    now = timezone.now()
    for state, error, text in [
        ("pending", "", "queued one"),
        ("sent", "", "delivered one"),
        ("failed", "the user is under 18", "refused one"),
    ]:
        row = Send.objects.create(
            workspace=team.workspace, connection=conversation.connection, kind="dm",
            conversation=conversation, text=text, state=state, error=error, author=team.admin,
        )  # fmt: skip
        Message.objects.create(
            workspace=team.workspace, conversation=conversation, direction="out", text=text,
            author=team.admin, source="teammate", send=row, sent_at=now,
        )  # fmt: skip
    Message.objects.create(
        workspace=team.workspace, conversation=conversation, direction="internal",
        kind="system", text="Handed to a person: asked for a human.", sent_at=now,
    )  # fmt: skip

    response = client_for(team.member).get(url(team, "conversation", conversation))

    text = visible(response)
    assert "queued one" in text
    assert f"{team.admin.label} · Sending…" in text
    assert f"{team.admin.label} · Sent" in text
    assert f"{team.admin.label} · Failed the user is under 18" in text
    markup = response.content.decode()
    assert re.search(r'class="bubble bubble-internal bubble-system"', markup)
    assert 'data-delivery="failed"' in markup


def test_the_side_panel_shows_the_contact_and_why_it_is_here(team: Team) -> None:
    conversation = conversation_in(
        team.workspace, state="human", handoff_reason="asked for a refund", trigger_name="Price"
    )
    contact = conversation.contact
    contact.tags = ["vip", "serum"]
    contact.fields = {"skin": "oily"}
    contact.save()

    text = visible(client_for(team.member).get(url(team, "conversation", conversation)))

    assert "Tags vip serum" in text
    assert "skin oily" in text
    assert "Handed off asked for a refund" in text
    assert "Triggered by Price" in text
    assert "Assignee Unassigned" in text


def test_the_thread_polls_itself_and_an_htmx_request_gets_the_thread_alone(team: Team) -> None:
    conversation = conversation_in(team.workspace)
    client = client_for(team.member)

    page = client.get(url(team, "conversation", conversation)).content.decode()
    partial = client.get(url(team, "conversation", conversation), HTTP_HX_REQUEST="true")

    assert f'hx-get="{url(team, "conversation", conversation)}" hx-trigger="every 4s"' in page
    body = partial.content.decode()
    assert body.strip().startswith('<ol id="thread"')
    assert "how much?" in body
    assert "<textarea" not in body  # the composer is never swapped
    assert 'id="composer-status" class="composer-status" data-blocked="0" hx-swap-oob="true"' in (
        body
    )
    assert 'id="conversation-facts" hx-swap-oob="true"' in body


# --- Tenancy -------------------------------------------------------------------------------------


FOREIGN_CALLS = [
    ("get", "conversation", {}, {}),
    ("get", "product_preview", {}, {"text": PRODUCT_URL}),
    ("post", "conversation_send", {}, {"text": "hello", "mode": "reply"}),
    ("post", "conversation_send", {}, {"text": "hello", "mode": "note"}),
    ("post", "conversation_action", {"action": "take"}, {}),
    ("post", "conversation_action", {"action": "hand_back"}, {}),
    ("post", "conversation_action", {"action": "close"}, {}),
    ("post", "conversation_action", {"action": "assign"}, {"membership": "1"}),
]


@pytest.mark.parametrize(("method", "name", "kwargs", "data"), FOREIGN_CALLS)
def test_another_workspaces_conversation_is_a_404_everywhere_and_nothing_changes(
    team: Team, method: str, name: str, kwargs: dict[str, Any], data: dict[str, Any]
) -> None:
    foreign = conversation_in(team.other_workspace, state="human")
    messages_before = Message.objects.for_workspace(team.other_workspace).count()

    response = getattr(client_for(team.owner), method)(url(team, name, foreign, **kwargs), data)

    assert response.status_code == 404
    foreign.refresh_from_db()
    assert (foreign.state, foreign.assignee, foreign.outbound_since_inbound) == ("human", None, 0)
    assert Message.objects.for_workspace(team.other_workspace).count() == messages_before
    assert Send.objects.for_workspace(team.other_workspace).count() == 0


@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_every_role_may_reply_and_add_notes(team: Team, role: str) -> None:
    conversation = conversation_in(team.workspace)
    client = client_for(team.user(role))

    assert send(client, team, conversation, "a note", mode="note").status_code == 302
    assert send(client, team, conversation, "a reply").status_code == 302
    assert len(sends(team.workspace)) == 1


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_strangers_cannot_write_and_nothing_changes(team: Team, role: str) -> None:
    conversation = conversation_in(team.workspace)

    response = send(client_for(team.user(role)), team, conversation, "hello", mode="note")

    assert response.status_code == (302 if role == "anonymous" else 404)
    assert Message.objects.for_workspace(team.workspace).count() == 1
    assert sends(team.workspace) == []
