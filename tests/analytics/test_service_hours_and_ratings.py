"""Analytics → Customer service with working hours (response times counted only within them,
the 24-hour rate still in calendar time) and satisfaction ratings (share of 4-5 among ratings
received, per Shop account and per teammate who asked), the daily chart series and the CSV."""

import csv
import io
from datetime import UTC, datetime, time
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from analytics import customer_service as service
from analytics.selectors import Period
from inbox.models import Conversation, Message
from support import services as support_services
from support.models import RatingRequest
from tests.analytics.conftest import Shop
from tests.analytics.test_customer_service import Chats, at
from tests.factories import MembershipFactory
from tests.factories.support import WorkingDayFactory

pytestmark = pytest.mark.django_db

WEEKDAYS_9_TO_6 = {d: (time(9), time(18)) for d in range(1, 6)}  # Monday to Friday


def chats_in(shop: Shop) -> Chats:
    chats = Chats.__new__(Chats)
    chats.shop = shop
    return chats


def hours(shop: Shop, days: dict[int, tuple[time, time]], *, enabled: bool = True) -> None:
    support_services.working_hours_save(
        workspace=shop.workspace, actor=None, enabled=enabled, days=days
    )


def waits(shop: Shop, *pairs: tuple[datetime, datetime | None]) -> Chats:
    """One conversation per (buyer wrote, we answered) pair."""
    chats = chats_in(shop)
    for asked, answered in pairs:
        conversation = chats.conversation(shop.shop)
        chats.buyer(conversation, asked)
        if answered is not None:
            chats.us(conversation, answered, None)
    return chats


def march(shop: Shop, first: int = 1, last: int = 31) -> service.ServiceReport:
    return service.service_report(
        workspace=shop.workspace, period=Period(first=at(first, 0).date(), last=at(last, 0).date())
    )


def times(report: service.ServiceReport) -> tuple[Any, ...]:
    t = report.total
    return (t.first_median, t.all_median, t.stretches, t.answered, t.answered_in_time)


# 6 March 2026 is a Friday, 9 March a Monday. The workspace below is in Bangkok (UTC+7).
def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour - 7, minute, tzinfo=UTC)


@pytest.fixture
def bangkok(db: Any) -> Shop:
    return Shop(timezone="Asia/Bangkok")


def test_a_night_counts_only_the_morning_within_hours(bangkok: Shop) -> None:
    waits(bangkok, (local(9, 22), local(10, 9, 5)))  # Mon 22:00 → Tue 09:05
    hours(bangkok, WEEKDAYS_9_TO_6)

    assert times(march(bangkok)) == (300, 300, 1, 1, 1)


def test_a_weekend_counts_friday_evening_and_monday_morning(bangkok: Shop) -> None:
    waits(bangkok, (local(6, 17), local(9, 9, 30)))  # Fri 17:00 → Mon 09:30: 1 h + 30 min
    hours(bangkok, WEEKDAYS_9_TO_6)

    report = march(bangkok)

    assert times(report) == (5400, 5400, 1, 1, 0)  # 64.5 h of calendar time: not within 24 h
    assert report.total.response_rate == 0


def test_a_wait_inside_hours_and_one_answered_before_opening(bangkok: Shop) -> None:
    waits(
        bangkok,
        (local(10, 10), local(10, 10, 20)),  # Tue 10:00 → 10:20: 1,200 s
        (local(11, 7), local(11, 8, 30)),  # Wed 07:00 → 08:30, before opening: 0 s
        (local(12, 17, 50), local(12, 18, 30)),  # Thu 17:50 → 18:30: 600 s, to closing
    )
    hours(bangkok, WEEKDAYS_9_TO_6)

    report = march(bangkok)

    assert times(report) == (600, 600, 3, 3, 3)
    assert report.total.first_p90 == pytest.approx(0.8 * 1200 + 0.2 * 600)


def test_a_closed_weekday_and_hours_of_each_day(bangkok: Shop) -> None:
    # Monday 09:00-12:00 only, Tuesday closed, Wednesday 13:00-14:00.
    waits(bangkok, (local(9, 11), local(11, 13, 30)))  # Mon 11:00 → Wed 13:30: 1 h + 30 min
    hours(bangkok, {1: (time(9), time(12)), 3: (time(13), time(14))})

    assert times(march(bangkok)) == (5400, 5400, 1, 1, 0)


def test_hours_switched_off_count_calendar_time(bangkok: Shop) -> None:
    waits(bangkok, (local(9, 22), local(10, 9, 5)))
    hours(bangkok, WEEKDAYS_9_TO_6, enabled=False)

    report = march(bangkok)

    assert times(report) == (39900, 39900, 1, 1, 1)  # 11 h 5 min
    assert report.hours.counting is False
    assert report.hours.days == WEEKDAYS_9_TO_6  # kept for when they are switched on again


def test_hours_are_wall_clock_across_a_change_of_daylight_saving_time(db: Any) -> None:
    london = Shop(timezone="Europe/London")
    # Clocks go forward on Sunday 29 March 2026: Friday 17:30 GMT → Monday 09:10 BST.
    waits(
        london,
        (datetime(2026, 3, 27, 17, 30, tzinfo=UTC), datetime(2026, 3, 30, 8, 10, tzinfo=UTC)),
    )
    hours(london, WEEKDAYS_9_TO_6)

    assert times(march(london)) == (2400, 2400, 1, 1, 0)  # 30 min + 10 min


def test_the_page_says_it_counts_working_hours(bangkok: Shop) -> None:
    waits(bangkok, (local(9, 22), local(10, 9, 5)))
    hours(bangkok, WEEKDAYS_9_TO_6)
    client = Client()
    client.force_login(MembershipFactory(workspace=bangkok.workspace, role="member").user)

    response = client.get(
        reverse("analytics:customer_service", kwargs={"workspace_id": bangkok.workspace.public_id}),
        {"from": "2026-03-01", "to": "2026-03-31"},
    )

    html = response.content.decode()
    assert 'data-counting="working-hours"' in html
    assert "Response times count <strong>working hours only</strong> (Asia/Bangkok)" in html
    assert "Mon 09:00–18:00 · Tue 09:00–18:00" in html
    assert "Sat closed · Sun closed" in html
    assert "The response rate stays in calendar time." in html
    assert '<strong class="funnel-value" data-figure="first-median">5 min</strong>' in html
    assert "Set working hours" not in html  # a member cannot set them


# --- Ratings ----------------------------------------------------------------------------------


class Rated:
    """Glow Beauty UK: Alice asks in three sessions (rated 5 and 2, one unanswered), Bob in one
    (rated 4); DE: Bob asks once (rated 5). A session begun in February is out of range."""

    def __init__(self, shop: Shop) -> None:
        self.chats = Chats(shop)
        chats = self.chats
        self.requests = [
            self.rated(chats.uk, chats.alice, at(3, 9), 5),
            self.rated(chats.uk, chats.alice, at(4, 9), 2),
            self.rated(chats.uk, chats.alice, at(5, 9), None),
            self.rated(chats.uk, chats.bob, at(6, 9), 4),
            self.rated(chats.de, chats.bob, at(7, 9), 5),
            self.rated(chats.uk, chats.bob, at(27, 9, month=2), 1),
        ]

    def rated(self, account: Any, who: Any, session: datetime, rating: int | None) -> Any:
        """A session the teammate answered, closed with a request, and the buyer's answer
        (marked as the claim marks them: neither counts as a response or a waiting buyer)."""
        chats = self.chats
        conversation = chats.conversation(account)
        chats.buyer(conversation, session)
        chats.us(conversation, session.replace(minute=10), who)
        ask = Message.objects.create(
            workspace=chats.shop.workspace, conversation=conversation, direction="out",
            text=support_services.SHOP_REQUEST, author=who, source="teammate",
            payload={"csat_request": True}, sent_at=session.replace(minute=11),
        )  # fmt: skip
        answer = None
        if rating is not None:
            answer = Message.objects.create(
                workspace=chats.shop.workspace, conversation=conversation, direction="in",
                text=str(rating), payload={"csat_rating": rating},
                sent_at=session.replace(hour=session.hour + 1),
            )  # fmt: skip
        return RatingRequest.objects.create(
            workspace=chats.shop.workspace, conversation=conversation, connection=account,
            requested_by=who, message=ask, session_started_at=session,
            requested_at=ask.sent_at, rating=rating, answer=answer,
            rated_at=answer.sent_at if answer else None,
        )  # fmt: skip


def ratings(row: service.ServiceFigures) -> tuple[Any, ...]:
    return (row.name, row.ratings_requested, row.ratings_received, row.ratings_satisfied)


def test_satisfaction_is_the_share_of_4_and_5_among_ratings_received(shop: Shop) -> None:
    rated = Rated(shop)

    report = march(shop)

    assert ratings(report.total) == ("All Shop accounts", 5, 4, 3)
    assert report.total.satisfaction == pytest.approx(3 / 4)
    assert [ratings(r) for r in report.accounts] == [
        ("Glow Beauty UK", 4, 3, 2),
        ("Glow Beauty DE", 1, 1, 1),
    ]
    by_name = {r.name: r for r in report.teammates}
    assert ratings(by_name["Alice Chan"]) == ("Alice Chan", 3, 2, 1)
    assert ratings(by_name["Bob Lee"]) == ("Bob Lee", 2, 2, 2)
    assert by_name["Alice Chan"].satisfaction == 0.5
    assert by_name["Automation"].ratings_requested == 0
    # The requests and ratings are no responses and no waiting buyers: the Chats figures
    # plus the five sessions' own first responses (600 s each, by the teammates).
    assert (report.total.sessions, report.total.stretches, report.total.answered) == (9, 11, 10)
    assert rated.requests[0].rating == 5


def test_a_rating_counts_on_its_sessions_day(shop: Shop) -> None:
    Rated(shop)

    assert ratings(march(shop, first=4, last=5).total) == ("All Shop accounts", 2, 1, 0)
    assert march(shop, first=4, last=5).total.satisfaction == 0
    assert march(shop, first=20, last=25).total.satisfaction is None


def test_the_page_and_the_csv_show_satisfaction(shop: Shop) -> None:
    rated = Rated(shop)
    client = Client()
    client.force_login(MembershipFactory(workspace=shop.workspace, role="owner").user)
    url = reverse("analytics:customer_service", kwargs={"workspace_id": shop.workspace.public_id})

    page = client.get(url, {"from": "2026-03-01", "to": "2026-03-31"})
    html = page.content.decode()
    assert '<strong class="funnel-value" data-figure="csat">75%</strong>' in html
    assert "3 of 4 ratings were 4 or 5; 5 rating requests sent" in html
    assert "share of ratings of 4 or 5 (on a scale of 1 to 5)" in html
    assert "3 ratings of 4 asked" in html
    assert "Set working hours" in html  # an owner can

    response = client.get(url, {"from": "2026-03-01", "to": "2026-03-31", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][-4:] == [
        "ratings_requested", "ratings_received", "ratings_4_or_5", "customer_satisfaction",
    ]  # fmt: skip
    assert rows[1][-4:] == ["5", "4", "3", "0.7500"]
    by_name = {row[2]: row for row in rows[1:]}
    assert by_name["Glow Beauty UK"][-4:] == ["4", "3", "2", "0.6667"]
    assert by_name["Glow Beauty DE"][-4:] == ["1", "1", "1", "1.0000"]
    assert by_name["Alice Chan"][-4:] == ["3", "2", "1", "0.5000"]
    assert by_name["Bob Lee"][-4:] == ["2", "2", "2", "1.0000"]
    assert by_name["Automation"][-4:] == ["0", "0", "0", ""]
    assert rated.chats.alice.pk == int(by_name["Alice Chan"][1])


def test_the_daily_series_for_the_charts(chats: Chats) -> None:
    report = march(chats.shop, first=9, last=12)

    assert [(d.day.day, d.sessions, d.first_median) for d in report.days] == [
        (9, 0, None),
        (10, 2, 47100),  # A: 600 s, B: 93,600 s
        (11, 1, 3600),
        (12, 1, None),  # C: nobody answered
    ]
    client = Client()
    client.force_login(MembershipFactory(workspace=chats.shop.workspace, role="member").user)
    page = client.get(
        reverse(
            "analytics:customer_service", kwargs={"workspace_id": chats.shop.workspace.public_id}
        ),
        {"from": "2026-03-09", "to": "2026-03-12"},
    )
    assert page.context["chart"] == {
        "days": ["2026-03-09", "2026-03-10", "2026-03-11", "2026-03-12"],
        "sessions": [0, 2, 1, 1],
        "first_median_minutes": [None, 785.0, 60.0, None],
    }
    html = page.content.decode()
    assert 'data-chart="sessions"' in html
    assert 'id="analytics-chart-data"' in html
    assert "js/analytics.js" in html
    assert "<script>" not in html.replace('<script type="application/json"', "")


@pytest.fixture
def chats(shop: Shop) -> Chats:
    return Chats(shop)


def test_the_hours_of_another_workspace_change_nothing_here(bangkok: Shop) -> None:
    waits(bangkok, (local(9, 22), local(10, 9, 5)))
    WorkingDayFactory(weekday=1)  # another workspace's Monday
    Conversation.objects.for_workspace(bangkok.workspace).update(state="human")

    assert times(march(bangkok)) == (39900, 39900, 1, 1, 1)
