"""Every dashboard view and API endpoint, for every kind of caller.

Anonymous callers are sent to sign in (pages) or refused (API); an outsider gets the same 404
as for a workspace that does not exist; a role without the permission gets 403; and every
refusal leaves the database exactly as it was.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from helpdesk.models import ForwardingSettings
from inbox.models import Conversation, Message, SavedReply, SavedView, Send, ShopChatSettings
from integrations.models import Connection
from tests.conftest import Team, client_for, tenant_snapshot
from tests.factories import ConnectionFactory, ShopConnectionFactory
from tests.factories.flows_extra import FlowFactory, SensitiveKeywordFactory
from tests.factories.inbox_api import InboxConversationFactory

ROLES = ("anonymous", "outsider", "member", "admin", "owner")
EVERYONE = frozenset({"member", "admin", "owner"})
MANAGERS = frozenset({"admin", "owner"})
OWNERS = frozenset({"owner"})


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    url: Callable[[Team], str]
    allowed: frozenset[str]
    success: int
    data: Callable[[Team], dict[str, Any]] = field(default=lambda team: {})
    api: bool = False
    json: bool = False  # a page's JSON endpoint: the body is JSON, but it signs in like a page


def ws(team: Team) -> dict[str, str]:
    return {"workspace_id": team.workspace.public_id}


def page(name: str, **extra: Any) -> Callable[[Team], str]:
    return lambda team: reverse(name, kwargs={**ws(team), **extra})


def flow_page(name: str) -> Callable[[Team], str]:
    """A URL naming the team's one DM flow."""
    return lambda team: reverse(name, kwargs={**ws(team), "flow_id": team.flow.pk})  # type: ignore[union-attr]


def conversation_api(name: str) -> Callable[[Team], str]:
    """An inbox API URL naming the team's one conversation."""

    def url(team: Team) -> str:
        conversation = Conversation.objects.for_workspace(team.workspace).get()
        return reverse(name, kwargs={**ws(team), "conversation_id": conversation.pk})

    return url


def conversation_page(name: str, **extra: Any) -> Callable[[Team], str]:
    """An inbox page naming the team's one conversation."""

    def url(team: Team) -> str:
        conversation = Conversation.objects.for_workspace(team.workspace).get()
        return reverse(name, kwargs={**ws(team), "conversation_id": conversation.pk, **extra})

    return url


def saved_reply_page(name: str) -> Callable[[Team], str]:
    def url(team: Team) -> str:
        reply = SavedReply.objects.for_workspace(team.workspace).get()
        return reverse(name, kwargs={**ws(team), "reply_id": reply.pk})

    return url


ENDPOINTS = [
    Endpoint("inbox", "get", page("inbox:inbox"), EVERYONE, 200),
    Endpoint("conversation", "get", conversation_page("inbox:conversation"), EVERYONE, 200),
    Endpoint(
        "conversation-reply",
        "post",
        conversation_page("inbox:conversation_send"),
        EVERYONE,
        302,
        data=lambda team: {"mode": "reply", "text": "It is ฿390 today"},
    ),
    Endpoint(
        "conversation-note",
        "post",
        conversation_page("inbox:conversation_send"),
        EVERYONE,
        302,
        data=lambda team: {"mode": "note", "text": "VIP, be quick"},
    ),
    Endpoint(
        "conversation-product-preview",
        "get",
        conversation_page("inbox:product_preview"),
        EVERYONE,
        200,
        data=lambda team: {"text": "https://shop.tiktok.com/view/product/1729384756"},
    ),
    # Shop chat tools on the team's TikTok DM conversation: refused with a message (302), as
    # cards and images go through Shop chat only and the contact is not a known buyer.
    Endpoint(
        "conversation-shop-card",
        "post",
        conversation_page("inbox:shop_card"),
        EVERYONE,
        302,
        data=lambda team: {"product_id": "1729384756"},
    ),
    Endpoint(
        "conversation-shop-image",
        "post",
        conversation_page("inbox:shop_image"),
        EVERYONE,
        302,
        data=lambda team: {"image": SimpleUploadedFile("a.png", b"\x89PNG\r\n\x1a\n", "image/png")},
    ),
    Endpoint(
        "conversation-shop-start", "post", conversation_page("inbox:shop_start"), EVERYONE, 302
    ),
    Endpoint(
        "conversation-take",
        "post",
        conversation_page("inbox:conversation_action", action="take"),
        EVERYONE,
        302,
    ),
    Endpoint(
        "conversation-assign",
        "post",
        conversation_page("inbox:conversation_action", action="assign"),
        EVERYONE,
        302,
        data=lambda team: {"membership": team.teammate.pk},
    ),
    Endpoint(
        "conversation-hand-back",
        "post",
        conversation_page("inbox:conversation_action", action="hand_back"),
        EVERYONE,
        302,
    ),
    Endpoint(
        "conversation-close",
        "post",
        conversation_page("inbox:conversation_action", action="close"),
        EVERYONE,
        302,
    ),
    # Deleting a saved view is its owner's alone (tests/inbox/test_views.py), not a role's.
    Endpoint(
        "saved-view-create",
        "post",
        page("inbox:saved_view_create"),
        EVERYONE,
        302,
        data=lambda team: {"name": "Mine", "query": "show=mine"},
    ),
    Endpoint("saved-replies", "get", page("inbox:saved_replies"), EVERYONE, 200),
    Endpoint(
        "saved-reply-create",
        "post",
        page("inbox:saved_replies"),
        EVERYONE,
        302,
        data=lambda team: {"shortcut": "thanks", "text": "Thank you!"},
    ),
    Endpoint(
        "saved-reply-delete", "post", saved_reply_page("inbox:saved_reply_delete"), EVERYONE, 302
    ),
    Endpoint("shop-chat-settings", "get", page("inbox:shop_chat_settings"), MANAGERS, 200),
    Endpoint(
        "shop-chat-bot-switch",
        "post",
        page("inbox:shop_chat_settings"),
        MANAGERS,
        302,
        data=lambda team: {
            "connection": Connection.objects.for_workspace(team.workspace)
            .get(provider="tiktok_shop")
            .pk,
            "bot_enabled": "on",
        },
    ),
    Endpoint("contacts", "get", page("inbox:contacts"), EVERYONE, 200),
    Endpoint("analytics-overview", "get", page("analytics:overview"), EVERYONE, 200),
    Endpoint(
        "analytics-overview-csv",
        "get",
        page("analytics:overview"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv"},
    ),
    Endpoint("analytics-posts", "get", page("analytics:posts"), EVERYONE, 200),
    Endpoint(
        "analytics-posts-csv",
        "get",
        page("analytics:posts"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv", "sort": "-comments"},
    ),
    Endpoint("analytics-flows", "get", page("analytics:flows"), EVERYONE, 200),
    Endpoint(
        "analytics-flow-drop-off",
        "get",
        page("analytics:flows"),
        EVERYONE,
        200,
        data=lambda team: {"flow": team.flow.pk},  # type: ignore[union-attr]
    ),
    Endpoint(
        "analytics-flows-csv",
        "get",
        page("analytics:flows"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv"},
    ),
    Endpoint(
        "analytics-flow-steps-csv",
        "get",
        page("analytics:flows"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv", "table": "steps", "flow": team.flow.pk},  # type: ignore[union-attr]
    ),
    Endpoint("analytics-keywords", "get", page("analytics:keywords"), EVERYONE, 200),
    Endpoint(
        "analytics-keywords-csv",
        "get",
        page("analytics:keywords"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv"},
    ),
    Endpoint(
        "analytics-customer-service", "get", page("analytics:customer_service"), EVERYONE, 200
    ),
    Endpoint(
        "analytics-customer-service-csv",
        "get",
        page("analytics:customer_service"),
        EVERYONE,
        200,
        data=lambda team: {"format": "csv"},
    ),
    Endpoint("overview", "get", page("dashboard:overview"), EVERYONE, 302),
    Endpoint("settings", "get", page("workspaces:settings_general"), EVERYONE, 200),
    Endpoint(
        "settings-save",
        "post",
        page("workspaces:settings_general"),
        OWNERS,
        302,
        data=lambda team: {
            "name": "Renamed",
            "timezone": "Asia/Bangkok",
            "default_language": "th",
            "listening_window_days": 14,
        },
    ),
    Endpoint("members", "get", page("workspaces:members"), EVERYONE, 200),
    Endpoint(
        "invite",
        "post",
        page("workspaces:invitation_create"),
        MANAGERS,
        302,
        data=lambda team: {"email": "new.person@example.com", "role": "member"},
    ),
    Endpoint(
        "invitation-resend",
        "post",
        lambda team: reverse(
            "workspaces:invitation_resend", kwargs={**ws(team), "invitation_id": team.invitation.pk}
        ),
        MANAGERS,
        302,
    ),
    Endpoint(
        "invitation-revoke",
        "post",
        lambda team: reverse(
            "workspaces:invitation_revoke", kwargs={**ws(team), "invitation_id": team.invitation.pk}
        ),
        MANAGERS,
        302,
    ),
    Endpoint(
        "role-change",
        "post",
        lambda team: reverse(
            "workspaces:member_change_role", kwargs={**ws(team), "membership_id": team.teammate.pk}
        ),
        MANAGERS,
        302,
        data=lambda team: {"role": "admin"},
    ),
    Endpoint(
        "member-remove",
        "post",
        lambda team: reverse(
            "workspaces:member_remove", kwargs={**ws(team), "membership_id": team.teammate.pk}
        ),
        MANAGERS,
        302,
    ),
    Endpoint("billing", "get", page("workspaces:billing"), OWNERS, 200),
    Endpoint(
        "close-account",
        "post",
        page("workspaces:billing"),
        OWNERS,
        302,
        data=lambda team: {"confirmation": team.workspace.name},
    ),
    Endpoint("integrations", "get", page("integrations:index"), EVERYONE, 200),
    Endpoint("integration-cards", "get", page("integrations:cards"), EVERYONE, 200),
    Endpoint(
        "integration-connect",
        "post",
        page("integrations:connect", provider="tiktok"),
        OWNERS,
        302,
    ),
    Endpoint(
        "integration-disconnect",
        "post",
        lambda team: reverse(
            "integrations:disconnect",
            kwargs={**ws(team), "connection_id": team.connection.pk},  # type: ignore[union-attr]
        ),
        OWNERS,
        302,
    ),
    # Helpdesk forwarding sends buyer conversations to an outside address: owners only, like
    # integrations. (Its inbound email endpoint has no workspace in its URL and signs in by
    # the provider's signature: tests/helpdesk/test_inbound.py covers it.)
    Endpoint("helpdesk-settings", "get", page("helpdesk:settings"), OWNERS, 200),
    Endpoint(
        "helpdesk-settings-save",
        "post",
        page("helpdesk:settings"),
        OWNERS,
        302,
        data=lambda team: {
            "enabled": "on",
            "address": "support@glowbeauty.example",
            "window_minutes": 15,
        },
    ),
    Endpoint("helpdesk-test-email", "post", page("helpdesk:sample_email"), OWNERS, 302),
    Endpoint("automations", "get", page("flows:automations"), EVERYONE, 200),
    Endpoint(
        "automations-test",
        "post",
        page("flows:automations"),
        EVERYONE,
        200,
        data=lambda team: {"text": "price?"},
    ),
    Endpoint("trigger-new-form", "get", page("flows:trigger_new"), MANAGERS, 200),
    Endpoint(
        "trigger-create",
        "post",
        page("flows:trigger_new"),
        MANAGERS,
        302,
        data=lambda team: {
            "name": "Price",
            "keywords": "price",
            "combine": "any",
            "scope": "all",
            "priority": 1,
        },
    ),
    Endpoint(
        "triggers-reorder",
        "post",
        page("flows:triggers_reorder"),
        MANAGERS,
        200,
        data=lambda team: {"order": ""},
    ),
    Endpoint("flow-list", "get", page("flows:flow_list"), EVERYONE, 200),
    Endpoint("flow-new-form", "get", page("flows:flow_new"), MANAGERS, 200),
    Endpoint(
        "flow-create",
        "post",
        page("flows:flow_new"),
        MANAGERS,
        302,
        data=lambda team: {"name": "Shades"},
    ),
    Endpoint("flow-editor", "get", flow_page("flows:flow_edit"), MANAGERS, 200),
    Endpoint(
        "flow-save-draft",
        "post",
        flow_page("flows:flow_save_draft"),
        MANAGERS,
        200,
        data=lambda team: {"blocks": [{"id": "b1", "type": "tag", "tag": "vip"}]},
        json=True,
    ),
    Endpoint("flow-publish", "post", flow_page("flows:flow_publish"), MANAGERS, 302),
    Endpoint(
        "flow-preview",
        "post",
        page("flows:flow_preview"),
        MANAGERS,
        200,
        data=lambda team: {"blocks": [{"id": "b1", "type": "message", "text": "Hi"}]},
        json=True,
    ),
    Endpoint(
        "sku-search", "get", page("flows:sku_search"), MANAGERS, 200, data=lambda t: {"q": "a"}
    ),
    Endpoint(
        "flow-rename",
        "post",
        flow_page("flows:flow_rename"),
        MANAGERS,
        302,
        data=lambda team: {"name": "Renamed"},
    ),
    Endpoint("flow-delete", "post", flow_page("flows:flow_delete"), MANAGERS, 302),
    Endpoint("automation-settings", "get", page("flows:automation_settings"), MANAGERS, 200),
    Endpoint(
        "automation-settings-save",
        "post",
        page("flows:automation_settings"),
        MANAGERS,
        302,
        data=lambda team: {
            "intent_valid_days": 5,
            "free_text_handoff_after": 3,
            "default_invite_text": "DM us {keyword}",
        },
    ),
    Endpoint(
        "sensitive-keyword-add",
        "post",
        page("flows:sensitive_keyword_add"),
        MANAGERS,
        302,
        data=lambda team: {"phrase": "melted", "action": "handoff"},
    ),
    Endpoint(
        "sensitive-keyword-remove",
        "post",
        lambda team: reverse(
            "flows:sensitive_keyword_remove",
            kwargs={**ws(team), "keyword_id": team.sensitive_keyword.pk},  # type: ignore[union-attr]
        ),
        MANAGERS,
        302,
    ),
    Endpoint("api-workspace", "get", page("api-workspace"), EVERYONE, 200, api=True),
    Endpoint(
        "api-workspace-patch",
        "patch",
        page("api-workspace"),
        OWNERS,
        200,
        data=lambda team: {"listening_window_days": 45},
        api=True,
    ),
    Endpoint("api-members", "get", page("api-members"), EVERYONE, 200, api=True),
    Endpoint("api-invitations", "get", page("api-invitations"), MANAGERS, 200, api=True),
    Endpoint(
        "api-invite",
        "post",
        page("api-invitations"),
        MANAGERS,
        201,
        data=lambda team: {"email": "api.person@example.com", "role": "member"},
        api=True,
    ),
    Endpoint(
        "api-inbox-conversations", "get", page("api-inbox-conversations"), EVERYONE, 200, api=True
    ),
    Endpoint(
        "api-inbox-conversation",
        "get",
        conversation_api("api-inbox-conversation"),
        EVERYONE,
        200,
        api=True,
    ),
    Endpoint(
        "api-inbox-take",
        "post",
        conversation_api("api-inbox-conversation-take"),
        EVERYONE,
        200,
        api=True,
    ),
    Endpoint(
        "api-inbox-assign",
        "post",
        conversation_api("api-inbox-conversation-assign"),
        EVERYONE,
        200,
        data=lambda team: {"membership_id": team.teammate.pk},
        api=True,
    ),
    Endpoint(
        "api-inbox-hand-back",
        "post",
        conversation_api("api-inbox-conversation-hand-back"),
        EVERYONE,
        200,
        api=True,
    ),
    Endpoint(
        "api-inbox-close",
        "post",
        conversation_api("api-inbox-conversation-close"),
        EVERYONE,
        200,
        api=True,
    ),
    Endpoint(
        "api-inbox-reply",
        "post",
        conversation_api("api-inbox-conversation-reply"),
        EVERYONE,
        201,
        data=lambda team: {"text": "Here is the link"},
        api=True,
    ),
    Endpoint(
        "api-inbox-note",
        "post",
        conversation_api("api-inbox-conversation-notes"),
        EVERYONE,
        201,
        data=lambda team: {"text": "VIP buyer", "mentions": [team.owner.pk]},
        api=True,
    ),
    Endpoint("api-inbox-contacts", "get", page("api-inbox-contacts"), EVERYONE, 200, api=True),
    Endpoint(
        "api-inbox-saved-replies", "get", page("api-inbox-saved-replies"), EVERYONE, 200, api=True
    ),
]


@pytest.fixture(autouse=True)
def _team_has_a_flow(team: Team) -> None:
    """A publishable flow no trigger uses yet, and one sensitive keyword of its own."""
    team.flow = FlowFactory(workspace=team.workspace)
    team.sensitive_keyword = SensitiveKeywordFactory(workspace=team.workspace)


@pytest.fixture(autouse=True)
def _team_has_a_connection(team: Team) -> None:
    team.connection = ConnectionFactory(workspace=team.workspace)
    # One conversation in the bot's hands whose contact wrote an hour ago (replies can go out).
    InboxConversationFactory(connection=team.connection, window_open=True)


@pytest.fixture(autouse=True)
def _team_has_a_shop(team: Team) -> None:
    ShopConnectionFactory(workspace=team.workspace)


@pytest.fixture(autouse=True)
def _team_has_a_saved_reply(team: Team) -> None:
    SavedReply.objects.create(workspace=team.workspace, shortcut="ship", text="Ships in 2 days")


def inbox_snapshot() -> tuple[Any, ...]:
    """The inbox rows an inbox endpoint could change (``tenant_snapshot`` covers the rest)."""
    return (
        list(Conversation.unscoped.order_by("pk").values()),
        list(Message.unscoped.order_by("pk").values()),
        list(Send.unscoped.order_by("pk").values()),
        list(SavedReply.unscoped.order_by("pk").values()),
        list(SavedView.unscoped.order_by("pk").values()),
        list(ForwardingSettings.unscoped.order_by("pk").values()),
        list(ShopChatSettings.unscoped.order_by("pk").values()),
    )


def expected_status(endpoint: Endpoint, role: str) -> int:
    if role == "anonymous":
        return 403 if endpoint.api else 302
    if role == "outsider":
        return 404
    return endpoint.success if role in endpoint.allowed else 403


def call(endpoint: Endpoint, team: Team, role: str) -> Any:
    client = client_for(team.user(role))
    url = endpoint.url(team)
    data = endpoint.data(team)
    if (endpoint.api or endpoint.json) and endpoint.method != "get":
        return getattr(client, endpoint.method)(url, data=data, content_type="application/json")
    return getattr(client, endpoint.method)(url, data=data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access(endpoint: Endpoint, role: str, team: Team) -> None:
    before = tenant_snapshot(), inbox_snapshot()

    response = call(endpoint, team, role)

    assert response.status_code == expected_status(endpoint, role)
    if role == "anonymous" and not endpoint.api:
        assert response["Location"].startswith(reverse("account_login"))
    refused = response.status_code in (302, 403, 404) and expected_status(endpoint, role) != (
        endpoint.success
    )
    if refused or endpoint.method == "get":
        assert (tenant_snapshot(), inbox_snapshot()) == before


def without_csrf(html: bytes) -> bytes:
    """The per-request CSRF token is the only part of two 404 pages allowed to differ."""
    return re.sub(rb"[A-Za-z0-9]{64}", b"<csrf>", html)


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_outsider_sees_the_same_404_as_for_a_missing_workspace(
    endpoint: Endpoint, team: Team
) -> None:
    client = client_for(team.outsider)
    real = endpoint.url(team)
    missing = real.replace(team.workspace.public_id, "ws_DOESNOTEXIST")

    real_response = getattr(client, endpoint.method)(real)
    missing_response = getattr(client, endpoint.method)(missing)

    assert real_response.status_code == missing_response.status_code == 404
    assert without_csrf(real_response.content) == without_csrf(missing_response.content)
