import re
from typing import Any

import pytest
from django.urls import reverse

from flows.models import Flow, FlowVersion, Trigger
from inbox.models import ShopChatSettings
from tests.conftest import Team, client_for
from tests.factories import (
    CommentFactory,
    ConnectionFactory,
    ShopConnectionFactory,
    TriggerFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def connected(team: Team) -> Any:
    return ConnectionFactory(workspace=team.workspace)


def url(name: str, team: Team, **kwargs: Any) -> str:
    return reverse(name, kwargs={"workspace_id": team.workspace.public_id, **kwargs})


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_without_tiktok_the_page_says_to_connect_first(team: Team) -> None:
    assert "Connect TikTok first" in text(
        client_for(team.owner).get(url("flows:automations", team))
    )


def test_an_admin_creates_a_draft_then_activates_it(team: Team, connected: Any) -> None:
    client = client_for(team.admin)

    created = client.post(
        url("flows:trigger_new", team),
        {
            "name": "Price",
            "keywords": "price, link , how much",
            "on_question": "on",
            "combine": "any",
            "scope": "all",
            "priority": 1,
            "reply_0": "Sent you a DM 💌",
            "reply_1": "Check your inbox!",
        },
    )

    assert created.status_code == 302
    trigger = Trigger.objects.for_workspace(team.workspace).get()
    assert (trigger.status, trigger.keywords, trigger.on_question) == (
        "draft",
        ["price", "link", "how much"],
        True,
    )
    assert trigger.reply_variants == ["Sent you a DM 💌", "Check your inbox!"]
    assert trigger.connection == connected

    client.post(url("flows:trigger_status", team, trigger_id=trigger.pk), {"status": "active"})
    trigger.refresh_from_db()
    assert trigger.status == "active"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"name": "Nothing", "keywords": ""}, "Choose at least one condition."),
        ({"name": "Long", "keywords": "price", "reply_0": "x" * 151}, "at most 150 characters"),
    ],
)
def test_a_trigger_that_cannot_work_is_refused(
    team: Team, connected: Any, data: dict[str, str], error: str
) -> None:
    response = client_for(team.owner).post(
        url("flows:trigger_new", team), {"combine": "any", "scope": "all", "priority": 1, **data}
    )

    assert response.status_code == 200
    assert error in text(response)
    assert not Trigger.objects.for_workspace(team.workspace).exists()


def test_members_read_but_do_not_edit(team: Team, connected: Any) -> None:
    TriggerFactory(connection=connected, name="Price")
    client = client_for(team.member)

    page = text(client.get(url("flows:automations", team)))

    assert "Price" in page
    assert "New trigger" not in page
    assert "Activate" not in page
    assert "Pause" not in page


def test_testing_a_comment_says_which_trigger_would_fire(team: Team, connected: Any) -> None:
    TriggerFactory(connection=connected, name="Price", keywords=["price"])

    page = text(client_for(team.member).post(url("flows:automations", team), {"text": "PRICE??"}))

    assert "would fire “Price”" in page


def test_the_log_shows_every_decision_and_why(team: Team, connected: Any) -> None:
    from flows import engine

    TriggerFactory(connection=connected, name="Price", keywords=["price"])
    engine.comment_evaluate(comment=CommentFactory(connection=connected, text="price?"))
    engine.comment_evaluate(comment=CommentFactory(connection=connected, text="so cute"))

    page = text(client_for(team.owner).get(url("flows:automations", team)))

    assert "“so cute” No trigger matched matched none of “Price”" in page
    assert "“price?” Fired matched “Price”" in page


def test_another_workspaces_trigger_is_a_404(team: Team, connected: Any) -> None:
    foreign = TriggerFactory()

    client = client_for(team.owner)
    assert client.get(url("flows:trigger_edit", team, trigger_id=foreign.pk)).status_code == 404
    assert (
        client.post(
            url("flows:trigger_status", team, trigger_id=foreign.pk), {"status": "active"}
        ).status_code
        == 404
    )
    foreign.refresh_from_db()
    assert foreign.status == "active"


def test_testing_against_history_counts_what_would_fire(team: Team, connected: Any) -> None:
    TriggerFactory(connection=connected, name="Price", keywords=["price"])
    for said in ("PRICE?", "price pls", "so cute", "link?"):
        CommentFactory(connection=connected, text=said)

    page = text(client_for(team.member).post(url("flows:automations", team), {"history": "1"}))

    assert "Of the last 4 comments, 2 would fire “Price”." in page


class TestPriority:
    def _ids(self, team: Team) -> list[int]:
        return list(
            Trigger.objects.for_workspace(team.workspace)
            .order_by("priority", "id")
            .values_list("pk", flat=True)
        )

    def test_dragging_sets_the_order_and_the_engine_follows_it(
        self, team: Team, connected: Any
    ) -> None:
        first, second, third = (
            TriggerFactory(connection=connected, priority=p) for p in (10, 20, 30)
        )
        url = reverse("flows:triggers_reorder", args=[team.workspace.public_id])

        response = client_for(team.admin).post(url, {"order": f"{third.pk},{first.pk},{second.pk}"})

        assert response.status_code == 200
        assert self._ids(team) == [third.pk, first.pk, second.pk]

    def test_a_stale_order_is_refused_and_changes_nothing(self, team: Team, connected: Any) -> None:
        first, second = (TriggerFactory(connection=connected, priority=p) for p in (10, 20))
        url = reverse("flows:triggers_reorder", args=[team.workspace.public_id])

        response = client_for(team.admin).post(url, {"order": f"{second.pk}"})

        assert response.status_code == 409
        assert self._ids(team) == [first.pk, second.pk]

    def test_the_arrows_move_one_place(self, team: Team, connected: Any) -> None:
        first, second = (TriggerFactory(connection=connected, priority=p) for p in (10, 20))
        url = reverse("flows:trigger_move", args=[team.workspace.public_id, second.pk])

        client_for(team.admin).post(url, {"direction": "up"})

        assert self._ids(team) == [second.pk, first.pk]

    def test_members_cannot_reorder(self, team: Team, connected: Any) -> None:
        first, second = (TriggerFactory(connection=connected, priority=p) for p in (10, 20))
        url = reverse("flows:triggers_reorder", args=[team.workspace.public_id])

        response = client_for(team.member).post(url, {"order": f"{second.pk},{first.pk}"})

        assert response.status_code == 403
        assert self._ids(team) == [first.pk, second.pk]


class TestShopChatTriggers:
    """A Shop chat trigger watches a TikTok Shop's chat: its own form, its place in the list."""

    @pytest.fixture
    def shop(self, team: Team) -> Any:
        return ShopConnectionFactory(workspace=team.workspace, display_name="Glow Beauty UK")

    @pytest.fixture
    def flow(self, team: Team) -> Flow:
        flow = Flow.unscoped.create(workspace=team.workspace, name="Price answers")
        flow.live_version = FlowVersion.unscoped.create(
            workspace=team.workspace, flow=flow, number=1, blocks=[]
        )
        flow.save()
        return flow

    def form(self, shop: Any, flow: Flow, **extra: Any) -> dict[str, Any]:
        return {
            "name": "Price in chat", "connection": shop.pk, "keywords": "price, how much",
            "combine": "any", "priority": 5, "flow": flow.pk, **extra,
        }  # fmt: skip

    def test_an_admin_creates_one_for_a_shop_without_comment_only_fields(
        self, team: Team, shop: Any, flow: Flow
    ) -> None:
        client = client_for(team.admin)
        new = url("flows:trigger_new", team) + "?source=shop_chat"

        page = client.get(new)
        created = client.post(new, self.form(shop, flow, reply_0="ignored", scope="specific"))

        assert "New Shop chat trigger" in text(page)
        for absent in ('name="on_first_comment"', 'name="scope"', 'name="invite_text"',
                       'name="reply_0"'):  # fmt: skip
            assert absent not in page.content.decode()
        assert created.status_code == 302
        trigger = Trigger.objects.for_workspace(team.workspace).get()
        assert (trigger.source, trigger.connection, trigger.flow, trigger.keywords) == (
            "shop_chat", shop, flow, ["price", "how much"],
        )  # fmt: skip
        assert (trigger.reply_variants, trigger.scope, trigger.status) == ([], "all", "draft")
        listing = text(client.get(url("flows:automations", team)))
        assert "keywords price, how much · in TikTok Shop chat" in listing
        assert "Glow Beauty UK · bot off for this Shop: it waits switch it on" in listing

    def test_it_needs_a_flow_and_one_of_the_workspaces_shops(
        self, team: Team, shop: Any, flow: Flow
    ) -> None:
        foreign = ShopConnectionFactory()
        tiktok = ConnectionFactory(workspace=team.workspace)
        client = client_for(team.owner)
        new = url("flows:trigger_new", team) + "?source=shop_chat"

        no_flow = client.post(new, {**self.form(shop, flow), "flow": ""})
        not_ours = client.post(new, self.form(foreign, flow))
        not_a_shop = client.post(new, self.form(tiktok, flow))

        assert "This field is required." in text(no_flow)
        assert "Select a valid choice." in text(not_ours)
        assert "Select a valid choice." in text(not_a_shop)
        assert not Trigger.objects.for_workspace(team.workspace).exists()
        assert not Trigger.objects.for_workspace(foreign.workspace).exists()

    def test_without_a_shop_there_is_no_shop_chat_trigger_to_make(self, team: Team) -> None:
        ConnectionFactory(workspace=team.workspace)
        client = client_for(team.owner)

        page = text(client.get(url("flows:automations", team)))
        response = client.get(url("flows:trigger_new", team) + "?source=shop_chat")

        assert "New Shop chat trigger" not in page
        assert response.status_code == 302
        assert client.get(url("flows:trigger_new", team) + "?source=bogus").status_code == 404

    def test_editing_keeps_it_a_shop_chat_trigger_and_shows_the_bot_on(
        self, team: Team, shop: Any, flow: Flow
    ) -> None:
        other = ShopConnectionFactory(workspace=team.workspace, display_name="Glow Beauty US")
        ShopChatSettings.unscoped.create(
            workspace=team.workspace, connection=other, bot_enabled=True
        )
        trigger = TriggerFactory(
            connection=shop, source="shop_chat", flow=flow, keywords=["price"], reply_variants=[]
        )
        client = client_for(team.owner)

        moved = client.post(
            url("flows:trigger_edit", team, trigger_id=trigger.pk), self.form(other, flow)
        )

        assert moved.status_code == 302
        trigger.refresh_from_db()
        assert (trigger.source, trigger.connection) == ("shop_chat", other)
        listing = text(client.get(url("flows:automations", team)))
        assert "Glow Beauty US" in listing
        assert "bot off for this Shop" not in listing
