"""The emulator delivering real, signed webhooks to the product's live server; a dropped one
recovered by reconciliation exactly once; orders the same way."""

import time
from typing import Any

import pytest
from django.urls import reverse

from integrations import reconcile
from integrations.models import Connection, WebhookEvent
from tests.conftest import Team
from tests.emulator_process import Emulator
from tests.integrations.test_connect import approve_shop, browser, connect_tiktok, finish, start

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate: Any, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)


@pytest.fixture
def live(live_server: Any, settings: Any, emulator: Emulator) -> Emulator:
    settings.PUBLIC_BASE_URL = live_server.url
    return emulator


def processed_comments() -> list[tuple[str, str]]:
    return list(
        WebhookEvent.objects.filter(event_type="comment.update", status="processed")
        .order_by("id")
        .values_list("event_id", "source")
    )


# Comments without purchase intent: the emulator's classifier would otherwise send verdict
# webhooks too, and "drop the next webhook" might drop one of those instead.
def test_comments_arrive_by_webhook_and_a_dropped_one_is_recovered_once(
    team: Team, live: Emulator
) -> None:
    client = browser(team.owner)
    connect_tiktok(client, live, team.workspace)
    connection = Connection.objects.for_workspace(team.workspace).get()

    delivered = live.control("/business/comments", {"text": "love this shade"})
    wait_for(lambda: len(processed_comments()) == 1)
    live.control("/webhooks/drop", {"count": 1})
    dropped = live.control("/business/comments", {"text": "so cute"})
    time.sleep(0.5)
    assert len(processed_comments()) == 1

    connection.refresh_from_db()
    assert reconcile.connection_reconcile(connection=connection) == 1
    assert reconcile.connection_reconcile(connection=connection) == 0

    wait_for(lambda: len(processed_comments()) == 2)
    assert processed_comments() == [
        (f"comment:{delivered['comment_id']}:insert", "webhook"),
        (f"comment:{dropped['comment_id']}:insert", "reconciliation"),
    ]
    card = client.get(
        reverse("integrations:cards", kwargs={"workspace_id": team.workspace.public_id})
    ).content.decode()
    assert "Receiving events" in card
    assert "1 missed event recovered" in card


def test_a_missed_order_is_recovered_once(team: Team, live: Emulator) -> None:
    client = browser(team.owner)
    finish(
        client, approve_shop(live, start(client, team.workspace, "tiktok_shop")).headers["Location"]
    )
    connection = Connection.objects.for_workspace(team.workspace).get()
    buyer = live.http.get("/_control/shop/").json()["buyers"][0]["user_id"]
    sku = live.http.get("/_control/shop/").json()["products"][0]["skus"][0]["id"]

    # A paid order reports UNPAID then AWAITING_SHIPMENT: lose both webhooks.
    live.control("/webhooks/drop", {"count": 2})
    live.control(
        "/shop/orders", {"buyer_user_id": buyer, "items": [{"sku_id": sku, "quantity": 1}]}
    )

    connection.refresh_from_db()
    assert reconcile.connection_reconcile(connection=connection) == 1
    assert reconcile.connection_reconcile(connection=connection) == 0
    assert WebhookEvent.objects.filter(event_type="1", source="reconciliation").exists()
