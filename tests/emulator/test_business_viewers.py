"""Viewers added through the control API for load tests (bench/comment_to_dm.py): each one a
distinct person to TikTok's messaging rules."""

from tests.emulator.conftest import Biz
from tests.emulator.test_business_messaging import comment, direct_reply, dm

__all__ = ["dm"]


def test_added_adult_viewers_are_each_reachable_once_by_comment_to_message(dm: Biz) -> None:
    dm.control("/settings", {"daily_conversation_cap": 1000})
    first = dm.control("/viewers", {"count": 3})["viewers"]
    more = dm.control("/viewers", {"count": 2})["viewers"]

    assert [v["username"] for v in first + more] == [f"viewer{n}" for n in range(1, 6)]
    assert len({v["unique_identifier"] for v in first + more}) == 5
    for viewer in first + more:
        assert direct_reply(dm, comment(dm, viewer=viewer["unique_identifier"]))["code"] == 0
    assert len(dm.deliveries("im_send_msg")) == 5
    # Still one person each: a second comment within 24 hours gets no DM.
    assert direct_reply(dm, comment(dm, viewer="viewer1"))["code"] == 40064


def test_added_viewers_may_be_minors_and_go_with_a_reset(dm: Biz) -> None:
    [teen] = dm.control("/viewers", {"count": 1, "age": 16})["viewers"]
    refused = direct_reply(dm, comment(dm, viewer=teen["username"]))
    assert "under 18" in refused["message"]
    assert dm.client.post("/_control/business/viewers", json={"count": 0}).status_code == 400

    dm.client.post("/_control/reset")

    assert dm.emulator.business.store.find_viewer("viewer1") is None
    assert dm.control("/viewers", {"count": 1})["viewers"][0]["username"] == "viewer1"
