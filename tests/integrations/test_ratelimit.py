import time
from typing import Any

import pytest

from integrations import ratelimit


@pytest.fixture(autouse=True)
def _tight_limits(settings: Any) -> None:
    settings.TIKTOK_RATE_LIMITS = {"comment_reply": (10.0, 2)}
    settings.RATE_LIMIT_KEY_PREFIX = f"test-ratelimit-{time.time_ns()}"


def test_the_burst_goes_at_once_then_calls_wait_their_turn() -> None:
    waits = [ratelimit.acquire(connection_id=1, endpoint="comment_reply") for _ in range(3)]

    assert waits[:2] == [0, 0]
    assert 0 < waits[2] <= 0.1


def test_one_busy_account_never_holds_up_another() -> None:
    for _ in range(5):
        ratelimit.acquire(connection_id=1, endpoint="comment_reply")

    assert ratelimit.acquire(connection_id=2, endpoint="comment_reply") == 0


def test_a_429_pauses_the_bucket_for_as_long_as_tiktok_asked() -> None:
    ratelimit.pause(connection_id=1, endpoint="comment_reply", seconds=30)

    wait = ratelimit.acquire(connection_id=1, endpoint="comment_reply")

    assert 29 < wait <= 30
    assert ratelimit.acquire(connection_id=2, endpoint="comment_reply") == 0


def test_tokens_come_back_with_time() -> None:
    for _ in range(3):
        ratelimit.acquire(connection_id=1, endpoint="comment_reply")
    time.sleep(0.25)

    assert ratelimit.acquire(connection_id=1, endpoint="comment_reply") == 0
