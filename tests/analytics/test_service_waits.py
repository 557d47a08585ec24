"""The customer-service waits derived from Shop chat messages, and how they catch up: every
change is in the report, and a catch-up only reads the chats that changed."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from analytics import customer_service as service
from analytics import service_waits, tasks
from analytics.models import ServiceWait, ServiceWaitState
from analytics.selectors import Period
from inbox.models import Message
from tests.analytics.conftest import Shop
from tests.analytics.test_customer_service import Chats, at, chats

pytestmark = pytest.mark.django_db

__all__ = ["chats"]

MARCH = Period(first=at(1, 0).date(), last=at(31, 0).date())


def waits(chats: Chats) -> list[tuple[Any, ...]]:
    return list(
        ServiceWait.objects.for_workspace(chats.shop.workspace)
        .order_by("opened_at", "id")
        .values_list("opened_at", "opens_session", "answered_at", "responder", "wait")
    )


def test_each_waiting_buyer_message_is_a_row_with_its_answer(chats: Chats) -> None:
    service_waits.waits_refresh(workspace=chats.shop.workspace)

    assert waits(chats) == [
        (at(28, 23, month=2), True, at(28, 23, 30, month=2), chats.alice.pk, 1800.0),
        (at(1, 10), False, at(1, 10, 20), chats.alice.pk, 1200.0),
        (at(10, 9), True, at(10, 9, 10), chats.alice.pk, 600.0),
        (at(10, 9, 20), False, at(10, 9, 50), service.AUTOMATION, 1800.0),
        (at(10, 10), True, at(11, 12), chats.alice.pk, 93600.0),
        (at(11, 12), True, at(11, 13), chats.bob.pk, 3600.0),
        (at(12, 8), True, None, None, None),
    ]


def test_a_catch_up_reads_only_the_chats_that_changed_and_the_report_sees_them(
    chats: Chats, django_assert_num_queries: Any
) -> None:
    workspace = chats.shop.workspace
    assert service_waits.waits_refresh(workspace=workspace) == 4  # the Shop chats
    # Long ago, as far as the catch-up can tell: only what changes from now on is read again.
    Message.objects.for_workspace(workspace).update(changed_at=timezone.now() - timedelta(hours=1))
    assert service_waits.waits_refresh(workspace=workspace) == 0

    late = chats.conversation(chats.uk)
    chats.buyer(late, at(20, 9))
    chats.us(late, at(20, 9, 5), chats.bob)

    # The working hours (2), its state (read, then locked in a savepoint), the changed chats,
    # delete, insert, mark.
    with django_assert_num_queries(10):
        assert service_waits.waits_refresh(workspace=workspace) == 1
    report = service.service_report(workspace=workspace, period=MARCH)
    assert (report.total.sessions, report.total.stretches) == (5, 7)


def test_new_working_hours_or_time_zone_recompute_every_chat(chats: Chats) -> None:
    workspace = chats.shop.workspace
    service_waits.waits_refresh(workspace=workspace)
    Message.objects.for_workspace(workspace).update(changed_at=timezone.now() - timedelta(hours=1))
    assert service_waits.waits_refresh(workspace=workspace) == 0

    workspace.timezone = "Asia/Bangkok"
    workspace.save(update_fields=["timezone"])

    assert service_waits.waits_refresh(workspace=workspace) == 4
    late_evening = ServiceWait.objects.for_workspace(workspace).get(opened_at=at(28, 23, month=2))
    assert late_evening.day == at(1, 6).date()  # 06:00 on 1 March in Bangkok


def test_a_message_that_arrives_late_reshapes_its_conversation(chats: Chats) -> None:
    workspace = chats.shop.workspace
    service_waits.waits_refresh(workspace=workspace)
    c = next(
        w.conversation for w in ServiceWait.objects.for_workspace(workspace).filter(
            answered_at__isnull=True
        ).select_related("conversation")
    )  # fmt: skip

    # The chat sync reads our answer to C, sent at 08:40 in Seller Center, hours later.
    chats.us(c, at(12, 8, 40), None, source="shop")
    report = service.service_report(workspace=workspace, period=MARCH)

    row = ServiceWait.objects.for_workspace(workspace).get(conversation=c)
    assert (row.answered_at, row.responder, row.wait) == (at(12, 8, 40), -1, 2400.0)
    assert report.total.unanswered == 0


def test_the_beat_catches_up_the_workspaces_whose_shop_chats_changed(
    chats: Chats, shop: Shop, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.service_waits_refresh() == "queued 1"

    state = ServiceWaitState.objects.for_workspace(shop.workspace).get()
    assert state.through is not None
    assert ServiceWait.objects.for_workspace(shop.workspace).count() == 7
