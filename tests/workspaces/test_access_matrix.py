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
from django.urls import reverse

from tests.conftest import Team, client_for, tenant_snapshot
from tests.factories import ConnectionFactory

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


def ws(team: Team) -> dict[str, str]:
    return {"workspace_id": team.workspace.public_id}


def page(name: str, **extra: Any) -> Callable[[Team], str]:
    return lambda team: reverse(name, kwargs={**ws(team), **extra})


ENDPOINTS = [
    Endpoint("inbox", "get", page("inbox:inbox"), EVERYONE, 200),
    Endpoint("contacts", "get", page("inbox:contacts"), EVERYONE, 200),
    Endpoint("analytics", "get", page("dashboard:section", section="analytics"), EVERYONE, 200),
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
]


@pytest.fixture(autouse=True)
def _team_has_a_connection(team: Team) -> None:
    team.connection = ConnectionFactory(workspace=team.workspace)


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
    if endpoint.api and endpoint.method != "get":
        return getattr(client, endpoint.method)(url, data=data, content_type="application/json")
    return getattr(client, endpoint.method)(url, data=data)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_access(endpoint: Endpoint, role: str, team: Team) -> None:
    before = tenant_snapshot()

    response = call(endpoint, team, role)

    assert response.status_code == expected_status(endpoint, role)
    if role == "anonymous" and not endpoint.api:
        assert response["Location"].startswith(reverse("account_login"))
    refused = response.status_code in (302, 403, 404) and expected_status(endpoint, role) != (
        endpoint.success
    )
    if refused or endpoint.method == "get":
        assert tenant_snapshot() == before


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
