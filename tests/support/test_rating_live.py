"""A satisfaction rating over real HTTP both ways: a teammate closes a TikTok Shop chat with a
rating request from the inbox, the request reaches the emulator's conversation, the buyer
answers "5" there, its webhook 14 reaches the live server, and the rating lands on the session
and in Analytics → Customer service."""

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Conversation
from integrations.models import Connection
from support import services
from support.models import RatingRequest
from tests.conftest import Team, client_for
from tests.emulator_process import Emulator
from tests.flows.test_public_reply import wait_for
from tests.inbox.test_composer import send
from tests.inbox.test_shop_chat_live import (
    all_sent,
    buyer,
    buyer_writes,
    echoes_handled,
    inbound,
    shop,
    shop_chat_of,
    shop_side,
)

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["shop"]  # the fixture: a connected emulator shop whose webhooks reach the server


def test_the_buyer_rates_5_in_shop_chat_and_the_report_shows_100_percent(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    buyer_writes(emulator, amelia, text="Is the serum good for dry skin?")
    conversation = shop_chat_of(team)
    client = client_for(team.member)
    assert send(client, team, conversation, "Yes, it is!").status_code == 302
    close = reverse(
        "support:close_with_rating",
        kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
    )

    # A double click: two posts, one request.
    assert client.post(close).status_code == client.post(close).status_code == 302

    all_sent(team, 2)
    echoes_handled(team, 2)
    assert shop_side(shop, conversation.external_id) == [
        ("BUYER", "TEXT", {"content": "Is the serum good for dry skin?"}),
        ("SHOP", "TEXT", {"content": "Yes, it is!"}),
        ("SHOP", "TEXT", {"content": services.SHOP_REQUEST}),
    ]

    buyer_writes(emulator, amelia, text="5")

    question, answer = inbound(team, 2)
    request = wait_for(
        lambda: (
            RatingRequest.objects.for_workspace(team.workspace).filter(rating__isnull=False).first()
        )
    )
    assert (request.rating, request.answer, request.requested_by) == (5, answer, team.member)
    assert request.session_started_at == question.sent_at
    assert RatingRequest.objects.for_workspace(team.workspace).count() == 1
    conversation.refresh_from_db()
    assert conversation.state == Conversation.State.CLOSED  # a rating reopens nothing

    page = client.get(
        reverse(
            "inbox:conversation",
            kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
        )
    )
    assert "The buyer rated the conversation 5 of 5 😀." in page.content.decode()
    assert "Rated 5 of 5 😀" in page.content.decode()

    today = timezone.localdate().isoformat()
    report = client.get(
        reverse("analytics:customer_service", kwargs={"workspace_id": team.workspace.public_id}),
        {"from": today, "to": today},
    )
    html = report.content.decode()
    assert '<strong class="funnel-value" data-figure="csat">100%</strong>' in html
    assert "1 of 1 ratings were 4 or 5; 1 rating request sent" in html
    total = report.context["report"].total
    # The request and the "5" are neither an answer nor a buyer waiting for one.
    assert (total.sessions, total.stretches, total.answered) == (1, 1, 1)


def test_an_unrelated_five_without_a_request_is_just_a_message(
    shop: Connection, emulator: Emulator, team: Team
) -> None:
    amelia = buyer(emulator, "amelia.rose")
    buyer_writes(emulator, amelia, text="5")

    [message] = inbound(team, 1)
    assert "csat_rating" not in message.payload
    assert not RatingRequest.objects.for_workspace(team.workspace).exists()
    assert shop_chat_of(team).state == Conversation.State.HUMAN
