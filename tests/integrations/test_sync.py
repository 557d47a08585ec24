"""The first sync after connecting, token refresh, and failures, against the emulator."""

from decimal import Decimal
from typing import Any

import pytest

from integrations import sync, tokens
from integrations.clients.errors import TokenInvalid, Transient
from integrations.models import Connection, Post, Product, Sku
from tests.conftest import Team
from tests.emulator_process import CREDENTIALS, Emulator
from tests.integrations.test_connect import approve_shop, browser, connect_tiktok, finish, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def tiktok(
    team: Team, emulator: Emulator, django_capture_on_commit_callbacks: Any, settings: Any
) -> Connection:
    settings.PUBLIC_BASE_URL = "https://chatsparks.example"
    with django_capture_on_commit_callbacks(execute=True):
        connect_tiktok(browser(team.owner), emulator, team.workspace)
    return Connection.objects.for_workspace(team.workspace).get()


@pytest.fixture
def shop(
    team: Team, emulator: Emulator, django_capture_on_commit_callbacks: Any, settings: Any
) -> Connection:
    settings.PUBLIC_BASE_URL = "https://chatsparks.example"
    client = browser(team.owner)
    with django_capture_on_commit_callbacks(execute=True):
        finish(
            client,
            approve_shop(emulator, start(client, team.workspace, "tiktok_shop")).headers[
                "Location"
            ],
        )
    return Connection.objects.for_workspace(team.workspace).get()


def test_connecting_tiktok_syncs_posts_and_subscribes_webhooks(
    tiktok: Connection, emulator: Emulator
) -> None:
    posts = Post.objects.for_workspace(tiktok.workspace)
    assert posts.count() == 7
    assert list(posts.filter(kind="live").values_list("kind", flat=True)) == ["live"]
    tiktok.refresh_from_db()
    assert tiktok.last_sync_at is not None
    assert tiktok.sync_state["posts"] == {"fetched": 7, "total": 7}
    for event_type in ("DIRECT_MESSAGE", "COMMENT"):
        listed = emulator.http.get(
            "/open_api/v1.3/business/webhook/list/",
            params={
                "app_id": CREDENTIALS["TIKTOK_CLIENT_KEY"],
                "secret": CREDENTIALS["TIKTOK_CLIENT_SECRET"],
                "event_type": event_type,
            },
        ).json()
        assert listed["code"] == 0
        assert "https://chatsparks.example/webhooks/tiktok/" in str(listed["data"])


def test_connecting_the_shop_syncs_the_catalog_in_gbp(shop: Connection) -> None:
    assert Product.objects.for_workspace(shop.workspace).count() == 20
    skus = Sku.objects.for_workspace(shop.workspace)
    assert skus.count() == 45
    assert set(skus.values_list("currency", flat=True)) == {"GBP"}
    assert all(
        isinstance(price, Decimal) and price > 0 for price in skus.values_list("price", flat=True)
    )
    assert skus.exclude(name="").count() == 45
    shop.refresh_from_db()
    assert shop.sync_state["products"] == {"fetched": 20, "total": 20}


def test_an_expired_token_is_refreshed_exactly_once(tiktok: Connection, emulator: Emulator) -> None:
    old_refresh = tiktok.refresh_token
    emulator.control("/business/tokens/expire")

    sync.connection_sync(connection=tiktok)

    tiktok.refresh_from_db()
    assert tiktok.refresh_token != old_refresh
    # The rotated-away refresh token is dead at TikTok: a second refresh would have failed.
    assert tiktok.status == "connected"


def test_concurrent_refreshes_make_one_call(tiktok: Connection, emulator: Emulator) -> None:
    emulator.control("/business/tokens/expire")
    stale = Connection.unscoped.get(pk=tiktok.pk)

    first = tokens.connection_refresh(connection=stale, force=True)
    second = tokens.connection_refresh(connection=stale, force=True)

    assert first.access_token == second.access_token


def test_a_revoked_grant_needs_reauthorization_and_keeps_last_sync(
    tiktok: Connection, emulator: Emulator
) -> None:
    before = Connection.unscoped.get(pk=tiktok.pk).last_sync_at
    emulator.control("/business/authorization/revoke")

    with pytest.raises(TokenInvalid):
        sync.connection_sync(connection=Connection.unscoped.get(pk=tiktok.pk))

    tiktok.refresh_from_db()
    assert tiktok.status == "reauthorization_needed"
    assert tiktok.last_sync_at == before


def test_a_platform_outage_keeps_last_sync_and_says_why(
    tiktok: Connection, emulator: Emulator
) -> None:
    before = Connection.unscoped.get(pk=tiktok.pk).last_sync_at
    emulator.http.post(
        "/_control/faults", json={"path": "video/list", "kind": "server_error", "status": 503}
    )

    with pytest.raises(Transient):
        sync.connection_sync(connection=Connection.unscoped.get(pk=tiktok.pk))

    tiktok.refresh_from_db()
    assert tiktok.last_sync_at == before
    assert "503" in tiktok.sync_state["error"]
    assert tiktok.sync_state["running"] is False


def test_the_card_shows_first_sync_progress(team: Team) -> None:
    from django.urls import reverse

    from tests.conftest import client_for
    from tests.factories import ShopConnectionFactory

    ShopConnectionFactory(
        workspace=team.workspace,
        sync_state={"running": True, "products": {"fetched": 12, "total": 20}},
    )

    page = client_for(team.owner).get(
        reverse("integrations:cards", kwargs={"workspace_id": team.workspace.public_id})
    )

    assert "Syncing… 12 of 20 products" in page.content.decode()


def test_a_429_pauses_the_sync_for_as_long_as_tiktok_asks(
    shop: Connection, emulator: Emulator
) -> None:
    from unittest import mock

    from celery.exceptions import Retry

    from integrations.clients.errors import RateLimited
    from integrations.tasks import connection_sync

    emulator.http.post(
        "/_control/faults", json={"path": "^/product/", "kind": "rate_limit", "retry_after": 7}
    )

    with pytest.raises(RateLimited) as raised:
        sync.connection_sync(connection=Connection.unscoped.get(pk=shop.pk))
    assert raised.value.retry_after == 7

    with (
        mock.patch.object(connection_sync, "retry", side_effect=Retry()) as retry,
        pytest.raises(Retry),
    ):
        connection_sync.run(workspace_id=shop.workspace_id, connection_id=shop.pk)
    assert 7 <= retry.call_args.kwargs["countdown"] <= 12
