"""Inbox settings → Routing rules and the inbox API's list of them: who sees and who edits
(anonymous, another workspace's owner, member, admin, owner), validation with its messages,
order by arrows and by the dragged list, and the conversation's "Routed by" panel. A refused
write changes nothing."""

from typing import Any

import pytest
from django.urls import reverse

from inbox.models import Conversation, Message, RoutingApplication, RoutingRule
from integrations.models import Connection
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ShopConnectionFactory
from tests.factories.inbox_api import InboxConversationFactory, InboxMessageFactory
from tests.factories.routing import RoutingRuleFactory
from tests.inbox.test_views import visible

pytestmark = pytest.mark.django_db

ACCOUNTS = "Pick accounts connected to this workspace."


def url(name: str, team: Team, **kwargs: Any) -> str:
    return reverse(f"inbox:{name}", kwargs={"workspace_id": team.workspace.public_id, **kwargs})


def rules(workspace: Any) -> list[dict[str, Any]]:
    """Every rule of the workspace with its accounts, in order: what a write could change."""
    return [
        {**row, "connections": sorted(c.pk for c in rule.connections.all())}
        for rule in RoutingRule.objects.for_workspace(workspace).order_by("position", "id")
        for row in [RoutingRule.objects.for_workspace(workspace).filter(pk=rule.pk).values()[0]]
    ]


def names(workspace: Any) -> list[str]:
    return list(
        RoutingRule.objects.for_workspace(workspace)
        .order_by("position", "id")
        .values_list("name", flat=True)
    )


@pytest.fixture
def shop(team: Team) -> Connection:
    return ShopConnectionFactory(workspace=team.workspace, display_name="Glow Beauty UK")


def valid(team: Team, shop: Connection, **overrides: Any) -> dict[str, Any]:
    return {
        "name": "Refunds to Ana",
        "is_active": "on",
        "combine": "all",
        "connections": [str(shop.pk)],
        "message_types": ["text", "return_refund_card"],
        "keywords": "refund, คืนเงิน ,",
        "contact_tags": "",
        "field_name": "topic",
        "field_value": "refund",
        "add_tag": "refund",
        "assignee": str(team.teammate.user.pk),
        **overrides,
    }


# --- Who sees, who edits -------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_everyone_on_the_team_sees_the_rules_in_order(
    team: Team, shop: Connection, role: str
) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Second", position=20, connections=[shop])
    RoutingRuleFactory(workspace=team.workspace, name="First", position=10, is_active=False)
    RoutingRuleFactory(workspace=team.other_workspace, name="Rival rule")

    response = client_for(team.user(role)).get(url("routing_rules", team))

    assert response.status_code == 200
    text = visible(response)
    assert text.index("First") < text.index("Second")
    assert "Rival rule" not in text
    assert "saying “refund” and to Glow Beauty UK (TikTok Shop chat)" not in text
    assert "to Glow Beauty UK (TikTok Shop chat) and saying “refund”" in text
    assert "tag refund" in text
    can_edit = role != "member"
    assert ("New rule" in text) is can_edit
    assert ("Owners and admins edit routing rules." in text) is not can_edit
    assert ('data-reorder-url="' in response.content.decode()) is can_edit


@pytest.mark.parametrize("role", ["anonymous", "outsider"])
def test_strangers_neither_see_nor_change_rules(team: Team, shop: Connection, role: str) -> None:
    rule = RoutingRuleFactory(workspace=team.workspace, name="Ours")
    before = rules(team.workspace)
    client = client_for(team.user(role))
    expected = 302 if role == "anonymous" else 404
    pk = {"rule_id": rule.pk}

    assert client.get(url("routing_rules", team)).status_code == expected
    assert client.get(url("routing_rule_new", team)).status_code == expected
    assert client.post(url("routing_rule_new", team), valid(team, shop)).status_code == expected
    assert client.get(url("routing_rule_edit", team, **pk)).status_code == expected
    assert (
        client.post(url("routing_rule_edit", team, **pk), valid(team, shop)).status_code == expected
    )
    assert client.post(url("routing_rule_active", team, **pk), {"active": "0"}).status_code == (
        expected
    )
    assert client.post(url("routing_rule_move", team, **pk), {"direction": "down"}).status_code == (
        expected
    )
    assert client.post(url("routing_rules_reorder", team), {"order": str(rule.pk)}).status_code == (
        expected
    )
    assert client.post(url("routing_rule_delete", team, **pk)).status_code == expected
    assert rules(team.workspace) == before


def test_a_member_reads_but_cannot_change_rules(team: Team, shop: Connection) -> None:
    rule = RoutingRuleFactory(workspace=team.workspace, name="Ours")
    before = rules(team.workspace)
    client = client_for(team.member)
    pk = {"rule_id": rule.pk}

    assert client.get(url("routing_rule_new", team)).status_code == 403
    assert client.post(url("routing_rule_new", team), valid(team, shop)).status_code == 403
    assert client.get(url("routing_rule_edit", team, **pk)).status_code == 403
    assert client.post(url("routing_rule_edit", team, **pk), valid(team, shop)).status_code == 403
    assert client.post(url("routing_rule_active", team, **pk), {"active": "0"}).status_code == 403
    assert client.post(url("routing_rule_move", team, **pk), {"direction": "up"}).status_code == 403
    assert (
        client.post(url("routing_rules_reorder", team), {"order": str(rule.pk)}).status_code == 403
    )
    assert client.post(url("routing_rule_delete", team, **pk)).status_code == 403
    assert rules(team.workspace) == before


def test_another_workspaces_rule_is_a_404_even_to_an_owner(team: Team, shop: Connection) -> None:
    theirs = RoutingRuleFactory(workspace=team.other_workspace, name="Theirs")
    before = rules(team.other_workspace)
    client = client_for(team.owner)
    pk = {"rule_id": theirs.pk}

    assert client.get(url("routing_rule_edit", team, **pk)).status_code == 404
    assert client.post(url("routing_rule_edit", team, **pk), valid(team, shop)).status_code == 404
    assert client.post(url("routing_rule_active", team, **pk), {"active": "0"}).status_code == 404
    assert client.post(url("routing_rule_move", team, **pk), {"direction": "up"}).status_code == 404
    assert client.post(url("routing_rule_delete", team, **pk)).status_code == 404
    assert (
        client.post(url("routing_rules_reorder", team), {"order": str(theirs.pk)}).status_code
        == 409
    )
    assert rules(team.other_workspace) == before


# --- Create, edit, activate, delete --------------------------------------------------------------


@pytest.mark.parametrize("role", ["admin", "owner"])
def test_an_admin_or_owner_creates_a_rule(team: Team, shop: Connection, role: str) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Existing", position=10)

    response = client_for(team.user(role)).post(url("routing_rule_new", team), valid(team, shop))

    assert response.status_code == 302
    assert response["Location"] == url("routing_rules", team)
    rule = RoutingRule.objects.for_workspace(team.workspace).get(name="Refunds to Ana")
    assert (rule.is_active, rule.combine, rule.position) == (True, "all", 20)
    assert list(rule.connections.all()) == [shop]
    assert rule.message_types == ["text", "return_refund_card"]
    assert rule.keywords == ["refund", "คืนเงิน"]
    assert rule.contact_tags == []
    assert (rule.field_name, rule.field_value, rule.add_tag) == ("topic", "refund", "refund")
    assert rule.assignee == team.teammate.user
    assert names(team.workspace) == ["Existing", "Refunds to Ana"]
    assert names(team.other_workspace) == []


def test_an_admin_edits_a_rule_and_its_form_shows_what_it_holds(
    team: Team, shop: Connection
) -> None:
    rule = RoutingRuleFactory(
        workspace=team.workspace, name="Old", keywords=["broken"], connections=[shop],
        assignee=team.member,
    )  # fmt: skip
    client = client_for(team.admin)

    page = client.get(url("routing_rule_edit", team, rule_id=rule.pk))
    assert page.status_code == 200
    assert 'value="broken"' in page.content.decode()
    assert page.context["form"].initial["connections"] == [shop.pk]
    assert page.context["form"].initial["assignee"] == team.member.pk

    response = client.post(
        url("routing_rule_edit", team, rule_id=rule.pk),
        valid(team, shop, name="New", connections=[], combine="any", assignee="", is_active=""),
    )

    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.name, rule.combine, rule.is_active, rule.assignee) == ("New", "any", False, None)
    assert list(rule.connections.all()) == []


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"assignee": "outsider"}, "assignee", "Assign to a member of this workspace."),
        ({"connections": ["rival-shop"]}, "connections", ACCOUNTS),
        ({"connections": ["999999"]}, "connections", ACCOUNTS),
        ({"message_types": ["hologram"]}, "message_types", "hologram is not a message type."),
        (
            {"connections": [], "message_types": [], "keywords": " , ", "contact_tags": ""},
            None,
            "Choose at least one condition: an account, a message type, a keyword or a tag.",
        ),
        (
            {"field_name": "", "field_value": "", "add_tag": "", "assignee": ""},
            None,
            "Choose at least one action: set a field, add a tag or assign to a teammate.",
        ),
        ({"field_name": ""}, "field_name", "Name the contact field the value goes in."),
        ({"field_value": ""}, "field_value", "Give the value to set."),
        ({"keywords": "x" * 101}, "keywords", "A keyword has at most 100 characters."),
        ({"name": ""}, "name", "This field is required."),
    ],
)  # fmt: skip
def test_an_invalid_rule_is_refused_with_a_clear_error(
    team: Team, shop: Connection, overrides: dict[str, Any], field: str | None, error: str
) -> None:
    rival_shop = ShopConnectionFactory(workspace=team.other_workspace)
    replacements = {"outsider": str(team.outsider.pk), "rival-shop": str(rival_shop.pk)}
    for key, value in overrides.items():
        if isinstance(value, list):
            overrides[key] = [replacements.get(v, v) for v in value]
        else:
            overrides[key] = replacements.get(value, value)
    existing = RoutingRuleFactory(workspace=team.workspace, name="Kept")
    before = rules(team.workspace)
    client = client_for(team.owner)

    created = client.post(url("routing_rule_new", team), valid(team, shop, **overrides))
    edited = client.post(
        url("routing_rule_edit", team, rule_id=existing.pk), valid(team, shop, **overrides)
    )

    for response in (created, edited):
        assert response.status_code == 400
        form = response.context["form"]
        assert form.errors[field or "__all__"] == [error]
        assert error in visible(response)
    assert rules(team.workspace) == before


def test_a_rule_is_paused_activated_and_deleted(team: Team) -> None:
    rule = RoutingRuleFactory(workspace=team.workspace, name="VIP buyers")
    client = client_for(team.admin)

    assert (
        client.post(url("routing_rule_active", team, rule_id=rule.pk), {"active": "0"}).status_code
        == 302
    )
    rule.refresh_from_db()
    assert rule.is_active is False
    assert "Paused" in visible(client.get(url("routing_rules", team)))

    assert (
        client.post(url("routing_rule_active", team, rule_id=rule.pk), {"active": "1"}).status_code
        == 302
    )
    rule.refresh_from_db()
    assert rule.is_active is True

    assert (
        client.post(url("routing_rule_active", team, rule_id=rule.pk), {"active": "x"}).status_code
        == 404
    )
    rule.refresh_from_db()
    assert rule.is_active is True

    assert client.post(url("routing_rule_delete", team, rule_id=rule.pk)).status_code == 302
    assert names(team.workspace) == []


def test_a_deleted_rule_stays_on_the_conversations_it_routed(team: Team) -> None:
    rule = RoutingRuleFactory(workspace=team.workspace, name="VIP buyers")
    message = InboxMessageFactory(conversation__connection__workspace=team.workspace)
    RoutingApplication.objects.create(
        workspace=team.workspace, rule=rule, rule_name=rule.name,
        conversation=message.conversation, message=message, changes=["tagged vip"],
    )  # fmt: skip

    client_for(team.owner).post(url("routing_rule_delete", team, rule_id=rule.pk))

    application = RoutingApplication.objects.for_workspace(team.workspace).get()
    assert (application.rule, application.rule_name) == (None, "VIP buyers")


# --- Order ---------------------------------------------------------------------------------------


def test_arrows_move_a_rule_one_place(team: Team) -> None:
    a = RoutingRuleFactory(workspace=team.workspace, name="A", position=10)
    RoutingRuleFactory(workspace=team.workspace, name="B", position=20)
    c = RoutingRuleFactory(workspace=team.workspace, name="C", position=30)
    client = client_for(team.admin)

    assert (
        client.post(url("routing_rule_move", team, rule_id=c.pk), {"direction": "up"}).status_code
        == 302
    )
    assert names(team.workspace) == ["A", "C", "B"]
    client.post(url("routing_rule_move", team, rule_id=a.pk), {"direction": "up"})
    assert names(team.workspace) == ["A", "C", "B"]
    client.post(url("routing_rule_move", team, rule_id=a.pk), {"direction": "down"})
    assert names(team.workspace) == ["C", "A", "B"]
    assert (
        client.post(
            url("routing_rule_move", team, rule_id=a.pk), {"direction": "sideways"}
        ).status_code
        == 404
    )


def test_the_dragged_order_is_saved_whole_or_refused(team: Team) -> None:
    a = RoutingRuleFactory(workspace=team.workspace, name="A", position=10)
    b = RoutingRuleFactory(workspace=team.workspace, name="B", position=20)
    c = RoutingRuleFactory(workspace=team.workspace, name="C", position=30)
    client = client_for(team.owner)

    saved = client.post(url("routing_rules_reorder", team), {"order": f"{c.pk},{a.pk},{b.pk}"})
    assert (saved.status_code, saved.json()) == (200, {"ok": True})
    assert names(team.workspace) == ["C", "A", "B"]
    assert list(
        RoutingRule.objects.for_workspace(team.workspace)
        .order_by("position")
        .values_list("position", flat=True)
    ) == [10, 20, 30]

    stale = client.post(url("routing_rules_reorder", team), {"order": f"{a.pk},{b.pk}"})
    assert stale.status_code == 409
    assert stale.json() == {"errors": ["The list of rules changed: reload the page and try again."]}
    assert names(team.workspace) == ["C", "A", "B"]


# --- The conversation's panel and the navigation ------------------------------------------------


def test_the_conversation_lists_the_rules_that_routed_it(team: Team) -> None:
    conversation: Conversation = InboxConversationFactory(connection__workspace=team.workspace)
    message = InboxMessageFactory(conversation=conversation)
    rule = RoutingRuleFactory(workspace=team.workspace, name="VIP buyers")
    RoutingApplication.objects.create(
        workspace=team.workspace, rule=rule, rule_name="VIP buyers", conversation=conversation,
        message=message, changes=["tagged vip", "assigned to Ana"],
    )  # fmt: skip
    quiet: Conversation = InboxConversationFactory(connection__workspace=team.workspace)
    page = reverse(
        "inbox:conversation",
        kwargs={"workspace_id": team.workspace.public_id, "conversation_id": conversation.pk},
    )
    quiet_page = reverse(
        "inbox:conversation",
        kwargs={"workspace_id": team.workspace.public_id, "conversation_id": quiet.pk},
    )

    text = visible(client_for(team.member).get(page))

    assert "Routed by VIP buyers tagged vip, assigned to Ana" in text
    assert "Routed by" not in visible(client_for(team.member).get(quiet_page))


def test_the_inbox_links_to_its_routing_rules(team: Team) -> None:
    response = client_for(team.member).get(reverse("inbox:inbox", args=[team.workspace.public_id]))

    assert f'href="{url("routing_rules", team)}"' in response.content.decode()


# --- The API -------------------------------------------------------------------------------------


def api_url(team: Team) -> str:
    return reverse("api-inbox-routing-rules", kwargs={"workspace_id": team.workspace.public_id})


@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_the_api_lists_the_rules_in_order(team: Team, shop: Connection, role: str) -> None:
    RoutingRuleFactory(
        workspace=team.workspace, name="Second", position=20, connections=[shop],
        message_types=["order_card"], keywords=[], add_tag="", assignee=team.member,
    )  # fmt: skip
    first = RoutingRuleFactory(workspace=team.workspace, name="First", position=10)
    RoutingRuleFactory(workspace=team.other_workspace, name="Theirs")

    response = client_for(team.user(role)).get(api_url(team))

    assert response.status_code == 200
    first_row, second_row = response.json()["results"]
    assert first_row == {
        "id": first.pk, "name": "First", "is_active": True, "position": 10, "combine": "all",
        "connections": [], "message_types": [], "keywords": ["refund"], "contact_tags": [],
        "field_name": "", "field_value": "", "add_tag": "refund", "assignee": None,
        "assignee_is_member": False,
    }  # fmt: skip
    assert second_row["connections"] == [
        {"id": shop.pk, "provider": "tiktok_shop", "name": "Glow Beauty UK (TikTok Shop chat)"}
    ]
    assert second_row["assignee"] == {
        "id": team.member.pk, "email": team.member.email, "name": team.member.label,
    }  # fmt: skip
    assert second_row["assignee_is_member"] is True


@pytest.mark.parametrize(("role", "expected"), [("anonymous", 403), ("outsider", 404)])
def test_strangers_cannot_list_rules_over_the_api(team: Team, role: str, expected: int) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Ours")
    client = client_for(team.user(role))

    assert client.get(api_url(team)).status_code == expected
    assert client.post(api_url(team), {"name": "x"}).status_code == expected
    assert names(team.workspace) == ["Ours"]


def test_the_api_list_is_read_only_for_everyone(team: Team) -> None:
    RoutingRuleFactory(workspace=team.workspace, name="Ours")

    response = client_for(team.owner).post(
        api_url(team), {"name": "x"}, content_type="application/json"
    )

    assert response.status_code == 403
    assert names(team.workspace) == ["Ours"]


def test_a_dm_connection_is_labelled_by_its_handle(team: Team) -> None:
    dm_account = ConnectionFactory(workspace=team.workspace, handle="glowbeauty")
    RoutingRuleFactory(workspace=team.workspace, connections=[dm_account])

    text = visible(client_for(team.member).get(url("routing_rules", team)))

    assert "to @glowbeauty (TikTok DMs)" in text
    assert Message.objects.for_workspace(team.workspace).count() == 0
