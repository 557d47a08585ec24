"""What a day's rollup counts, on a day laid out by hand; time-zone day boundaries; running it
twice; and the beat, the nightly settle and the rebuild command."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from analytics import services, tasks
from analytics.models import DailyStat, RollupState
from analytics.selectors import attributions_counted
from attribution.models import Attribution, Order
from tests.analytics.conftest import Shop

pytestmark = pytest.mark.django_db

DAY = date(2026, 3, 10)


def at(hour: int, minute: int = 0, *, day: date = DAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def figures(shop: Shop, day: date = DAY) -> dict[tuple[str, str, str, str], tuple[Any, ...]]:
    """Every rollup row of the day: (dimension, key, step, currency) → the figures."""
    return {
        (s.dimension, s.key, s.step, s.currency): (
            s.comments, s.triggered, s.dms, s.replies, s.reached, s.stopped, s.orders, s.revenue,
        )
        for s in DailyStat.objects.for_workspace(shop.workspace).filter(day=day)
    }  # fmt: skip


def a_day(shop: Shop) -> None:
    """Six comments on the day (and one either side of it), and nine orders."""
    alice = shop.comment(at(10), handle="alice")  # fired, DM delivered, replied
    run = shop.fire(alice)
    assert run is not None
    shop.dm(run, at(10, 1))
    shop.reply(run, at(10, 5))
    shop.steps(run, "hello", "shade")  # waiting for the shade

    bob = shop.comment(at(11), handle="bob")  # fired, DM delivered; wrote only before it
    run = shop.fire(bob)
    assert run is not None
    shop.reply(run, at(11, 1))
    shop.dm(run, at(11, 2))
    shop.dm(run, at(11, 3))  # a second DM of the same run: still one comment delivered
    shop.steps(run, "hello", "shade", "card")

    carol = shop.comment(at(12), post=shop.live, handle="carol")  # fired, the DM failed
    run = shop.fire(carol)
    assert run is not None
    shop.dm(run, at(12, 1), state="failed")
    shop.dm(run, at(12, 2), from_run=False)  # a teammate's DM is not the flow's
    shop.reply(run, at(12, 3))
    shop.steps(run, "hello")

    dave = shop.comment(at(13), post=shop.live, handle="dave")  # fired a trigger with no flow
    shop.fire(dave, shop.hello)
    erin = shop.comment(at(14), handle="erin")
    shop.evaluate(erin, "no_match")
    frank = shop.comment(at(15), handle="frank")
    shop.evaluate(frank, "throttled", shop.price)

    shop.comment(at(23, 59, day=DAY - timedelta(days=1)))  # the day before
    shop.comment(at(0, 0, day=DAY + timedelta(days=1)))  # the day after

    shop.order(at(16), "390.00", post=shop.video, comment=bob)
    shop.order(at(17), "780.00", post=shop.video)
    shop.order(at(18), "500.00", post=shop.video, refunded=True)
    shop.order(at(18, 30), "200.00", post=shop.video, status=Order.Status.CANCELLED)
    shop.order(at(19), "100.00", post=shop.video, outcome="soft")  # not confirmed yet
    shop.order(at(19, 30), "150.00", post=shop.video, outcome="soft", decision="rejected")
    shop.order(at(20), "24.99", "GBP", post=shop.live, outcome="soft", decision="confirmed",
               block_id="hello")  # fmt: skip
    shop.order(at(21), "999.00", outcome="organic")
    shop.order(at(1, day=DAY + timedelta(days=1)), "50.00", post=shop.video)


def test_a_day_is_counted_exactly(shop: Shop) -> None:
    a_day(shop)
    price, hello, flow = str(shop.price.pk), str(shop.hello.pk), str(shop.flow.pk)
    video, live = shop.video.external_id, shop.live.external_id

    written = services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)

    #           comments, triggered, dms, replies, reached, stopped, orders, revenue
    assert figures(shop) == {
        ("total", "", "", ""): (6, 4, 2, 1, 0, 0, 0, 0),
        ("total", "", "", "THB"): (0, 0, 0, 0, 0, 0, 2, Decimal("1170.00")),
        ("total", "", "", "GBP"): (0, 0, 0, 0, 0, 0, 1, Decimal("24.99")),
        ("post", video, "", ""): (4, 2, 2, 1, 0, 0, 0, 0),
        ("post", video, "", "THB"): (0, 0, 0, 0, 0, 0, 2, Decimal("1170.00")),
        ("post", live, "", ""): (2, 2, 0, 0, 0, 0, 0, 0),
        ("post", live, "", "GBP"): (0, 0, 0, 0, 0, 0, 1, Decimal("24.99")),
        ("trigger", price, "", ""): (3, 3, 2, 1, 0, 0, 0, 0),
        ("trigger", price, "", "THB"): (0, 0, 0, 0, 0, 0, 2, Decimal("1170.00")),
        ("trigger", price, "", "GBP"): (0, 0, 0, 0, 0, 0, 1, Decimal("24.99")),
        ("trigger", hello, "", ""): (1, 1, 0, 0, 0, 0, 0, 0),
        ("flow", flow, "", ""): (3, 3, 2, 1, 0, 0, 0, 0),
        ("flow", flow, "", "THB"): (0, 0, 0, 0, 0, 0, 2, Decimal("1170.00")),
        ("flow", flow, "", "GBP"): (0, 0, 0, 0, 0, 0, 1, Decimal("24.99")),
        ("step", flow, "hello", ""): (0, 0, 0, 0, 3, 1, 0, 0),
        ("step", flow, "shade", ""): (0, 0, 0, 0, 2, 1, 0, 0),
        ("step", flow, "card", ""): (0, 0, 0, 0, 1, 1, 0, 0),
        ("step", flow, "card", "THB"): (0, 0, 0, 0, 0, 0, 2, Decimal("1170.00")),
        ("step", flow, "hello", "GBP"): (0, 0, 0, 0, 0, 0, 1, Decimal("24.99")),
    }
    assert written == 19


def test_counted_orders_are_attributed_or_confirmed_and_not_reversed(shop: Shop) -> None:
    a_day(shop)

    counted = attributions_counted(workspace=shop.workspace).order_by("ordered_at")

    assert [(a.order.total, a.currency, a.outcome) for a in counted] == [
        (Decimal("390.00"), "THB", "attributed"),
        (Decimal("780.00"), "THB", "attributed"),
        (Decimal("24.99"), "GBP", "soft"),
        (Decimal("50.00"), "THB", "attributed"),
    ]
    # Exactly the attributions that earn revenue: the refunded one earns nothing.
    earning = Attribution.objects.for_workspace(shop.workspace).filter(revenue__gt=0)
    assert set(counted) == set(earning)


def test_a_refund_after_the_fact_takes_the_order_out_when_the_day_is_recomputed(
    shop: Shop,
) -> None:
    kept = shop.order(at(16), "390.00", post=shop.video)
    shop.order(at(17), "780.00", post=shop.video)
    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)

    Order.objects.for_workspace(shop.workspace).filter(pk=kept.order_id).update(refunded=True)
    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)

    assert figures(shop)[("total", "", "", "THB")][-2:] == (1, Decimal("780.00"))


def test_another_workspace_is_never_counted(shop: Shop) -> None:
    a_day(shop)
    rival = Shop(name="Rival")
    a_day(rival)
    rival.comment(at(9))

    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)

    assert figures(shop)[("total", "", "", "")][:4] == (6, 4, 2, 1)
    assert not DailyStat.objects.for_workspace(rival.workspace).exists()


def test_days_are_the_workspace_s_own_days() -> None:
    """Bangkok is UTC+7: 23:30 UTC on the 10th is 06:30 on the 11th there."""
    shop = Shop(timezone="Asia/Bangkok")
    shop.comment(at(16, 59))  # 23:59 on the 10th in Bangkok
    shop.comment(at(17, 0))  # midnight: the 11th
    shop.comment(at(23, 30))  # 06:30 on the 11th
    shop.order(at(23, 30), "390.00", post=shop.video)

    for day in (DAY, DAY + timedelta(days=1)):
        services.rollup_day(workspace_id=shop.workspace.pk, day=day)

    stats = DailyStat.objects.for_workspace(shop.workspace).filter(dimension="total")
    assert sorted(stats.values_list("day", "currency", "comments", "orders", "revenue")) == [
        (DAY, "", 1, 0, Decimal("0.00")),
        (DAY + timedelta(days=1), "", 2, 0, Decimal("0.00")),
        (DAY + timedelta(days=1), "THB", 0, 1, Decimal("390.00")),
    ]


def test_a_day_across_a_dst_change_has_its_23_hours() -> None:
    """London springs forward on 29 March 2026: that day runs 00:00 GMT to 23:00 UTC."""
    shop = Shop(timezone="Europe/London")
    spring = date(2026, 3, 29)
    shop.comment(at(22, 59, day=spring))  # 23:59 BST on the 29th
    shop.comment(at(23, 0, day=spring))  # midnight BST: the 30th

    services.rollup_day(workspace_id=shop.workspace.pk, day=spring)

    assert figures(shop, spring)[("total", "", "", "")][0] == 1


def test_a_rollup_run_twice_writes_the_same_rows(shop: Shop) -> None:
    a_day(shop)
    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)
    first = figures(shop)

    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)

    assert figures(shop) == first
    assert DailyStat.objects.for_workspace(shop.workspace).count() == len(first)


def test_a_day_with_nothing_left_keeps_no_rows(shop: Shop) -> None:
    comment = shop.comment(at(10))
    services.rollup_day(workspace_id=shop.workspace.pk, day=DAY)
    comment.delete()

    assert services.rollup_day(workspace_id=shop.workspace.pk, day=DAY) == 0

    assert not DailyStat.objects.for_workspace(shop.workspace).exists()


# -- the beats and the command -----------------------------------------------------------------


def test_the_refresh_beat_recomputes_today_and_yesterday_of_active_workspaces_only(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    now = timezone.now()
    quiet = Shop(name="Quiet")
    RollupState.objects.create(workspace=quiet.workspace, refreshed_at=now)
    quiet.comment(now - timedelta(hours=3))  # before its last refresh
    shop.comment(now - timedelta(minutes=1))
    shop.comment(now - timedelta(days=1))

    assert services.workspaces_with_new_activity_unscoped() == [shop.workspace.pk]
    with django_capture_on_commit_callbacks(execute=True):  # the tasks run inline in tests
        assert tasks.rollups_refresh() == "queued 1"

    state = RollupState.objects.for_workspace(shop.workspace).get()
    assert state.refreshed_at is not None
    assert state.refreshed_at >= now
    totals = DailyStat.objects.for_workspace(shop.workspace).filter(dimension="total")
    assert sum(totals.values_list("comments", flat=True)) == 2
    assert not DailyStat.objects.for_workspace(quiet.workspace).exists()


def test_activity_older_than_the_last_refresh_does_not_wake_the_workspace(shop: Shop) -> None:
    from django.utils import timezone

    shop.comment(timezone.now() - timedelta(hours=1))
    services.rollup_recent(workspace_id=shop.workspace.pk)
    assert services.workspaces_with_new_activity_unscoped() == []

    shop.order(timezone.now(), "390.00", post=shop.video)

    assert services.workspaces_with_new_activity_unscoped() == [shop.workspace.pk]


def test_the_nightly_settle_recomputes_the_weeks_before_yesterday(
    shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    from django.utils import timezone

    today = timezone.now().date()
    shop.comment(at(12, day=today - timedelta(days=3)))
    shop.comment(at(12, day=today - timedelta(days=40)))

    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert tasks.rollups_settle() == "queued 1"

    assert len(queued) == 5  # a week per task: 35-29, 28-22, 21-15, 14-8 and 7-2 days back
    assert services.settle_spans() == [(35, 29), (28, 22), (21, 15), (14, 8), (7, 2)]

    totals = DailyStat.objects.for_workspace(shop.workspace).filter(dimension="total")
    assert list(totals.values_list("day", flat=True)) == [today - timedelta(days=3)]


def test_the_rebuild_command_recomputes_the_last_days(shop: Shop) -> None:
    from django.utils import timezone

    today = timezone.now().date()
    for back in (0, 1, 4, 5):
        shop.comment(at(12, day=today - timedelta(days=back)))
    out = StringIO()

    call_command("analytics_rebuild", workspace=shop.workspace.public_id, days=5, stdout=out)

    totals = DailyStat.objects.for_workspace(shop.workspace).filter(dimension="total")
    assert sorted(totals.values_list("day", "comments")) == [
        (today - timedelta(days=4), 1), (today - timedelta(days=1), 1), (today, 1),
    ]  # fmt: skip
    assert RollupState.objects.for_workspace(shop.workspace).get().refreshed_at is not None
    # Per day: the total row and the video's row.
    assert out.getvalue() == f"{shop.workspace.public_id}: 5 days, 6 rows\n"


def test_a_workspace_closed_since_the_sweep_is_skipped(db: Any) -> None:
    assert tasks.rollup_recent(workspace_id=10**9) == "skipped-gone"
    assert tasks.rollup_settle(workspace_id=10**9, first_back=7, last_back=2) == "skipped-gone"


def test_the_rebuild_command_refuses_an_unknown_workspace(db: Any) -> None:
    with pytest.raises(CommandError, match="No workspace ws_NOPE"):
        call_command("analytics_rebuild", workspace="ws_NOPE", days=3)
