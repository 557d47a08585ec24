"""A matching comment gets exactly one public reply, over real HTTP both ways: the emulator's
webhook into the live server, the product's reply back to the emulator."""

import time
from typing import Any

import pytest

from flows.models import Trigger
from inbox import sends
from inbox.models import Comment, Send
from integrations.models import Connection
from tests.conftest import Team
from tests.emulator_process import Emulator
from tests.factories import TriggerFactory
from tests.integrations.test_connect import browser, connect_tiktok

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(predicate: Any, timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := predicate()):
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting")
        time.sleep(0.1)
    return result


@pytest.fixture
def account(team: Team, live_server: Any, settings: Any, emulator: Emulator) -> Connection:
    settings.PUBLIC_BASE_URL = live_server.url
    connect_tiktok(browser(team.owner), emulator, team.workspace)
    return Connection.objects.for_workspace(team.workspace).get()


def test_a_price_comment_gets_one_rotated_public_reply(
    account: Connection, emulator: Emulator
) -> None:
    trigger = TriggerFactory(
        connection=account,
        keywords=["price"],
        reply_variants=["Sent you a DM 💌", "Check your inbox!"],
    )
    emulator.control("/webhooks/duplicate", {"count": 1})

    first = emulator.control("/business/comments", {"text": "PRICE?"})
    second = emulator.control("/business/comments", {"text": "price pls", "viewer": "linh.nguyen"})

    sent = wait_for(
        lambda: (
            list(Send.objects.for_workspace(account.workspace).filter(state="sent").order_by("id"))
            if Send.objects.for_workspace(account.workspace).filter(state="sent").count() == 2
            else None
        )
    )
    # The two comments' webhooks race each other; rotation gives each a different variant.
    assert sorted(s.text for s in sent) == ["Check your inbox!", "Sent you a DM 💌"]
    assert {s.comment.external_id for s in sent} == {first["comment_id"], second["comment_id"]}
    assert all(s.provider_id for s in sent)
    time.sleep(0.5)  # the duplicated delivery and our replies' own comment.update echoes
    assert Send.objects.for_workspace(account.workspace).count() == 2
    assert Comment.objects.for_workspace(account.workspace).count() == 2
    trigger.refresh_from_db()
    assert trigger.replies_queued == 2


def test_a_reply_lost_mid_call_is_reconciled_not_resent(
    account: Connection, emulator: Emulator
) -> None:
    TriggerFactory(
        connection=account,
        keywords=["price"],
        reply_variants=["Check your DMs"],
        status=Trigger.Status.DRAFT,
    )
    posted = emulator.control("/business/comments", {"text": "price?"})
    comment = wait_for(
        lambda: (
            Comment.objects.for_workspace(account.workspace)
            .filter(external_id=posted["comment_id"])
            .first()
        )
    )
    # The worker reached TikTok, then died before recording the answer.
    send = Send.objects.create(
        workspace=account.workspace, connection=account, kind="public_reply", comment=comment,
        text="Check your DMs", state="sending",
    )  # fmt: skip
    from integrations.clients.tiktok_business import TikTokBusinessClient

    with TikTokBusinessClient(access_token=account.access_token) as client:
        client.comment_reply(
            business_id=account.external_id,
            video_id=comment.post_external_id,
            comment_id=comment.external_id,
            text="Check your DMs",
        )

    assert sends.public_reply_reconcile(send=send) == "sent"
    send.refresh_from_db()
    assert send.provider_id


def test_a_reply_that_never_left_is_sent_again_after_reconciling(
    account: Connection, emulator: Emulator
) -> None:
    emulator.http.post(
        "/_control/faults",
        json={"path": "reply/create", "kind": "server_error", "status": 503, "remaining": 1},
    )
    TriggerFactory(connection=account, keywords=["price"], reply_variants=["Check your DMs"])

    emulator.control("/business/comments", {"text": "price?"})

    send = wait_for(
        lambda: Send.objects.for_workspace(account.workspace).filter(state="sending").first()
    )
    assert sends.public_reply_reconcile(send=send) == "pending"
    assert sends.public_reply_send(send_id=send.pk) == "sent"


def test_without_the_manage_permission_the_reply_is_skipped_and_says_why(
    account: Connection, emulator: Emulator
) -> None:
    Connection.unscoped.filter(pk=account.pk).update(
        granted_scopes=["comment.list", "user.info.basic"]
    )
    TriggerFactory(connection=account, keywords=["price"], reply_variants=["Check your DMs"])

    emulator.control("/business/comments", {"text": "price?"})

    send = wait_for(
        lambda: Send.objects.for_workspace(account.workspace).exclude(state="pending").first()
    )
    assert (send.state, send.error) == (
        "skipped",
        "the TikTok connection lacks the comment.list.manage permission",
    )


def test_a_429_storm_on_one_account_pauses_only_that_account(
    account: Connection, emulator: Emulator
) -> None:
    from integrations import ratelimit

    emulator.http.post(
        "/_control/faults", json={"path": "reply/create", "kind": "rate_limit", "remaining": 1}
    )
    TriggerFactory(connection=account, keywords=["price"], reply_variants=["Check your DMs"])

    emulator.control("/business/comments", {"text": "price?"})

    send = wait_for(lambda: Send.objects.for_workspace(account.workspace).first())
    # The row records TikTok's 429 after the bucket is paused.
    wait_for(lambda: Send.unscoped.get(pk=send.pk).error)
    assert ratelimit.acquire(connection_id=account.pk, endpoint="comment_reply") >= 50
    assert ratelimit.acquire(connection_id=account.pk + 1000, endpoint="comment_reply") == 0
