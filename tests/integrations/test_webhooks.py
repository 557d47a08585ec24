"""Webhooks replayed through the real views from real payloads (tests/fixtures/)."""

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
import psycopg
import pytest
from django.core import mail
from django.db import OperationalError
from django.test import Client

from inbox.models import Comment
from integrations.models import Connection, WebhookEvent
from integrations.webhooks import ingest, signatures
from tests.factories import ConnectionFactory, MembershipFactory, ShopConnectionFactory

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
TIKTOK_SECRET = "test_client_secret"
SHOP_KEY, SHOP_SECRET = "29a39d", "e59af819cc"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes().rstrip(b"\n")


def tiktok_headers(
    body: bytes, *, at: float | None = None, secret: str = TIKTOK_SECRET
) -> dict[str, str]:
    t = str(int(at if at is not None else time.time()))
    signature = signatures.tiktok_signature(secret=secret, timestamp=t, body=body)
    return {"HTTP_TIKTOK_SIGNATURE": f"t={t},s={signature}"}


def shop_headers(body: bytes, *, secret: str = SHOP_SECRET) -> dict[str, str]:
    return {
        "HTTP_AUTHORIZATION": signatures.shop_signature(
            app_key=SHOP_KEY, app_secret=secret, body=body
        )
    }


def post(client: Client, path: str, body: bytes, headers: dict[str, str]) -> Any:
    return client.generic("POST", path, body, content_type="application/json", **headers)


class TestSignatures:
    def test_tiktok_signature_matches_the_documented_vector(self) -> None:
        body = (
            b'{"client_key":"bwo2m45353a6k85","event":"authorization.removed","create_time":1615338610,'
            b'"user_openid":"act.example12345Example12345Example","content":"{\\"reason\\": 1 }"}'
        )
        assert signatures.tiktok_signature(
            secret="test_client_secret", timestamp="1633174587", body=body
        ) == ("39c29244091b6bb0d67eca735a97218805842b7c8cea52dde8296f6c0c36ae09")

    def test_shop_signature_matches_the_documented_vector(self) -> None:
        body = fixture("tiktok_shop/order_status_change.json")
        assert signatures.shop_signature(app_key=SHOP_KEY, app_secret=SHOP_SECRET, body=body) == (
            "e21e909414e500178230da539adfc1faddd443124f93a8f67a060568a49620be"
        )

    def test_a_stale_or_future_timestamp_is_refused(self) -> None:
        body = b"{}"
        old = tiktok_headers(body, at=time.time() - 301)["HTTP_TIKTOK_SIGNATURE"]
        fresh = tiktok_headers(body, at=time.time() - 299)["HTTP_TIKTOK_SIGNATURE"]

        assert not signatures.verify_tiktok(
            header=old, body=body, secret=TIKTOK_SECRET, now=time.time(), tolerance=300
        )
        assert signatures.verify_tiktok(
            header=fresh, body=body, secret=TIKTOK_SECRET, now=time.time(), tolerance=300
        )


@pytest.mark.django_db
class TestReceiving:
    def test_a_comment_is_stored_once_and_processed(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        connection = ConnectionFactory(external_id="7301234567890123456")
        body = fixture("tiktok/comment_update.json")

        with django_capture_on_commit_callbacks(execute=True):
            responses = [
                post(client, "/webhooks/tiktok/", body, tiktok_headers(body)) for _ in range(5)
            ]

        assert [r.status_code for r in responses] == [200] * 5
        event = WebhookEvent.objects.get()
        assert (event.provider, event.event_type, event.account_id) == (
            "tiktok",
            "comment.update",
            "7301234567890123456",
        )
        assert event.status == "processed"
        assert event.connection == connection
        connection.refresh_from_db()
        assert connection.last_event_at is not None

    def test_19_digit_ids_survive_exactly(self) -> None:
        _, data = ingest.read_data("tiktok", fixture("tiktok/comment_update.json"))

        assert str(data["comment_id"]) == "7449012345678901234"
        assert str(data["video_id"]) == "7448811122233344455"

    @pytest.mark.parametrize(
        ("path", "body", "headers"),
        [
            (
                "/webhooks/tiktok/",
                fixture("tiktok/comment_update.json"),
                tiktok_headers(fixture("tiktok/comment_update.json"), secret="forged"),
            ),
            ("/webhooks/tiktok/", fixture("tiktok/comment_update.json"), {}),
            (
                "/webhooks/tiktok-shop/",
                fixture("tiktok_shop/order_status_change.json"),
                shop_headers(fixture("tiktok_shop/order_status_change.json"), secret="forged"),
            ),
            ("/webhooks/tiktok-shop/", fixture("tiktok_shop/order_status_change.json"), {}),
        ],
        ids=["tiktok-forged", "tiktok-unsigned", "shop-forged", "shop-unsigned"],
    )
    def test_a_forged_signature_is_401_and_stores_nothing(
        self, client: Client, path: str, body: bytes, headers: dict[str, str]
    ) -> None:
        assert post(client, path, body, headers).status_code == 401
        assert WebhookEvent.objects.count() == 0

    def test_a_tampered_body_fails_its_signature(self, client: Client) -> None:
        body = fixture("tiktok/comment_update.json")
        headers = tiktok_headers(body)

        assert (
            post(client, "/webhooks/tiktok/", body.replace(b"PRICE", b"FREE!"), headers).status_code
            == 401
        )
        assert WebhookEvent.objects.count() == 0

    def test_signed_but_malformed_is_400_and_stores_nothing(self, client: Client) -> None:
        body = b'{"event": "comment.update"'

        assert post(client, "/webhooks/tiktok/", body, tiktok_headers(body)).status_code == 400
        assert WebhookEvent.objects.count() == 0

    def test_an_oversized_body_is_refused_unread(self, client: Client, settings: Any) -> None:
        settings.WEBHOOK_MAX_BODY_BYTES = 100
        body = fixture("tiktok/comment_update.json")

        assert post(client, "/webhooks/tiktok/", body, tiktok_headers(body)).status_code == 413
        assert WebhookEvent.objects.count() == 0

    def test_database_down_is_503_so_tiktok_retries(self, client: Client) -> None:
        body = fixture("tiktok/comment_update.json")
        with mock.patch.object(ingest, "connection") as db:
            db.cursor.side_effect = OperationalError("down")
            response = post(client, "/webhooks/tiktok/", body, tiktok_headers(body))

        assert response.status_code == 503

    def test_an_unknown_account_is_stored_apart_touching_no_workspace(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        other = ConnectionFactory()
        body = fixture("tiktok/comment_update.json")

        with django_capture_on_commit_callbacks(execute=True):
            assert post(client, "/webhooks/tiktok/", body, tiktok_headers(body)).status_code == 200

        event = WebhookEvent.objects.get()
        assert (event.status, event.connection) == ("unrouted", None)
        other.refresh_from_db()
        assert other.last_event_at is None

    def test_a_burst_publishes_one_drain_task(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        ConnectionFactory(external_id="7301234567890123456")
        with (
            mock.patch("integrations.tasks.webhook_events_drain.apply_async") as publish,
            django_capture_on_commit_callbacks(execute=True),
        ):
            for n in range(10):
                body = fixture("tiktok/comment_update.json").replace(
                    b"7449012345678901234", f"74490123456789012{n:02d}".encode()
                )
                assert (
                    post(client, "/webhooks/tiktok/", body, tiktok_headers(body)).status_code == 200
                )

        assert publish.call_count == 1
        assert WebhookEvent.objects.filter(status="pending").count() == 10
        assert ingest.events_drain() == 10
        assert WebhookEvent.objects.filter(status="processed").count() == 10


@pytest.mark.django_db
class TestConnectionEvents:
    def test_authorization_removed_asks_for_reconnection_and_wipes_tokens(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        connection = ConnectionFactory(
            external_id="7301234567890123456", workspace__name="Glow Beauty"
        )
        owners = sorted(
            MembershipFactory(workspace=connection.workspace, role="owner").user.email
            for _ in range(2)
        )
        MembershipFactory(workspace=connection.workspace, role="member")
        body = fixture("tiktok/authorization_removed.json")

        with django_capture_on_commit_callbacks(execute=True):
            post(client, "/webhooks/tiktok/", body, tiktok_headers(body))

        connection.refresh_from_db()
        assert connection.status == Connection.Status.REAUTHORIZATION_NEEDED
        assert (connection.access_token_encrypted, connection.refresh_token_encrypted) == ("", "")
        [email] = mail.outbox
        assert email.to == owners
        assert email.subject == "Action needed: reconnect TikTok @glowbeauty in Glow Beauty"
        assert WebhookEvent.objects.get().outcome == "authorization removed (reason 1)"

    def test_shop_deauthorization(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        connection = ShopConnectionFactory(external_id="7494049642642441621")
        body = fixture("tiktok_shop/seller_deauthorization.json")

        with django_capture_on_commit_callbacks(execute=True):
            post(client, "/webhooks/tiktok-shop/", body, shop_headers(body))

        connection.refresh_from_db()
        assert connection.status == Connection.Status.REAUTHORIZATION_NEEDED

    def test_upcoming_expiry_shows_its_date(
        self, client: Client, django_capture_on_commit_callbacks: Any
    ) -> None:
        connection = ShopConnectionFactory(external_id="7494049642642441621")
        body = fixture("tiktok_shop/upcoming_authorization_expiration.json")

        with django_capture_on_commit_callbacks(execute=True):
            post(client, "/webhooks/tiktok-shop/", body, shop_headers(body))

        connection.refresh_from_db()
        assert connection.authorization_expires_at is not None
        assert int(connection.authorization_expires_at.timestamp()) == 1797942000
        assert connection.status == Connection.Status.CONNECTED

    def test_a_failing_handler_fails_only_its_event(self, client: Client) -> None:
        ConnectionFactory(external_id="7301234567890123456")
        good = fixture("tiktok/comment_update.json")
        bad = fixture("tiktok/authorization_removed.json")
        post(client, "/webhooks/tiktok/", good, tiktok_headers(good))
        post(client, "/webhooks/tiktok/", bad, tiktok_headers(bad))

        with mock.patch(
            "integrations.services.connection_authorization_lost", side_effect=RuntimeError("boom")
        ):
            ingest.events_drain()

        statuses = dict(WebhookEvent.objects.values_list("event_type", "status"))
        assert statuses == {"comment.update": "processed", "authorization.removed": "failed"}

    def test_an_event_that_loses_a_deadlock_is_tried_again_not_failed(self, client: Client) -> None:
        ConnectionFactory(external_id="7301234567890123456")
        body = fixture("tiktok/comment_update.json")
        post(client, "/webhooks/tiktok/", body, tiktok_headers(body))
        real = ingest.handler_for("tiktok", "comment.update")
        assert real is not None
        calls = []

        def deadlocked_once(event: Any) -> str:
            calls.append(event)
            if len(calls) == 1:
                raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()
            return real(event)

        with mock.patch.object(ingest, "handler_for", return_value=deadlocked_once):
            ingest.events_drain()

        event = WebhookEvent.objects.get()
        assert (event.status, event.attempts, len(calls)) == ("processed", 2, 2)
        assert Comment.objects.for_workspace(event.connection.workspace).count() == 1

    def test_an_event_that_keeps_losing_fails_after_five_tries(self, client: Client) -> None:
        ConnectionFactory(external_id="7301234567890123456")
        body = fixture("tiktok/comment_update.json")
        post(client, "/webhooks/tiktok/", body, tiktok_headers(body))

        def deadlocked(event: Any) -> str:
            raise OperationalError("deadlock detected") from psycopg.errors.DeadlockDetected()

        with mock.patch.object(ingest, "handler_for", return_value=deadlocked):
            ingest.events_drain()

        event = WebhookEvent.objects.get()
        assert (event.status, event.attempts) == ("failed", ingest.RACE_ATTEMPTS)
        assert event.outcome == "OperationalError: deadlock detected"


@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_copies_make_one_row_and_no_error(live_server: Any) -> None:
    body = fixture("tiktok/comment_update.json")
    headers = {
        "TikTok-Signature": tiktok_headers(body)["HTTP_TIKTOK_SIGNATURE"],
        "Content-Type": "application/json",
    }

    def deliver(_: int) -> int:
        return httpx.post(
            f"{live_server.url}/webhooks/tiktok/", content=body, headers=headers, timeout=10
        ).status_code

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(deliver, range(20)))

    assert statuses == [200] * 20
    assert WebhookEvent.objects.count() == 1


@pytest.mark.django_db
def test_redis_down_still_stores_and_acknowledges(client: Client) -> None:
    import redis

    body = fixture("tiktok/comment_update.json")
    with mock.patch.object(ingest, "_redis") as broken:
        broken.return_value.set.side_effect = redis.ConnectionError("refused")
        response = post(client, "/webhooks/tiktok/", body, tiktok_headers(body))

    assert response.status_code == 200
    assert WebhookEvent.objects.get().status == "pending"  # the beat sweep will drain it
