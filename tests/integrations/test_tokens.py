from typing import Any

import pytest
from cryptography.fernet import Fernet
from django.core.management import call_command
from django.db import connection as db

from integrations import crypto
from integrations.capabilities import Capability, capabilities_for, missing_scopes, requested_scopes
from integrations.clients.errors import Rejected
from integrations.models import Connection
from tests.factories import ConnectionFactory

pytestmark = pytest.mark.django_db


def stored(connection: Connection) -> str:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token_encrypted FROM integrations_connection WHERE id = %s",
            [connection.pk],
        )
        return cursor.fetchone()[0]


def test_tokens_are_encrypted_at_rest() -> None:
    connection = ConnectionFactory(tokens=("act.secret-access", "rft.secret-refresh"))

    assert "act.secret-access" not in stored(connection)
    assert Connection.unscoped.get(pk=connection.pk).access_token == "act.secret-access"


def test_rotating_keys_re_encrypts_under_the_newest(settings: Any) -> None:
    connection = ConnectionFactory(tokens=("act.secret-access", "rft.secret-refresh"))
    old_key = settings.TOKEN_ENCRYPTION_KEYS[0]
    new_key = Fernet.generate_key().decode()
    settings.TOKEN_ENCRYPTION_KEYS = [new_key, old_key]

    call_command("rotate_token_keys", stdout=open("/dev/null", "w"))  # noqa: SIM115
    settings.TOKEN_ENCRYPTION_KEYS = [new_key]

    reloaded = Connection.unscoped.get(pk=connection.pk)
    assert (reloaded.access_token, reloaded.refresh_token) == (
        "act.secret-access",
        "rft.secret-refresh",
    )


def test_a_token_under_a_removed_key_fails_loudly(settings: Any) -> None:
    connection = ConnectionFactory()
    settings.TOKEN_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.TokenDecryptionError):
        _ = Connection.unscoped.get(pk=connection.pk).access_token


def test_the_admin_never_shows_a_token(admin_client: Any) -> None:
    connection = ConnectionFactory(tokens=("act.secret-access", "rft.secret-refresh"))

    page = admin_client.get(
        f"/admin/integrations/connection/{connection.pk}/change/"
    ).content.decode()

    assert "act.secret-access" not in page
    assert connection.access_token_encrypted not in page


class TestCapabilities:
    def test_everything_granted_enables_every_creator_feature(self) -> None:
        granted = set(requested_scopes("tiktok"))

        assert capabilities_for("tiktok", granted) == {
            Capability.COMMENT_TRIGGERS,
            Capability.PUBLIC_REPLY,
            Capability.DIRECT_MESSAGE,
            Capability.COMMENT_TO_MESSAGE,
            Capability.POST_LIST,
        }
        assert missing_scopes("tiktok", granted) == []

    def test_unticking_message_send_disables_dms_but_not_triggers(self) -> None:
        granted = set(requested_scopes("tiktok")) - {"message.list.send"}

        caps = capabilities_for("tiktok", granted)
        assert Capability.COMMENT_TRIGGERS in caps
        assert Capability.PUBLIC_REPLY in caps
        assert Capability.DIRECT_MESSAGE not in caps
        assert Capability.COMMENT_TO_MESSAGE not in caps
        assert missing_scopes("tiktok", granted) == ["message.list.send"]


def test_no_log_line_carries_a_secret(caplog: Any, settings: Any) -> None:
    import logging

    import httpx

    from integrations.clients.tiktok_shop import TikTokShopAuthClient

    settings.TIKTOK_SHOP_APP_SECRET = "super-secret-value"
    transport = httpx.MockTransport(
        lambda request: httpx.Response(200, json={"code": 36004004, "message": "bad code"})
    )
    with (
        caplog.at_level(logging.DEBUG),
        TikTokShopAuthClient(transport=transport) as client,
        pytest.raises(Rejected),
    ):
        client.token_get(auth_code="ROW_the-code")

    assert caplog.records
    assert "super-secret-value" not in caplog.text
    assert "ROW_the-code" not in caplog.text


def test_taking_a_connection_out_of_service_tells_the_apps_above_in_the_same_transaction(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from integrations import hooks, services

    seen: list[tuple[int, str, bool]] = []
    monkeypatch.setattr(hooks, "_pause_handlers", [])

    @hooks.on_connection_paused
    def record(connection: Connection, reason: str) -> None:
        seen.append((connection.pk, reason, db.in_atomic_block))

    disconnected = ConnectionFactory()
    revoked = ConnectionFactory()
    services.connection_disconnect(connection=disconnected, actor=None)
    services.connection_authorization_lost(connection=revoked, reason="tiktok:1")

    assert seen == [(disconnected.pk, "disconnected", True), (revoked.pk, "tiktok:1", True)]
