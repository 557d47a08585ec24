"""Analytics → Customer service: sessions, response times and response rate of TikTok Shop chat,
per Shop account and per teammate, checked against conversations laid out by hand."""

import csv
import io
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from analytics import customer_service as service
from analytics.selectors import Period
from chatsparks.users.models import User
from chatsparks.workspaces.roles import Role
from inbox.models import Conversation, Message
from integrations.models import Connection
from tests.analytics.conftest import Shop
from tests.factories import MembershipFactory, ShopConnectionFactory

pytestmark = pytest.mark.django_db

MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
H = 3600


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


class Chats:
    """Conversations on two Shop accounts, answered by Alice, Bob and the bot.

    Shop account "Glow Beauty UK":
      A: buyer 10 Mar 09:00 and 09:02, Alice 09:10 (600 s, first response), a note, buyer
         09:20, bot 09:50 (1,800 s); buyer 11 Mar 12:00 after 26 h of silence (new session),
         Bob 13:00 (3,600 s, first response).
      B: buyer 10 Mar 10:00, Alice 11 Mar 12:00 (93,600 s: answered, but not within 24 h).
      D: buyer 28 Feb 23:00, Alice 23:30 (before the range); buyer 1 Mar 10:00 (same session,
         so no new session in March, but a waiting message), Alice 10:20 (1,200 s).
    Shop account "Glow Beauty DE":
      C: buyer 12 Mar 08:00, a system note 08:30, nobody answers.
    Not counted: a TikTok DM conversation, and another workspace's Shop chat.
    """

    def __init__(self, shop: Shop) -> None:
        self.shop = shop
        self.uk: Connection = shop.shop
        self.de: Connection = ShopConnectionFactory(
            workspace=shop.workspace, display_name="Glow Beauty DE"
        )
        self.alice: User = MembershipFactory(
            workspace=shop.workspace, user__display_name="Alice Chan"
        ).user
        self.bob: User = MembershipFactory(
            workspace=shop.workspace, user__display_name="Bob Lee"
        ).user

        a = self.conversation(self.uk)
        self.buyer(a, at(10, 9))
        self.buyer(a, at(10, 9, 2))
        self.us(a, at(10, 9, 10), self.alice)
        Message.objects.create(
            workspace=shop.workspace, conversation=a, direction="internal", kind="note",
            text="VIP", author=self.alice, sent_at=at(10, 9, 11),
        )  # fmt: skip
        self.buyer(a, at(10, 9, 20))
        self.us(a, at(10, 9, 50), None, source="bot")
        self.buyer(a, at(11, 12))
        self.us(a, at(11, 13), self.bob)

        b = self.conversation(self.uk)
        self.buyer(b, at(10, 10))
        self.us(b, at(11, 12), self.alice)

        d = self.conversation(self.uk)
        self.buyer(d, at(28, 23, month=2))
        self.us(d, at(28, 23, 30, month=2), self.alice)
        self.buyer(d, at(1, 10))
        self.us(d, at(1, 10, 20), self.alice)

        c = self.conversation(self.de)
        self.buyer(c, at(12, 8))
        Message.objects.create(
            workspace=shop.workspace, conversation=c, direction="out", kind="system",
            text="Buyer viewed a product", sent_at=at(12, 8, 30),
        )  # fmt: skip

        dm = self.conversation(shop.tiktok, channel="tiktok_dm")
        self.buyer(dm, at(10, 9))
        self.us(dm, at(10, 9, 1), self.alice)

    def conversation(self, account: Connection, channel: str = "shop_chat") -> Conversation:
        contact = self.shop.contact(f"buyer{Conversation.unscoped.count()}")
        return Conversation.unscoped.create(
            workspace=self.shop.workspace, connection=account, contact=contact,
            channel=channel, external_id=f"conv{contact.pk}",
        )  # fmt: skip

    def buyer(self, conversation: Conversation, when: datetime) -> None:
        Message.objects.create(
            workspace=self.shop.workspace, conversation=conversation, direction="in",
            text="is this in stock?", sent_at=when,
        )  # fmt: skip

    def us(
        self, conversation: Conversation, when: datetime, author: User | None, source: str = ""
    ) -> None:
        Message.objects.create(
            workspace=self.shop.workspace, conversation=conversation, direction="out",
            text="Yes!", author=author, source=source or ("teammate" if author else "bot"),
            sent_at=when,
        )  # fmt: skip


@pytest.fixture
def chats(shop: Shop) -> Chats:
    return Chats(shop)


def report(chats: Chats, first: int = 1, last: int = 31) -> service.ServiceReport:
    return service.service_report(
        workspace=chats.shop.workspace,
        period=Period(first=at(first, 0).date(), last=at(last, 0).date()),
    )


def figures(row: service.ServiceFigures) -> tuple[Any, ...]:
    return (
        row.name, row.sessions, row.first_median, row.first_p90, row.all_median, row.all_p90,
        row.stretches, row.answered, row.answered_in_time,
    )  # fmt: skip


def test_the_totals_count_sessions_response_times_and_the_response_rate(chats: Chats) -> None:
    total = report(chats).total

    # Sessions: A twice (10 and 11 Mar), B and C; D's session began in February.
    # First responses 600, 3,600 and 93,600 s; all responses also 1,200 (D) and 1,800 (bot).
    assert figures(total) == (
        "All Shop accounts",
        4,
        3600,
        3600 + 0.8 * 90000,
        1800,
        3600 + 0.6 * 90000,
        6,
        5,
        4,
    )
    assert total.response_rate == pytest.approx(4 / 6)
    assert total.unanswered == 1


def test_each_shop_account_has_its_own_figures_idle_ones_too(chats: Chats) -> None:
    accounts = report(chats).accounts

    assert [figures(r) for r in accounts] == [
        ("Glow Beauty UK", 3, 3600, 75600, 1800, 57600, 5, 5, 4),
        ("Glow Beauty DE", 1, None, None, None, None, 1, 0, 0),
    ]
    assert [r.key for r in accounts] == [chats.uk.pk, chats.de.pk]
    assert accounts[0].response_rate == pytest.approx(4 / 5)
    assert accounts[1].response_rate == 0

    quiet = report(chats, first=20, last=25).accounts
    assert [(r.name, r.sessions, r.stretches, r.response_rate) for r in quiet] == [
        ("Glow Beauty DE", 0, 0, None),
        ("Glow Beauty UK", 0, 0, None),
    ]


def test_responses_belong_to_whoever_wrote_the_answer(chats: Chats) -> None:
    teammates = report(chats).teammates

    assert [figures(r) for r in teammates] == [
        # Alice: first responses 600 (A) and 93,600 (B); also 1,200 (D).
        ("Alice Chan", 2, 47100, 600 + 0.9 * 93000, 1200, 1200 + 0.8 * 92400, 3, 3, 2),
        ("Automation", 0, None, None, 1800, 1800, 1, 1, 1),
        ("Bob Lee", 1, 3600, 3600, 3600, 3600, 1, 1, 1),
    ]
    assert [r.key for r in teammates] == [chats.alice.pk, service.AUTOMATION, chats.bob.pk]
    assert teammates[0].response_rate == pytest.approx(2 / 3)  # of her own answers


def test_the_date_range_counts_sessions_and_waits_by_their_first_message(chats: Chats) -> None:
    # 11 Mar: A's second session starts (answered by Bob); B is answered that day, but its
    # buyer wrote on the 10th, so it is not in the day's figures.
    total = report(chats, first=11, last=11).total

    assert figures(total) == ("All Shop accounts", 1, 3600, 3600, 3600, 3600, 1, 1, 1)


def test_a_buyer_message_after_exactly_24_hours_stays_in_the_session(shop: Shop) -> None:
    chats = Chats.__new__(Chats)
    chats.shop = shop
    conversation = chats.conversation(shop.shop)
    chats.buyer(conversation, at(5, 9))
    chats.us(conversation, at(5, 10), None)
    chats.buyer(conversation, at(6, 10))  # exactly 24 h later: same session, a new wait
    chats.buyer(conversation, at(7, 10, 1))  # 24 h 1 min of silence: a new session

    total = service.service_report(
        workspace=shop.workspace, period=Period(first=at(1, 0).date(), last=at(31, 0).date())
    ).total

    assert (total.sessions, total.stretches, total.answered) == (2, 3, 1)


def signed_in(shop: Shop, role: str = Role.MEMBER) -> Client:
    client = Client()
    client.force_login(MembershipFactory(workspace=shop.workspace, role=role).user)
    return client


def url(shop: Shop) -> str:
    return reverse("analytics:customer_service", kwargs={"workspace_id": shop.workspace.public_id})


def test_the_page_shows_the_figures_and_the_definitions(chats: Chats) -> None:
    rival = Shop(name="Rival")
    Chats(rival)
    rival_account = Connection.objects.for_workspace(rival.workspace).filter(provider="tiktok_shop")
    rival_account.update(display_name="Rival Shop")

    response = signed_in(chats.shop).get(url(chats.shop), MARCH)

    assert response.status_code == 200
    html = response.content.decode()
    assert response.context["report"].total.sessions == 4
    assert '<strong class="funnel-value" data-figure="sessions">4</strong>' in html
    assert '<strong class="funnel-value" data-figure="first-median">1 h</strong>' in html
    assert '<strong class="funnel-value" data-figure="all-median">30 min</strong>' in html
    assert '<strong class="funnel-value" data-figure="response-rate">67%</strong>' in html
    assert '<strong class="funnel-value" data-figure="csat">–</strong>' in html
    assert "0 of 0 ratings were 4 or 5; 0 rating requests sent" in html
    assert 'data-counting="calendar"' in html
    assert "Response times are <strong>calendar time</strong>" in html
    assert "always in calendar time" in html
    assert "no gap over 24 hours" in html
    for name in ("Alice Chan", "Bob Lee", "Automation", "Glow Beauty UK", "Glow Beauty DE"):
        assert name in html
    assert 'aria-current="page">Customer service</a>' in html
    assert "Rival" not in html


def test_the_csv_has_a_line_for_the_total_each_account_and_each_responder(chats: Chats) -> None:
    response = signed_in(chats.shop).get(url(chats.shop), {**MARCH, "format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        "chatsparks-customer-service-2026-03-01-to-2026-03-31.csv"
        in (response["Content-Disposition"])
    )
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows == [
        ["scope", "id", "name", "sessions", "first_response_median_seconds",
         "first_response_p90_seconds", "response_median_seconds", "response_p90_seconds",
         "buyer_messages_waiting", "answered", "answered_within_24h", "response_rate",
         "ratings_requested", "ratings_received", "ratings_4_or_5", "customer_satisfaction"],
        ["total", "", "All Shop accounts", "4", "3600", "75600", "1800", "57600", "6", "5", "4",
         "0.6667", "0", "0", "0", ""],
        ["shop_account", str(chats.uk.pk), "Glow Beauty UK", "3", "3600", "75600", "1800",
         "57600", "5", "5", "4", "0.8000", "0", "0", "0", ""],
        ["shop_account", str(chats.de.pk), "Glow Beauty DE", "1", "", "", "", "", "1", "0",
         "0", "0.0000", "0", "0", "0", ""],
        ["teammate", str(chats.alice.pk), "Alice Chan", "2", "47100", "84300", "1200",
         "75120", "3", "3", "2", "0.6667", "0", "0", "0", ""],
        ["teammate", "", "Automation", "0", "", "", "1800", "1800", "1", "1", "1", "1.0000",
         "0", "0", "0", ""],
        ["teammate", str(chats.bob.pk), "Bob Lee", "1", "3600", "3600", "3600", "3600", "1",
         "1", "1", "1.0000", "0", "0", "0", ""],
    ]  # fmt: skip


def test_another_workspace_sees_none_of_it_and_an_outsider_gets_404(chats: Chats) -> None:
    rival = Shop(name="Rival")
    rival_report = service.service_report(
        workspace=rival.workspace, period=Period(first=at(1, 0).date(), last=at(31, 0).date())
    )
    assert rival_report.total.sessions == 0
    assert rival_report.teammates == []
    assert [r.key for r in rival_report.accounts] == [rival.shop.pk]

    outsider = Client()
    outsider.force_login(MembershipFactory(workspace=rival.workspace, role=Role.OWNER).user)
    for query in (MARCH, {**MARCH, "format": "csv"}):
        assert outsider.get(url(chats.shop), query).status_code == 404


def test_the_page_costs_a_fixed_number_of_queries(
    chats: Chats, django_assert_max_num_queries: Any
) -> None:
    client = signed_in(chats.shop)
    client.get(url(chats.shop), MARCH)  # warm the session

    # The page, plus bringing the waits up to date (lock, changed chats, delete, insert, mark).
    with django_assert_max_num_queries(26) as small:
        client.get(url(chats.shop), MARCH)
    for n in range(20):
        conversation = chats.conversation(chats.uk)
        chats.buyer(conversation, at(15, 9, n))
        chats.us(conversation, at(15, 10, n), chats.bob if n % 2 else chats.alice)
    with django_assert_max_num_queries(26) as big:
        client.get(url(chats.shop), MARCH)

    assert len(big.captured_queries) == len(small.captured_queries)
