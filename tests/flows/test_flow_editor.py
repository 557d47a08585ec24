"""DM flows: creating, saving drafts, publishing versions, the live preview, the SKU picker's
search, the trigger form's flow, and the automation settings page."""

import json
import re
from typing import Any

import pytest
from django.urls import reverse

from flows import handoff, services
from flows.models import AutomationSettings, Flow, FlowVersion, Run, SensitiveKeyword, Trigger
from tests.conftest import Team, client_for
from tests.factories import ConnectionFactory, ContactFactory, TriggerFactory
from tests.factories.flows_extra import (
    FlowFactory,
    SensitiveKeywordFactory,
    SkuFactory,
    message,
)
from tests.factories.integrations import ShopConnectionFactory

pytestmark = pytest.mark.django_db

QUICK_REPLIES = {
    "id": "q1",
    "type": "quick_replies",
    "text": "Which shade?",
    "options": [{"label": "Rose"}, {"label": "Coral"}, {"label": "Nude"}, {"label": "Berry"}],
    "field": "shade",
}


def url(name: str, team: Team, **kwargs: Any) -> str:
    return reverse(name, kwargs={"workspace_id": team.workspace.public_id, **kwargs})


def text(response: Any) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode())).strip()


def post_json(client: Any, address: str, body: Any) -> Any:
    return client.post(address, data=json.dumps(body), content_type="application/json")


@pytest.fixture
def flow(team: Team) -> Flow:
    return FlowFactory(workspace=team.workspace, name="Lipstick")


@pytest.fixture
def sku(team: Team) -> Any:
    shop = ShopConnectionFactory(workspace=team.workspace)
    return SkuFactory(
        product__connection=shop,
        product__title="Velvet Matte Lipstick",
        name="Rose 01",
        price="390.00",
        currency="THB",
        stock=12,
    )


# -- creating and saving -----------------------------------------------------------------------


def test_an_admin_creates_a_flow_and_lands_in_its_editor(team: Team) -> None:
    client = client_for(team.admin)

    response = client.post(url("flows:flow_new", team), {"name": "  Lipstick shades "})

    created = Flow.objects.for_workspace(team.workspace).get()
    assert response["Location"] == url("flows:flow_edit", team, flow_id=created.pk)
    assert (created.name, created.draft, created.live_version) == ("Lipstick shades", [], None)
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert '<script id="flow-draft" type="application/json">[]</script>' in page.content.decode()


def test_a_valid_draft_is_saved_and_nothing_goes_live(team: Team, flow: Flow) -> None:
    blocks = [message("m1", "Hello {handle}"), QUICK_REPLIES]

    response = post_json(
        client_for(team.admin),
        url("flows:flow_save_draft", team, flow_id=flow.pk),
        {"blocks": blocks},
    )

    assert response.status_code == 200
    assert response.json() == {"ok": True, "unpublished_changes": True}
    flow.refresh_from_db()
    assert flow.draft == blocks
    assert flow.live_version is None
    assert not FlowVersion.objects.for_workspace(team.workspace).exists()


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        (
            {
                "blocks": [
                    {
                        "id": "a",
                        "type": "quick_replies",
                        "text": "Pick",
                        "options": [{"label": "x" * 21}],
                    },
                    {"id": "b", "type": "wait", "seconds": 0},
                    {"id": "c", "type": "question", "text": "Shade?", "field": "Shade!"},
                ]
            },
            [
                "Block 1: each quick reply needs a label of 1 to 20 characters.",
                "Block 2: wait between 1 second and 7 days.",
                "Block 3: name the field with lowercase letters, digits and _ (e.g. shade).",
            ],
        ),
        ({"blocks": {"id": "a"}}, ["A flow is a list of blocks."]),
        ({"nothing": []}, ['Send the flow as JSON: {"blocks": [...]}.']),
        (
            {"blocks": [message("x" * 33)]},
            ["Block 1: a block id is 1 to 32 characters and not “end”."],
        ),
        (
            {"blocks": [message("a", goto=["not", "an", "id"])]},
            ["Block 1: it jumps to a block that does not exist."],
        ),
    ],
    ids=["block-problems", "not-a-list", "no-blocks-key", "long-id", "malformed"],
)
def test_an_invalid_draft_is_refused_with_every_problem(
    team: Team, flow: Flow, body: dict[str, Any], errors: list[str]
) -> None:
    before = flow.draft

    response = post_json(
        client_for(team.admin), url("flows:flow_save_draft", team, flow_id=flow.pk), body
    )

    assert response.status_code == 400
    assert response.json() == {"errors": errors}
    flow.refresh_from_db()
    assert flow.draft == before


def test_a_body_that_is_not_json_is_a_400(team: Team, flow: Flow) -> None:
    response = client_for(team.admin).post(
        url("flows:flow_save_draft", team, flow_id=flow.pk),
        data=b"\xff{not json",
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json() == {"errors": ['Send the flow as JSON: {"blocks": [...]}.']}


# -- publishing --------------------------------------------------------------------------------


def test_publishing_freezes_each_version_and_runs_keep_theirs(team: Team, flow: Flow) -> None:
    client = client_for(team.admin)
    first = [message("m1", "Version one")]
    second = [message("m1", "Version two"), QUICK_REPLIES]
    post_json(client, url("flows:flow_save_draft", team, flow_id=flow.pk), {"blocks": first})

    response = client.post(url("flows:flow_publish", team, flow_id=flow.pk), follow=True)

    v1 = FlowVersion.objects.for_workspace(team.workspace).get(flow=flow)
    assert (v1.number, v1.blocks, v1.published_by) == (1, first, team.admin)
    assert "Published v1" in text(response)
    flow.refresh_from_db()
    assert flow.live_version == v1
    assert not flow.has_unpublished_changes
    run = Run.objects.create(
        workspace=team.workspace,
        connection=ConnectionFactory(workspace=team.workspace),
        flow_version=v1,
        contact=ContactFactory(workspace=team.workspace),
        state=Run.State.WAITING_REPLY,
        position="m1",
    )

    post_json(client, url("flows:flow_save_draft", team, flow_id=flow.pk), {"blocks": second})
    flow.refresh_from_db()
    assert flow.has_unpublished_changes
    response = client.post(url("flows:flow_publish", team, flow_id=flow.pk), follow=True)

    assert "Published v2" in text(response)
    versions = (
        FlowVersion.objects.for_workspace(team.workspace).filter(flow=flow).order_by("number")
    )
    assert [(v.number, v.blocks) for v in versions] == [(1, first), (2, second)]
    flow.refresh_from_db()
    assert flow.live_version == versions[1]
    run.refresh_from_db()
    assert run.flow_version_id == v1.pk


def test_the_published_copy_does_not_change_with_the_draft(team: Team, flow: Flow) -> None:
    version = services.flow_publish(flow=flow, user=team.owner)

    services.flow_save_draft(flow=flow, blocks=[message("b1", "Changed")])

    version.refresh_from_db()
    assert version.blocks == [message()]


def test_publishing_a_flow_naming_a_sku_no_longer_in_the_catalog_fails(
    team: Team, flow: Flow, sku: Any
) -> None:
    gone = SkuFactory(product__connection=sku.product.connection, product__status="DELETED")
    flow.draft = [
        {"id": "s1", "type": "shop_link", "sku_id": sku.external_id},
        {"id": "s2", "type": "shop_link", "sku_id": "1729999999999"},
        message("m1", "{price}", sku_id=gone.external_id, card=True),
    ]
    flow.save()

    response = client_for(team.admin).post(url("flows:flow_publish", team, flow_id=flow.pk))

    assert response.status_code == 200
    page = text(response)
    assert "Not published." in page
    assert (
        "Block 2: the SKU 1729999999999 is no longer in the synced catalog. Pick another "
        "product, or sync the catalog if it was just added." in page
    )
    assert f"Block 3: the SKU {gone.external_id} is no longer in the synced catalog." in page
    assert "Block 1:" not in page
    flow.refresh_from_db()
    assert flow.live_version is None
    assert not FlowVersion.objects.for_workspace(team.workspace).exists()


def test_an_empty_flow_cannot_be_published(team: Team) -> None:
    flow = FlowFactory(workspace=team.workspace, draft=[])

    response = client_for(team.owner).post(url("flows:flow_publish", team, flow_id=flow.pk))

    assert "Add at least one block before publishing." in text(response)
    assert not FlowVersion.objects.for_workspace(team.workspace).exists()


# -- preview -----------------------------------------------------------------------------------


def preview(team: Team, blocks: list[dict[str, Any]], door: str) -> str:
    response = post_json(
        client_for(team.admin), url("flows:flow_preview", team), {"blocks": blocks, "door": door}
    )
    assert response.status_code == 200
    return response.content.decode()


def test_the_preview_renders_the_real_catalog_price_and_numbers_four_options(
    team: Team, sku: Any
) -> None:
    blocks = [
        message("m1", "{name} is {price}, {stock} left for {handle}", sku_id=sku.external_id),
        QUICK_REPLIES,
    ]

    html = preview(team, blocks, "window")

    assert "Velvet Matte Lipstick (Rose 01) is ฿390.00, 12 left for @buyer" in html
    assert (
        "Which shade?<br>1. Rose<br>2. Coral<br>3. Nude<br>4. Berry<br>Reply with a number." in html
    )
    assert (
        "↳ quick replies sent as a numbered list: 4 options (TikTok DMs carry at most 3 buttons)"
        in html
    )


def test_three_options_are_buttons_in_the_window_but_a_list_through_comment_to_message(
    team: Team, sku: Any
) -> None:
    three = {**QUICK_REPLIES, "options": QUICK_REPLIES["options"][:3]}
    blocks = [message("m1", "{name}: {price}", sku_id=sku.external_id, card=True), three]

    window = preview(team, blocks, "window")
    comment = preview(team, blocks, "comment_to_message")

    assert (
        '<ul class="flow-buttons" aria-label="Reply buttons">'
        "<li>Rose</li><li>Coral</li><li>Nude</li></ul>" in window
    )
    assert "numbered list" not in window
    # One DM through Comment-to-Message: the message, its card as a line, then the choices.
    assert comment.count("data-preview-dm") == 1
    assert (
        "Velvet Matte Lipstick (Rose 01): ฿390.00<br>"
        "🛍 Velvet Matte Lipstick (Rose 01) · ฿390.00<br>"
        f"https://shop.tiktok.com/view/product/{sku.product.external_id}<br><br>"
        "Which shade?<br>1. Rose<br>2. Coral<br>3. Nude<br>Reply with a number." in comment
    )
    assert "↳ shop card sent as a text link: TikTok DMs have no product cards" in comment
    assert (
        "↳ quick replies sent as a numbered list: Comment-to-Message carries text only" in comment
    )
    assert "the rest goes through the messaging window once the buyer replies" in comment


def test_shop_chat_shows_the_product_card_and_silent_blocks_say_what_they_do(
    team: Team, sku: Any
) -> None:
    blocks = [
        {"id": "s1", "type": "shop_link", "sku_id": sku.external_id, "text": "Here it is"},
        {"id": "w1", "type": "wait", "seconds": 300},
        {"id": "t1", "type": "tag", "tag": "lipstick"},
        {"id": "h1", "type": "handoff", "reason": "wants a bundle"},
    ]

    html = text_of(preview(team, blocks, "shop_chat"))

    assert "Here it is" in html
    assert "🛍 Velvet Matte Lipstick (Rose 01) ฿390.00 · 12 in stock" in html
    assert "Block 2: Waits 5 minutes" in html
    assert "Block 3: Tags the contact “lipstick”" in html
    assert "Block 4: Hands the chat to a teammate: wants a bundle" in html


def test_an_unfinished_block_does_not_break_the_preview(team: Team) -> None:
    html = text_of(preview(team, [{"id": "x", "type": "quick_replies", "options": "??"}], "window"))

    assert "Block 1: Finish this block to preview it." in html


def text_of(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# -- the SKU picker ----------------------------------------------------------------------------


def test_sku_search_finds_title_name_or_seller_sku_in_this_workspace_only(
    team: Team, sku: Any
) -> None:
    SkuFactory(product__title="Velvet Rival Lipstick", name="Rose 01")  # another workspace
    SkuFactory(
        product__connection=sku.product.connection,
        product__title="Velvet Old",
        product__status="DELETED",
    )
    client = client_for(team.admin)

    for q in ("velvet", "ROSE", sku.seller_sku.lower()):
        response = client.get(url("flows:sku_search", team), {"q": q})
        assert response.json() == {
            "results": [
                {
                    "sku_id": sku.external_id,
                    "product_id": sku.product.external_id,
                    "product_title": "Velvet Matte Lipstick",
                    "sku_name": "Rose 01",
                    "seller_sku": sku.seller_sku,
                    "price": "390.00",
                    "currency": "THB",
                    "price_display": "฿390.00",
                    "stock": 12,
                }
            ]
        }, q
    assert client.get(url("flows:sku_search", team), {"q": "rival"}).json() == {"results": []}


def test_the_editor_shows_the_drafts_products(team: Team, flow: Flow, sku: Any) -> None:
    flow.draft = [{"id": "s1", "type": "shop_link", "sku_id": sku.external_id}]
    flow.save()

    page = client_for(team.admin).get(url("flows:flow_edit", team, flow_id=flow.pk))

    skus = json.loads(
        re.search(
            r'id="flow-skus" type="application/json">(.*?)</script>', page.content.decode()
        ).group(1)
    )  # type: ignore[union-attr]
    assert skus[sku.external_id]["price_display"] == "฿390.00"


# -- who may do what ---------------------------------------------------------------------------


def test_members_see_the_flows_but_cannot_edit_them(team: Team, flow: Flow, sku: Any) -> None:
    client = client_for(team.member)
    before = flow.draft

    listing = client.get(url("flows:flow_list", team))
    refused = [
        client.get(url("flows:flow_edit", team, flow_id=flow.pk)),
        client.get(url("flows:flow_new", team)),
        post_json(client, url("flows:flow_save_draft", team, flow_id=flow.pk), {"blocks": []}),
        client.post(url("flows:flow_publish", team, flow_id=flow.pk)),
        post_json(client, url("flows:flow_preview", team), {"blocks": [], "door": "window"}),
        client.get(url("flows:sku_search", team), {"q": "velvet"}),
        client.post(url("flows:flow_rename", team, flow_id=flow.pk), {"name": "Mine"}),
        client.post(url("flows:flow_delete", team, flow_id=flow.pk)),
        client.get(url("flows:automation_settings", team)),
    ]

    assert listing.status_code == 200
    assert "Lipstick" in text(listing)
    assert "New flow" not in text(listing)
    assert url("flows:flow_edit", team, flow_id=flow.pk) not in listing.content.decode()
    assert [r.status_code for r in refused] == [403] * len(refused)
    flow.refresh_from_db()
    assert (flow.name, flow.draft, flow.live_version) == ("Lipstick", before, None)


def test_another_workspaces_flow_is_a_404_and_stays_as_it_was(team: Team) -> None:
    foreign = FlowFactory(name="Rival flow")
    client = client_for(team.owner)

    responses = [
        client.get(url("flows:flow_edit", team, flow_id=foreign.pk)),
        post_json(client, url("flows:flow_save_draft", team, flow_id=foreign.pk), {"blocks": []}),
        client.post(url("flows:flow_publish", team, flow_id=foreign.pk)),
        client.post(url("flows:flow_rename", team, flow_id=foreign.pk), {"name": "Mine"}),
        client.post(url("flows:flow_delete", team, flow_id=foreign.pk)),
    ]

    assert [r.status_code for r in responses] == [404] * 5
    foreign.refresh_from_db()
    assert (foreign.name, foreign.draft, foreign.live_version) == ("Rival flow", [message()], None)


# -- the list, renaming, deleting --------------------------------------------------------------


def test_the_list_shows_live_version_unpublished_changes_and_triggers(team: Team) -> None:
    connection = ConnectionFactory(workspace=team.workspace)
    live = FlowFactory(workspace=team.workspace, name="Alpha")
    services.flow_publish(flow=live, user=team.owner)
    services.flow_publish(flow=live, user=team.owner)
    services.flow_save_draft(flow=live, blocks=[message("b1", "Edited")])
    FlowFactory(workspace=team.workspace, name="Beta")
    TriggerFactory(connection=connection, name="Price", flow=live, priority=1)
    TriggerFactory(connection=connection, name="Link", flow=live, priority=2)

    page = text(client_for(team.member).get(url("flows:flow_list", team)))

    assert "Alpha Live v2 Unpublished changes 2 triggers: Price, Link" in page
    assert "Beta Draft No trigger yet" in page


def test_renaming(team: Team, flow: Flow) -> None:
    client = client_for(team.admin)

    client.post(url("flows:flow_rename", team, flow_id=flow.pk), {"name": "Shades"})
    refused = client.post(
        url("flows:flow_rename", team, flow_id=flow.pk), {"name": "  "}, follow=True
    )

    flow.refresh_from_db()
    assert flow.name == "Shades"
    assert "Give the flow a name of up to 100 characters." in text(refused)


def test_a_flow_a_trigger_uses_cannot_be_deleted(team: Team, flow: Flow) -> None:
    TriggerFactory(connection=ConnectionFactory(workspace=team.workspace), name="Price", flow=flow)

    response = client_for(team.admin).post(
        url("flows:flow_delete", team, flow_id=flow.pk), follow=True
    )

    assert "“Lipstick” is used by the trigger “Price”. Choose another flow for it first." in text(
        response
    )
    assert Flow.objects.for_workspace(team.workspace).filter(pk=flow.pk).exists()


def test_an_unused_flow_is_deleted(team: Team, flow: Flow) -> None:
    response = client_for(team.admin).post(url("flows:flow_delete", team, flow_id=flow.pk))

    assert response["Location"] == url("flows:flow_list", team)
    assert not Flow.objects.for_workspace(team.workspace).exists()


# -- the trigger form --------------------------------------------------------------------------

TRIGGER = {"name": "Price", "keywords": "price", "combine": "any", "scope": "all", "priority": 1}


def test_a_trigger_starts_one_of_this_workspaces_flows(team: Team, flow: Flow) -> None:
    ConnectionFactory(workspace=team.workspace)
    client = client_for(team.admin)

    form = client.get(url("flows:trigger_new", team))
    response = client.post(
        url("flows:trigger_new", team),
        {**TRIGGER, "flow": flow.pk, "invite_text": "DM us {keyword} for the price"},
    )

    assert "Lipstick (not published)" in text(form)
    assert response.status_code == 302
    trigger = Trigger.objects.for_workspace(team.workspace).get()
    assert (trigger.flow, trigger.invite_text) == (flow, "DM us {keyword} for the price")


def test_a_trigger_cannot_start_another_workspaces_flow(team: Team) -> None:
    ConnectionFactory(workspace=team.workspace)
    foreign = FlowFactory(name="Rival flow")

    response = client_for(team.admin).post(
        url("flows:trigger_new", team), {**TRIGGER, "flow": foreign.pk}
    )

    assert response.status_code == 200
    assert "Select a valid choice. That choice is not one of the available choices." in text(
        response
    )
    assert "Rival flow" not in text(response)
    assert not Trigger.objects.for_workspace(team.workspace).exists()


def test_the_service_refuses_a_foreign_flow_too(team: Team) -> None:
    connection = ConnectionFactory(workspace=team.workspace)

    with pytest.raises(Exception, match="That DM flow no longer exists"):
        services.trigger_save(
            connection=connection, name="Price", keywords=["price"], flow=FlowFactory()
        )

    assert not Trigger.objects.for_workspace(team.workspace).exists()


# -- automation settings -----------------------------------------------------------------------


def test_automation_settings_are_saved(team: Team) -> None:
    client = client_for(team.admin)
    page = client.get(url("flows:automation_settings", team))

    response = client.post(
        url("flows:automation_settings", team),
        {
            "intent_valid_days": 5,
            "free_text_handoff_after": 3,
            "default_invite_text": "DM us {keyword} 💌",
        },
        follow=True,
    )

    assert 'value="3"' in page.content.decode()  # the defaults, before anything was saved
    assert "Automation settings saved." in text(response)
    saved = AutomationSettings.objects.for_workspace(team.workspace).get()
    assert (saved.intent_valid_days, saved.free_text_handoff_after, saved.default_invite_text) == (
        5,
        3,
        "DM us {keyword} 💌",
    )


def test_settings_out_of_range_are_refused(team: Team) -> None:
    response = client_for(team.owner).post(
        url("flows:automation_settings", team),
        {"intent_valid_days": 0, "free_text_handoff_after": 2, "default_invite_text": "DM us"},
    )

    assert response.status_code == 200
    assert "Ensure this value is greater than or equal to 1." in text(response)
    assert not AutomationSettings.objects.for_workspace(team.workspace).exists()


def test_the_built_in_sensitive_keywords_are_listed(team: Team) -> None:
    page = text(client_for(team.admin).get(url("flows:automation_settings", team)))

    assert "Thai " + ", ".join(handoff.DEFAULTS["th"]) in page
    assert "English refund, return, broken" in page


def test_a_sensitive_keyword_is_added_and_removed(team: Team) -> None:
    client = client_for(team.admin)

    added = client.post(
        url("flows:sensitive_keyword_add", team),
        {"phrase": "  Wrong   Colour ", "action": "both", "tag": "complaint"},
        follow=True,
    )
    again = client.post(
        url("flows:sensitive_keyword_add", team), {"phrase": "wrong colour", "action": "handoff"}
    )
    untagged = client.post(
        url("flows:sensitive_keyword_add", team), {"phrase": "melted", "action": "tag", "tag": ""}
    )

    assert "Added “wrong colour”." in text(added)
    keyword = SensitiveKeyword.objects.for_workspace(team.workspace).get()
    assert (keyword.phrase, keyword.action, keyword.tag) == ("wrong colour", "both", "complaint")
    assert handoff.sensitive_hits(workspace_id=team.workspace.pk, text="Wrong colour arrived!") == [
        handoff.Hit("wrong colour", handoff=True, tag="complaint")
    ]
    assert "“wrong colour” is already on the list." in text(again)
    assert "Name the tag to add." in text(untagged)
    assert SensitiveKeyword.objects.for_workspace(team.workspace).count() == 1

    removed = client.post(
        url("flows:sensitive_keyword_remove", team, keyword_id=keyword.pk), follow=True
    )

    assert "Removed “wrong colour”." in text(removed)
    assert not SensitiveKeyword.objects.for_workspace(team.workspace).exists()


def test_another_workspaces_keyword_cannot_be_removed(team: Team) -> None:
    foreign = SensitiveKeywordFactory(phrase="rival")

    response = client_for(team.owner).post(
        url("flows:sensitive_keyword_remove", team, keyword_id=foreign.pk)
    )

    assert response.status_code == 404
    assert SensitiveKeyword.objects.for_workspace(foreign.workspace).get() == foreign


def test_the_sidebar_and_tabs_lead_to_the_flows(team: Team, flow: Flow) -> None:
    flows = url("flows:flow_list", team)
    automations = text(client_for(team.member).get(url("flows:automations", team)))
    editor = client_for(team.admin).get(url("flows:flow_edit", team, flow_id=flow.pk))

    assert "Triggers DM flows" in automations  # the tabs
    assert "Automation settings" not in automations  # members do not see the settings tab
    sidebar = re.search(r'<nav class="nav".*?</nav>', editor.content.decode(), re.S)
    assert sidebar is not None
    assert re.search(rf'<a href="{flows}" aria-current="page">.*?Flows</a>', sidebar.group(0), re.S)
