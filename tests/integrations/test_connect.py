"""Connecting and disconnecting, walked over real HTTP against the emulator: the product's
views and clients on one side, TikTok's authorize pages and APIs on the other."""

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse

from chatsparks.workspaces.models import Workspace
from integrations.models import Connection, OAuthState
from tests.conftest import Team, client_for
from tests.emulator_process import Emulator
from tests.factories import ConnectionFactory, MembershipFactory

pytestmark = pytest.mark.django_db

ALL_TIKTOK_SCOPES = (
    "comment.list",
    "comment.list.manage",
    "message.list.read",
    "message.list.send",
    "user.info.basic",
    "video.list",
)
SHOP_SCOPES = ("seller.order.info", "seller.product.basic", "seller.customer_service")


def browser(user: Any) -> Client:
    """A signed-in client on a host the emulator accepts as a registered redirect URI."""
    client = client_for(user)
    client.defaults["SERVER_NAME"] = "localhost"
    return client


def query(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def start(client: Client, workspace: Workspace, provider: str) -> str:
    response = client.post(
        reverse(
            "integrations:connect",
            kwargs={"workspace_id": workspace.public_id, "provider": provider},
        )
    )
    assert response.status_code == 302, response
    return str(response["Location"])


def approve_tiktok(
    emulator: Emulator,
    authorize_url: str,
    *,
    scopes: tuple[str, ...] = ALL_TIKTOK_SCOPES,
    action: str = "authorize",
) -> str:
    params = query(authorize_url)
    assert params["code_challenge_method"] == "S256"
    form = {**params, "scopes": list(scopes), "action": action}
    response = emulator.http.post("/v2/auth/authorize/", data=form)
    assert response.status_code == 302, response.text
    return response.headers["Location"]


def approve_shop(
    emulator: Emulator,
    authorize_url: str,
    *,
    region: str = "GB",
    scopes: tuple[str, ...] = SHOP_SCOPES,
    action: str = "authorize",
) -> Any:
    params = query(authorize_url)
    form = {
        "service_id": params["service_id"],
        "state": params["state"],
        "region": region,
        "action": action,
        "scope": list(scopes),
    }
    return emulator.http.post("/open/authorize", data=form)


def finish(client: Client, callback_url: str) -> Any:
    parts = urlsplit(callback_url)
    return client.get(f"{parts.path}?{parts.query}", follow=True)


def page_text(response: Any) -> str:
    return response.content.decode()


def connect_tiktok(client: Client, emulator: Emulator, workspace: Workspace, **approve: Any) -> Any:
    return finish(client, approve_tiktok(emulator, start(client, workspace, "tiktok"), **approve))


class TestTikTok:
    def test_an_owner_connects_and_the_card_turns_green(
        self, team: Team, emulator: Emulator
    ) -> None:
        client = browser(team.owner)

        response = connect_tiktok(client, emulator, team.workspace)

        connection = Connection.objects.for_workspace(team.workspace).get()
        assert (connection.provider, connection.status, connection.handle) == (
            "tiktok",
            "connected",
            "glowbeauty",
        )
        assert sorted(connection.granted_scopes) == list(ALL_TIKTOK_SCOPES)
        assert connection.access_token.startswith("act.")
        assert connection.access_token not in connection.access_token_encrypted
        text = page_text(response)
        assert "Connected TikTok" in text
        assert 'data-status="connected"' in text
        assert "Waiting…" in text

    def test_an_unticked_scope_needs_attention_and_reconnecting_fixes_it(
        self, team: Team, emulator: Emulator
    ) -> None:
        client = browser(team.owner)
        partial = tuple(s for s in ALL_TIKTOK_SCOPES if s != "message.list.send")

        response = connect_tiktok(client, emulator, team.workspace, scopes=partial)

        connection = Connection.objects.for_workspace(team.workspace).get()
        assert connection.status == "needs_attention"
        assert "Missing permissions: <code>message.list.send</code>" in page_text(response)
        assert "Reconnect" in page_text(response)

        connect_tiktok(client, emulator, team.workspace)

        assert list(
            Connection.objects.for_workspace(team.workspace).values_list("pk", "status")
        ) == [(connection.pk, "connected")]

    def test_deny_stores_nothing_and_says_so(self, team: Team, emulator: Emulator) -> None:
        client = browser(team.owner)

        response = finish(
            client, approve_tiktok(emulator, start(client, team.workspace, "tiktok"), action="deny")
        )

        assert "was cancelled; nothing was stored" in page_text(response)
        assert not Connection.unscoped.exists()

    def test_a_callback_works_once(self, team: Team, emulator: Emulator) -> None:
        client = browser(team.owner)
        callback = approve_tiktok(emulator, start(client, team.workspace, "tiktok"))
        finish(client, callback)

        again = finish(client, callback)

        assert "This connection link was already used." in page_text(again)
        assert Connection.unscoped.count() == 1

    def test_an_expired_attempt_stores_nothing(self, team: Team, emulator: Emulator) -> None:
        client = browser(team.owner)
        callback = approve_tiktok(emulator, start(client, team.workspace, "tiktok"))
        OAuthState.unscoped.update(expires_at="2000-01-01T00:00:00Z")

        response = finish(client, callback)

        assert "took longer than 10 minutes" in page_text(response)
        assert not Connection.unscoped.exists()

    def test_another_persons_callback_is_refused(self, team: Team, emulator: Emulator) -> None:
        callback = approve_tiktok(emulator, start(browser(team.owner), team.workspace, "tiktok"))
        other_owner = MembershipFactory(workspace=team.workspace, role="owner").user

        response = finish(browser(other_owner), callback)

        assert "This connection link is not valid." in page_text(response)
        assert not Connection.unscoped.exists()

    def test_an_account_live_in_another_workspace_is_refused_not_moved(
        self, team: Team, emulator: Emulator
    ) -> None:
        connect_tiktok(browser(team.outsider), emulator, team.other_workspace)

        response = connect_tiktok(browser(team.owner), emulator, team.workspace)

        assert "already connected to another ChatSparks workspace" in page_text(response)
        assert list(Connection.unscoped.values_list("workspace", "status")) == [
            (team.other_workspace.pk, "connected")
        ]

    def test_disconnect_wipes_tokens_and_reconnecting_restores_the_same_row(
        self, team: Team, emulator: Emulator, django_capture_on_commit_callbacks: Any
    ) -> None:
        client = browser(team.owner)
        connect_tiktok(client, emulator, team.workspace)
        connection = Connection.objects.for_workspace(team.workspace).get()

        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(
                reverse(
                    "integrations:disconnect",
                    kwargs={
                        "workspace_id": team.workspace.public_id,
                        "connection_id": connection.pk,
                    },
                ),
                follow=True,
            )

        connection.refresh_from_db()
        assert connection.status == "disconnected"
        assert (connection.access_token_encrypted, connection.refresh_token_encrypted) == ("", "")
        assert "reconnecting the same account brings everything back" in page_text(response)

        connect_tiktok(client, emulator, team.workspace)
        assert list(Connection.unscoped.values_list("pk", "status")) == [
            (connection.pk, "connected")
        ]


class TestTikTokShop:
    def test_an_owner_connects_the_gb_shop(self, team: Team, emulator: Emulator) -> None:
        client = browser(team.owner)
        approved = approve_shop(emulator, start(client, team.workspace, "tiktok_shop"))
        assert approved.status_code == 302

        response = finish(client, approved.headers["Location"])

        connection = Connection.objects.for_workspace(team.workspace).get()
        assert (connection.provider, connection.region, connection.status) == (
            "tiktok_shop",
            "GB",
            "connected",
        )
        assert connection.shop_cipher.startswith("ROW_")
        assert connection.access_token.startswith(("TTP_", "ROW_", "GCP_"))
        assert "Connected TikTok Shop" in page_text(response)

    def test_the_wrong_region_is_refused_on_tiktoks_page(
        self, team: Team, emulator: Emulator
    ) -> None:
        client = browser(team.owner)

        refused = approve_shop(emulator, start(client, team.workspace, "tiktok_shop"), region="FR")

        assert refused.status_code == 400
        assert "no shop there" in refused.text
        assert not Connection.unscoped.exists()

    def test_a_partial_grant_names_the_missing_scope(self, team: Team, emulator: Emulator) -> None:
        client = browser(team.owner)
        approved = approve_shop(
            emulator, start(client, team.workspace, "tiktok_shop"), scopes=("seller.product.basic",)
        )

        response = finish(client, approved.headers["Location"])

        assert Connection.objects.for_workspace(team.workspace).get().status == "needs_attention"
        assert "<code>seller.customer_service</code>, <code>seller.order.info</code>" in page_text(
            response
        )


class TestWhoMay:
    @pytest.mark.parametrize("role", ["member", "admin"])
    def test_only_owners_connect(self, team: Team, role: str) -> None:
        response = browser(team.user(role)).post(
            reverse(
                "integrations:connect",
                kwargs={"workspace_id": team.workspace.public_id, "provider": "tiktok"},
            )
        )

        assert response.status_code == 403
        assert not OAuthState.unscoped.exists()

    def test_another_workspaces_connection_is_a_404(self, team: Team) -> None:
        foreign = ConnectionFactory(workspace=team.other_workspace)

        response = browser(team.owner).post(
            reverse(
                "integrations:disconnect",
                kwargs={"workspace_id": team.workspace.public_id, "connection_id": foreign.pk},
            )
        )

        assert response.status_code == 404
        foreign.refresh_from_db()
        assert foreign.status == "connected"

    @pytest.mark.parametrize("role", ["member", "admin", "owner"])
    def test_everyone_sees_the_cards_but_only_owners_the_buttons(
        self, team: Team, role: str
    ) -> None:
        response = browser(team.user(role)).get(
            reverse("integrations:index", kwargs={"workspace_id": team.workspace.public_id})
        )

        assert response.status_code == 200
        assert ("Connect TikTok Shop" in page_text(response)) is (role == "owner")


class TestCardStates:
    def test_ten_minutes_without_an_event_shows_the_checklist(self, team: Team) -> None:
        from datetime import timedelta

        from django.utils import timezone

        from tests.factories import ConnectionFactory

        ConnectionFactory(
            workspace=team.workspace, connected_at=timezone.now() - timedelta(minutes=11)
        )
        url = reverse("integrations:cards", kwargs={"workspace_id": team.workspace.public_id})

        text = page_text(browser(team.owner).get(url))

        assert "No events yet? Check:" in text
        assert team.workspace.public_id in text

    def test_support_can_replay_a_delivery(
        self, team: Team, admin_client: Any, django_capture_on_commit_callbacks: Any
    ) -> None:
        from integrations.models import WebhookEvent

        event = WebhookEvent.objects.create(
            provider="tiktok",
            event_id="x",
            event_type="comment.update",
            body=b"{}",
            status="failed",
        )

        with django_capture_on_commit_callbacks(execute=True):
            admin_client.post(
                reverse("admin:integrations_webhookevent_changelist"),
                {"action": "replay", "_selected_action": [event.pk]},
            )

        event.refresh_from_db()
        assert event.status != "failed"


def test_disconnect_pauses_live_triggers_and_pending_sends_and_reconnect_resumes(
    team: Team, emulator: Emulator, django_capture_on_commit_callbacks: Any
) -> None:
    from inbox.models import Send
    from tests.factories import CommentFactory, TriggerFactory

    client = browser(team.owner)
    connect_tiktok(client, emulator, team.workspace)
    connection = Connection.objects.for_workspace(team.workspace).get()
    live = TriggerFactory(connection=connection, status="active")
    draft = TriggerFactory(connection=connection, status="draft")
    pending = Send.objects.create(
        workspace=team.workspace, connection=connection, kind="public_reply",
        comment=CommentFactory(connection=connection), text="hi", state="pending",
    )  # fmt: skip
    disconnect = reverse(
        "integrations:disconnect",
        kwargs={"workspace_id": team.workspace.public_id, "connection_id": connection.pk},
    )

    with django_capture_on_commit_callbacks(execute=True):
        client.post(disconnect)

    live.refresh_from_db()
    draft.refresh_from_db()
    pending.refresh_from_db()
    assert (live.status, draft.status) == ("paused", "draft")
    assert (pending.state, pending.error) == ("skipped", "account disconnected")

    connect_tiktok(client, emulator, team.workspace)

    live.refresh_from_db()
    draft.refresh_from_db()
    assert (live.status, draft.status) == ("active", "draft")
    assert Connection.unscoped.count() == 1  # the same row came back
