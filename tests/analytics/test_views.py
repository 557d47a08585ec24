"""The analytics pages and their CSV: the figures, the sort, the ranking, the date range in the
workspace's time zone, tenancy, and a bounded number of queries whatever the data."""

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from analytics import services
from analytics.models import DailyStat, RollupState
from chatsparks.workspaces.roles import Role
from flows.models import Flow
from tests.analytics.conftest import Shop
from tests.analytics.test_rollups import DAY, a_day
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}


def signed_in(shop: Shop, role: str = Role.MEMBER) -> Client:
    client = Client()
    client.force_login(MembershipFactory(workspace=shop.workspace, role=role).user)
    return client


def url(shop: Shop, name: str) -> str:
    return reverse(f"analytics:{name}", kwargs={"workspace_id": shop.workspace.public_id})


def stat(shop: Shop, dimension: str, key: Any = "", day: date = DAY, **figures: Any) -> None:
    DailyStat.objects.create(
        workspace=shop.workspace, day=day, dimension=dimension, key=str(key), **figures
    )


def csv_rows(response: Any) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode())))


@pytest.fixture
def rolled(shop: Shop) -> Shop:
    """The hand-built day of ``test_rollups``, rolled up, last refreshed at 09:05 UTC."""
    a_day(shop)
    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)
    RollupState.objects.for_workspace(shop.workspace).update(
        refreshed_at=datetime(2026, 3, 11, 9, 5, tzinfo=UTC)
    )
    return shop


# -- Overview ----------------------------------------------------------------------------------


def test_overview_shows_the_funnel_with_conversion_and_money_per_currency(rolled: Shop) -> None:
    response = signed_in(rolled).get(url(rolled, "overview"), MARCH)

    assert response.status_code == 200
    funnel = [(s["label"], s["value"], s["share"]) for s in response.context["funnel"]]
    assert funnel == [
        ("Comments", 6, None),
        ("Triggered", 4, 4 / 6),
        ("DMs delivered", 2, 2 / 4),
        ("Replies", 1, 1 / 2),
        ("Orders", 3, 3 / 2),  # against DMs delivered: ordering needs no reply
    ]
    html = response.content.decode()
    assert '<strong class="funnel-value" data-currency="THB">฿1,170.00</strong>' in html
    assert '<strong class="funnel-value" data-currency="GBP">£24.99</strong>' in html
    assert "67% of comments" in html
    assert "last at 11 Mar, 09:05" in html
    chart = response.context["chart"]
    assert len(chart["days"]) == 31
    assert chart["comments"][9] == 6
    assert chart["dms"][9] == 2
    assert chart["orders"][9] == 3
    assert chart["revenue"] == {
        "THB": ["0.00"] * 9 + ["1170.00"] + ["0.00"] * 21,
        "GBP": ["0.00"] * 9 + ["24.99"] + ["0.00"] * 21,
    }
    # The chart's data travels as JSON, never as an inline script.
    assert '<script id="analytics-chart-data" type="application/json">' in html
    assert "vendor/uPlot.iife.min.js" in html


def test_overview_times_and_days_are_the_workspace_s(db: Any) -> None:
    shop = Shop(timezone="Asia/Bangkok")
    stat(shop, "total", day=DAY, comments=2)
    RollupState.objects.create(
        workspace=shop.workspace, refreshed_at=datetime(2026, 3, 10, 23, 30, tzinfo=UTC)
    )

    response = signed_in(shop).get(url(shop, "overview"), MARCH)

    html = response.content.decode()
    assert "last at 11 Mar, 06:30" in html
    assert "days in Asia/Bangkok" in html


def test_overview_csv_has_a_line_per_day_and_currency(rolled: Shop) -> None:
    response = signed_in(rolled).get(
        url(rolled, "overview"), {"from": "2026-03-09", "to": "2026-03-10", "format": "csv"}
    )

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        'attachment; filename="chatsparks-daily-2026-03-09-to-2026-03-10.csv"'
    )
    assert csv_rows(response) == [
        ["day", "comments", "triggered", "dms_delivered", "replies", "orders", "revenue",
         "currency"],
        ["2026-03-09", "0", "0", "0", "0", "0", "0.00", "THB"],
        ["2026-03-10", "6", "4", "2", "1", "2", "1170.00", "THB"],
        ["2026-03-10", "6", "4", "2", "1", "1", "24.99", "GBP"],
    ]  # fmt: skip


def test_overview_says_when_there_is_nothing_yet(shop: Shop) -> None:
    response = signed_in(shop).get(url(shop, "overview"))

    assert response.status_code == 200
    assert "Nothing to measure yet" in response.content.decode()
    assert "uPlot" not in response.content.decode()


def test_overview_says_when_the_dates_hold_nothing(rolled: Shop) -> None:
    response = signed_in(rolled).get(url(rolled, "overview"), {"from": "2026-04-01"})

    assert "Nothing in these days" in response.content.decode()


def test_the_default_range_is_the_last_30_days_in_the_workspace_s_time_zone(db: Any) -> None:
    shop = Shop(timezone="Pacific/Kiritimati")  # UTC+14: often a day ahead of UTC
    today = timezone.now().astimezone(services.zoneinfo.ZoneInfo("Pacific/Kiritimati")).date()
    stat(shop, "total", day=today, comments=3)
    stat(shop, "total", day=today - timedelta(days=30), comments=100)

    response = signed_in(shop).get(url(shop, "overview"))

    period = response.context["period"]
    assert (period.first, period.last) == (today - timedelta(days=29), today)
    assert response.context["overview"].total.comments == 3


def test_presets_pick_the_last_7_30_and_90_days(rolled: Shop) -> None:
    response = signed_in(rolled).get(url(rolled, "posts"), {"sort": "-comments"})

    today = services.workspace_today(rolled.workspace)
    presets = {p["label"]: p["url"] for p in response.context["presets"]}
    assert presets["7 days"] == (f"?sort=-comments&from={today - timedelta(days=6)}&to={today}")
    assert [p["current"] for p in response.context["presets"]] == [False, True, False]


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"from": "2026-03-10", "to": "2026-03-01"}, "The start date is after the end date."),
        ({"from": "2024-01-01", "to": "2026-03-01"}, "Choose at most 366 days."),
        ({"from": "yesterday"}, "Enter a valid date."),
    ],
)
def test_a_wrong_range_falls_back_to_the_last_30_days_and_says_why(
    rolled: Shop, query: dict[str, str], error: str
) -> None:
    response = signed_in(rolled).get(url(rolled, "overview"), query)

    assert response.status_code == 200
    assert error in response.content.decode()
    period = response.context["period"]
    assert (period.last - period.first).days == 29


# -- Posts -------------------------------------------------------------------------------------


@pytest.fixture
def posts(shop: Shop) -> Shop:
    """Three posts: the video sold most in baht, the LIVE had most comments and a sale in
    pounds, and one not synced yet."""
    video, live = shop.video.external_id, shop.live.external_id
    stat(shop, "total", comments=16, triggered=9, dms=6)
    stat(shop, "total", currency="THB", orders=3, revenue=Decimal("400.00"))
    stat(shop, "total", currency="GBP", orders=1, revenue=Decimal("999.00"))
    stat(shop, "post", video, comments=5, triggered=4, dms=3)
    stat(shop, "post", video, currency="THB", orders=2, revenue=Decimal("300.00"))
    stat(shop, "post", live, comments=10, triggered=2, dms=2)
    stat(shop, "post", live, currency="GBP", orders=1, revenue=Decimal("999.00"))
    stat(shop, "post", "7999", comments=1, triggered=3, dms=1)
    stat(shop, "post", "7999", currency="THB", orders=1, revenue=Decimal("100.00"))
    # Another day in range adds up.
    stat(shop, "post", video, day=DAY + timedelta(days=1), comments=1)
    return shop


def post_order(response: Any) -> list[str]:
    return [row.key for row in response.context["table"].rows]


@pytest.mark.parametrize(
    ("sort", "expected"),
    [
        (None, ["video", "unsynced", "live"]),  # revenue in baht, the main currency
        ("-revenue", ["video", "unsynced", "live"]),
        ("revenue", ["live", "unsynced", "video"]),
        ("-comments", ["live", "video", "unsynced"]),
        ("comments", ["unsynced", "video", "live"]),
        ("-triggered", ["video", "unsynced", "live"]),
        ("-dms", ["video", "live", "unsynced"]),
        ("-orders", ["video", "live", "unsynced"]),
        ("bogus", ["video", "unsynced", "live"]),
    ],
)
def test_posts_sort_by_each_column(posts: Shop, sort: str | None, expected: list[str]) -> None:
    keys = {"video": posts.video.external_id, "live": posts.live.external_id, "unsynced": "7999"}

    response = signed_in(posts).get(
        url(posts, "posts"), {**MARCH, **({"sort": sort} if sort else {})}
    )

    assert post_order(response) == [keys[k] for k in expected]


def test_posts_show_figures_live_chip_and_money_per_currency(posts: Shop) -> None:
    response = signed_in(posts).get(url(posts, "posts"), MARCH)

    video, _unsynced, live = response.context["table"].rows
    assert (video.comments, video.triggered, video.dms, video.orders) == (6, 4, 3, 2)
    assert [(m.currency, m.orders, m.revenue) for m in live.money] == [
        ("GBP", 1, Decimal("999.00"))
    ]
    html = response.content.decode()
    assert '<span class="chip chip-live">LIVE</span> Friday LIVE sale' in html
    assert "Post 7999" in html
    assert "Not synced from TikTok yet" in html
    assert "£999.00" in html
    assert "฿300.00" in html
    assert "it sorts and ranks by THB" in html
    assert (
        'aria-sort="descending"><a class="sort-link" '
        'href="?from=2026-03-01&amp;to=2026-03-31&amp;sort=revenue">Revenue' in html
    )


def test_posts_are_paginated_and_keep_dates_and_sort(shop: Shop) -> None:
    for n in range(30):
        stat(shop, "post", f"80{n:02d}", comments=n + 1)

    first = signed_in(shop).get(url(shop, "posts"), {**MARCH, "sort": "-comments"})
    response = signed_in(shop).get(url(shop, "posts"), {**MARCH, "sort": "-comments", "page": 2})

    assert post_order(first) == [f"80{n:02d}" for n in range(29, 4, -1)]

    assert post_order(response) == [f"80{n:02d}" for n in range(4, -1, -1)]
    assert "Page 2 of 2" in response.content.decode()
    assert 'href="?from=2026-03-01&amp;to=2026-03-31&amp;sort=-comments&amp;page=1"' in (
        response.content.decode()
    )


def test_posts_csv_has_every_post_and_a_line_per_currency(posts: Shop) -> None:
    posts.video.caption = "=HYPERLINK(evil)"
    posts.video.save()

    response = signed_in(posts).get(url(posts, "posts"), {**MARCH, "format": "csv"})

    assert response["Content-Disposition"] == (
        'attachment; filename="chatsparks-posts-2026-03-01-to-2026-03-31.csv"'
    )
    assert csv_rows(response) == [
        ["post_id", "kind", "caption", "comments", "triggered", "dms_delivered", "replies",
         "orders", "revenue", "currency"],
        [posts.video.external_id, "video", "'=HYPERLINK(evil)", "6", "4", "3", "0", "2",
         "300.00", "THB"],
        ["7999", "", "", "1", "3", "1", "0", "1", "100.00", "THB"],
        [posts.live.external_id, "live", "Friday LIVE sale", "10", "2", "2", "0", "1",
         "999.00", "GBP"],
    ]  # fmt: skip


def test_posts_empty_state(shop: Shop) -> None:
    response = signed_in(shop).get(url(shop, "posts"))

    assert "No comments or orders in these days" in response.content.decode()


# -- Flows -------------------------------------------------------------------------------------


def test_flows_show_runs_and_the_drop_off_per_step(rolled: Shop) -> None:
    response = signed_in(rolled).get(url(rolled, "flows"), MARCH)

    [row] = response.context["table"].rows
    assert (row.item, row.triggered, row.dms, row.replies, row.orders) == (rolled.flow, 3, 2, 1, 3)
    assert response.context["flow"] == rolled.flow
    assert response.context["runs"] == 3
    steps = [
        (s["step"].number, s["step"].block_id, s["step"].reached, s["step"].stopped,
         s["reached_share"], s["step"].stopped_share, s["step"].orders)
        for s in response.context["steps"]
    ]  # fmt: skip
    assert steps == [
        (1, "hello", 3, 1, 1.0, 1 / 3, 1),
        (2, "shade", 2, 1, 2 / 3, 1 / 2, 0),
        (3, "card", 1, 1, 1 / 3, 1.0, 2),
    ]
    html = response.content.decode()
    assert "Message: Hi {handle}! Here is the price." in html
    assert "Question: Which shade?" in html


def test_steps_the_live_version_no_longer_has_come_last(rolled: Shop) -> None:
    stat(rolled, "step", rolled.flow.pk, step="gone", reached=1, stopped=1)

    response = signed_in(rolled).get(url(rolled, "flows"), MARCH)

    last = response.context["steps"][-1]
    assert (last["step"].number, last["step"].block_id, last["label"]) == (
        None, "gone", "Removed step gone",
    )  # fmt: skip


def test_flow_steps_csv(rolled: Shop) -> None:
    response = signed_in(rolled).get(
        url(rolled, "flows"), {**MARCH, "format": "csv", "table": "steps", "flow": rolled.flow.pk}
    )

    assert response["Content-Disposition"] == (
        f'attachment; filename="chatsparks-flow-{rolled.flow.pk}-steps-'
        '2026-03-01-to-2026-03-31.csv"'
    )
    flow = str(rolled.flow.pk)
    assert csv_rows(response) == [
        ["flow_id", "flow", "step_number", "block_id", "block_type", "block", "reached",
         "went_no_further", "orders", "revenue", "currency"],
        [flow, "Price DM", "1", "hello", "message", "Message: Hi {handle}! Here is the price.",
         "3", "1", "1", "24.99", "GBP"],
        [flow, "Price DM", "2", "shade", "question", "Question: Which shade?", "2", "1", "0",
         "0.00", "THB"],
        [flow, "Price DM", "3", "card", "shop_link", "Shop link", "1", "1", "2", "1170.00", "THB"],
    ]  # fmt: skip


def test_flows_csv(rolled: Shop) -> None:
    response = signed_in(rolled).get(url(rolled, "flows"), {**MARCH, "format": "csv"})

    flow = str(rolled.flow.pk)
    assert csv_rows(response) == [
        ["flow_id", "flow", "runs", "dms_delivered", "replies", "orders", "revenue", "currency"],
        [flow, "Price DM", "3", "2", "1", "2", "1170.00", "THB"],
        [flow, "Price DM", "3", "2", "1", "1", "24.99", "GBP"],
    ]


def test_a_flow_of_another_workspace_is_not_found(rolled: Shop) -> None:
    rival = Shop(name="Rival")

    client = signed_in(rolled)
    for flow in (rival.flow.pk, "abc", 10**9):
        response = client.get(url(rolled, "flows"), {"flow": flow})
        assert response.status_code == 404
    assert Flow.objects.for_workspace(rival.workspace).count() == 1


def test_flows_empty_state(shop: Shop) -> None:
    response = signed_in(shop).get(url(shop, "flows"))

    assert "No flow ran in these days" in response.content.decode()


# -- Keywords ----------------------------------------------------------------------------------


def test_keywords_rank_triggers_by_orders_then_revenue(shop: Shop) -> None:
    third = shop.price.__class__.objects.create(
        workspace=shop.workspace, connection=shop.tiktok, name="Link", keywords=["link"]
    )
    stat(shop, "total", currency="THB", orders=4)
    stat(shop, "trigger", shop.hello.pk, comments=9, triggered=9, dms=0)
    stat(shop, "trigger", shop.hello.pk, currency="THB", orders=1, revenue=Decimal("900.00"))
    stat(shop, "trigger", shop.price.pk, comments=3, triggered=3, dms=2, replies=1)
    stat(shop, "trigger", shop.price.pk, currency="THB", orders=2, revenue=Decimal("100.00"))
    stat(shop, "trigger", third.pk, comments=1, triggered=1)
    stat(shop, "trigger", third.pk, currency="THB", orders=1, revenue=Decimal("50.00"))

    response = signed_in(shop).get(url(shop, "keywords"), MARCH)

    assert [r.item for r in response.context["table"].rows] == [shop.price, shop.hello, third]
    html = response.content.decode()
    assert '<span class="chip">price</span> <span class="chip">ราคา</span>' in html

    exported = csv_rows(signed_in(shop).get(url(shop, "keywords"), {**MARCH, "format": "csv"}))
    assert exported == [
        ["trigger_id", "trigger", "keywords", "comments_fired", "dms_delivered", "replies",
         "orders", "revenue", "currency"],
        [str(shop.price.pk), "Price", "price; ราคา", "3", "2", "1", "2", "100.00", "THB"],
        [str(shop.hello.pk), "Hello", "hello", "9", "0", "0", "1", "900.00", "THB"],
        [str(third.pk), "Link", "link", "1", "0", "0", "1", "50.00", "THB"],
    ]  # fmt: skip


def test_keywords_empty_state(shop: Shop) -> None:
    response = signed_in(shop).get(url(shop, "keywords"))

    assert "No trigger fired in these days" in response.content.decode()


# -- Tenancy and cost --------------------------------------------------------------------------


def test_another_workspace_s_figures_never_show(rolled: Shop) -> None:
    rival = Shop(name="Rival")
    rival.video.caption = "Rival secret video"
    rival.video.save()
    a_day(rival)
    rival.comment(datetime(2026, 3, 10, 9, tzinfo=UTC))
    services.rollup_day(workspace_id=rival.workspace.pk, day=DAY)
    client = signed_in(rolled)

    overview = client.get(url(rolled, "overview"), MARCH)
    assert overview.context["overview"].total.comments == 6
    for name in ("posts", "flows", "keywords"):
        for query in (MARCH, {**MARCH, "format": "csv"}):
            body = client.get(url(rolled, name), query).content.decode()
            assert "Rival secret video" not in body
            assert rival.video.external_id not in body
            assert "Rival" not in body


def test_an_outsider_gets_404_for_every_page_and_export(rolled: Shop) -> None:
    rival = Shop(name="Rival")
    outsider = Client()
    outsider.force_login(MembershipFactory(workspace=rival.workspace, role=Role.OWNER).user)

    for name in ("overview", "posts", "flows", "keywords"):
        for query in ({}, {"format": "csv"}):
            assert outsider.get(url(rolled, name), query).status_code == 404


def test_the_sidebar_links_to_the_overview(rolled: Shop) -> None:
    html = signed_in(rolled).get(url(rolled, "posts")).content.decode()

    assert f'<a href="{url(rolled, "overview")}" aria-current="page">' in html


@pytest.mark.parametrize("name", ["overview", "posts", "flows", "keywords"])
def test_a_page_costs_the_same_few_queries_whatever_the_data(
    shop: Shop, name: str, django_assert_max_num_queries: Any
) -> None:
    """The shell (session, user, membership, the switcher, the usage banner, saving the last
    workspace) takes 8 queries; a page adds at most 6 (Flows: its table in three, the flows
    themselves, the steps and the freshness), the same for one row as for thousands."""
    client = signed_in(shop)
    stat(shop, "total", comments=1)
    stat(shop, "total", currency="THB", orders=1, revenue=Decimal("1.00"))
    for dimension, key in (("post", "9000"), ("trigger", shop.price.pk), ("flow", shop.flow.pk)):
        stat(shop, dimension, key, comments=1, triggered=1)
        stat(shop, dimension, key, currency="THB", orders=1, revenue=Decimal("1.00"))
    stat(shop, "step", shop.flow.pk, step="hello", reached=1)
    client.get(url(shop, name), MARCH)  # warm the session

    with django_assert_max_num_queries(14) as small:
        client.get(url(shop, name), MARCH)

    for n in range(1, 61):
        key = f"90{n:02d}"
        for day in range(1, 31, 3):
            d = date(2026, 3, day)
            stat(shop, "post", key, day=d, comments=n)
            stat(shop, "post", key, day=d, currency="THB", orders=1, revenue=Decimal("1.00"))
            stat(shop, "trigger", 10**6 + n, day=d, triggered=n)
            stat(shop, "flow", 10**6 + n, day=d, triggered=n)
            stat(shop, "step", shop.flow.pk, day=d, step=f"s{n}", reached=n)
            stat(shop, "total", day=d, currency=f"X{n:02d}", orders=1)

    with django_assert_max_num_queries(14) as big:
        client.get(url(shop, name), MARCH)

    assert len(big.captured_queries) == len(small.captured_queries)
