"""Business Messaging rules (wire notes 5.6 and 8): the 48-hour window, 10 messages per window,
the daily conversation cap, Comment-to-Message conditions, echoes and high-intent verdicts."""

import json
import time
from typing import Any

import pytest

from tests.emulator.conftest import Biz

HOUR = 3600


@pytest.fixture
def dm(make_biz: Any) -> Biz:
    # Tokens outlive the clock jumps below (the product refreshes; these tests need not).
    biz = make_biz(time_scale=10_000.0, business_access_token_lifetime=30 * 24 * HOUR)
    biz.subscribe("DIRECT_MESSAGE", "http://127.0.0.1:9/hook")
    biz.connect()
    return biz


def viewer_writes(biz: Biz, viewer: str, text: str = "hi, is this in stock?") -> str:
    return biz.control("/messages", {"viewer": viewer, "text": text})["conversation_id"]


def send(biz: Biz, conversation_id: str, text: str = "Yes! Here is the link") -> dict[str, Any]:
    return biz.post(
        "/business/message/send/",
        {
            "business_id": biz.business_id,
            "recipient_type": "CONVERSATION",
            "recipient": conversation_id,
            "message_type": "TEXT",
            "text": {"body": text},
        },
    )


def direct_reply(biz: Biz, comment_id: str, **overrides: Any) -> dict[str, Any]:
    body = {
        "business_id": biz.business_id,
        "direct_reply": {
            "reply_type": "COMMENT_REPLY",
            "comment_reply": {"comment_id": comment_id},
        },
        "message_type": "TEXT",
        "text": {"body": "Hi! Here is the link you asked for"},
        **overrides,
    }
    return biz.post("/business/message/send/", body)


def advance(biz: Biz, seconds: float) -> None:
    biz.client.post("/_control/clock/advance", json={"seconds": seconds})


def event_content(delivery: Any) -> dict[str, Any]:
    return json.loads(json.loads(delivery.body)["content"])


# -- conversations ---------------------------------------------------------------------------


def test_only_the_viewer_can_start_a_conversation(dm: Biz) -> None:
    assert send(dm, "bm90LWEtY29udmVyc2F0aW9u")["code"] == 40007
    conversation_id = viewer_writes(dm, "jess.glows")
    body = send(dm, conversation_id)
    assert body["code"] == 0
    assert body["data"]["message"]["message_id"]


def test_viewer_message_and_api_send_are_delivered_and_echoed(dm: Biz) -> None:
    conversation_id = viewer_writes(dm, "jess.glows", "how much is the serum?")
    [received] = dm.deliveries("im_receive_msg")
    content = event_content(received)
    assert content["conversation_id"] == conversation_id
    assert content["type"] == "text"
    assert content["text"] == {"body": "how much is the serum?"}
    assert content["to_user"]["id"] == dm.business_id
    message_id = send(dm, conversation_id)["data"]["message"]["message_id"]
    [echo] = dm.deliveries("im_send_msg")
    content = event_content(echo)
    assert content["message_id"] == message_id
    assert content["message_tag"] == {"source": "API"}
    assert content["from_user"]["id"] == dm.business_id
    assert json.loads(echo.body)["event"] == "im_send_msg"


def test_ten_business_messages_per_window_until_the_viewer_writes_again(dm: Biz) -> None:
    conversation_id = viewer_writes(dm, "jess.glows")
    for n in range(10):
        assert send(dm, conversation_id, f"message {n}")["code"] == 0
    refused = send(dm, conversation_id, "one too many")
    assert refused["code"] == 40064
    assert "10" in refused["message"]
    viewer_writes(dm, "jess.glows", "ok tell me more")
    assert send(dm, conversation_id, "sure")["code"] == 0


def test_the_window_closes_48_hours_after_the_viewers_last_message(dm: Biz) -> None:
    conversation_id = viewer_writes(dm, "jess.glows")
    advance(dm, 47 * HOUR)
    assert send(dm, conversation_id)["code"] == 0
    advance(dm, HOUR + 1)
    closed = send(dm, conversation_id)
    assert closed["code"] == 40064
    assert "48" in closed["message"]
    viewer_writes(dm, "jess.glows", "still there?")
    assert send(dm, conversation_id)["code"] == 0


def test_sender_action_uses_no_quota(dm: Biz) -> None:
    conversation_id = viewer_writes(dm, "jess.glows")
    action = {
        "business_id": dm.business_id,
        "recipient_type": "CONVERSATION",
        "recipient": conversation_id,
        "message_type": "SENDER_ACTION",
        "sender_action": "TYPING",
    }
    for _ in range(12):
        assert dm.post("/business/message/send/", action)["data"]["message"]["message_id"] == ""
    assert send(dm, conversation_id)["code"] == 0


def test_daily_conversation_cap_answers_40064(dm: Biz) -> None:
    dm.control("/settings", {"daily_conversation_cap": 2})
    first = viewer_writes(dm, "jess.glows")
    second = viewer_writes(dm, "mali.skincare")
    third = viewer_writes(dm, "linh.nguyen")
    assert send(dm, first)["code"] == 0
    assert send(dm, second)["code"] == 0
    capped = send(dm, third)
    assert capped["code"] == 40064
    assert send(dm, first)["code"] == 0  # already counted today
    advance(dm, 24 * HOUR)
    assert send(dm, third)["code"] == 0  # a new day, window still open


def test_text_longer_than_6000_characters_is_refused(dm: Biz) -> None:
    conversation_id = viewer_writes(dm, "jess.glows")
    assert send(dm, conversation_id, "x" * 6001)["code"] == 40002
    assert send(dm, conversation_id, "x" * 6000)["code"] == 0


def test_sending_needs_message_list_send(biz: Biz) -> None:
    biz.connect(scopes=("message.list.read",))
    conversation_id = viewer_writes(biz, "jess.glows")
    assert send(biz, conversation_id)["code"] == 40001


def test_conversation_and_message_lists(dm: Biz) -> None:
    stranger = viewer_writes(dm, "mali.skincare", "สวัสดีค่ะ")
    single = viewer_writes(dm, "jess.glows", "hello")
    send(dm, single, "hi Jess")
    strangers = dm.get("/business/message/conversation/list/", conversation_type="STRANGER")
    assert [c["conversation_id"] for c in strangers["data"]["conversations"]] == [stranger]
    singles = dm.get("/business/message/conversation/list/", conversation_type="SINGLE")
    assert [c["conversation_id"] for c in singles["data"]["conversations"]] == [single]
    messages = dm.get("/business/message/content/list/", conversation_id=single)["data"]
    assert [m["text"]["body"] for m in messages["messages"]] == ["hi Jess", "hello"]
    roles = {p["role"] for p in messages["participants"]}
    assert roles == {"BUSINESS_ACCOUNT", "PERSONAL_ACCOUNT"}


# -- Comment-to-Message ----------------------------------------------------------------------


def comment(biz: Biz, viewer: str = "jess.glows", flag: bool = True, **extra: Any) -> str:
    made = biz.control("/comments", {"viewer": viewer, "text": "love the colour", **extra})
    if flag:
        biz.control(f"/comments/{made['comment_id']}/high_intent")
    return str(made["comment_id"])


def test_direct_reply_to_an_eligible_comment_succeeds_once(dm: Biz) -> None:
    comment_id = comment(dm)
    body = direct_reply(dm, comment_id)
    assert body["code"] == 0, body
    [echo] = dm.deliveries("im_send_msg")
    assert event_content(echo)["message_tag"] == {"source": "API"}
    again = direct_reply(dm, comment_id)
    assert again["code"] == 40064
    assert "already" in again["message"]


def test_direct_reply_opens_no_window(dm: Biz) -> None:
    comment_id = comment(dm)
    assert direct_reply(dm, comment_id)["code"] == 0
    conversation_id = event_content(dm.deliveries("im_send_msg")[0])["conversation_id"]
    assert send(dm, conversation_id)["code"] == 40064
    viewer_writes(dm, "jess.glows", "yes please!")
    assert send(dm, conversation_id)["code"] == 0


def test_direct_reply_needs_a_high_intent_verdict(dm: Biz) -> None:
    assert direct_reply(dm, comment(dm, flag=False))["code"] == 40064


def test_direct_reply_needs_a_first_level_comment(dm: Biz) -> None:
    parent = comment(dm, flag=False)
    reply = comment(dm, viewer="sari.putri", parent_comment_id=parent)
    assert direct_reply(dm, reply)["code"] == 40064


def test_direct_reply_is_for_video_comments_not_the_live(dm: Biz) -> None:
    assert direct_reply(dm, comment(dm, live=True))["code"] == 40064


def test_direct_reply_within_48_hours_of_the_comment(dm: Biz) -> None:
    old = comment(dm, hours_ago=47)
    fresh_enough = direct_reply(dm, old)
    assert fresh_enough["code"] == 0
    too_old = comment(dm, viewer="sari.putri", hours_ago=48.01)
    assert direct_reply(dm, too_old)["code"] == 40064


def test_direct_reply_refused_after_a_dm_in_the_past_24_hours(dm: Biz) -> None:
    viewer_writes(dm, "jess.glows", "hi")
    comment_id = comment(dm)
    assert direct_reply(dm, comment_id)["code"] == 40064
    advance(dm, 24 * HOUR + 1)
    assert direct_reply(dm, comment_id)["code"] == 0


def test_direct_reply_refused_for_a_commenter_under_18(dm: Biz) -> None:
    assert direct_reply(dm, comment(dm, viewer="ploy.teen"))["code"] == 40064


def test_direct_reply_needs_comment_to_message_enabled(dm: Biz) -> None:
    comment_id = comment(dm)
    dm.control("/settings", {"comment_to_message_enabled": False})
    assert direct_reply(dm, comment_id)["code"] == 40064
    dm.control("/settings", {"comment_to_message_enabled": True})
    assert direct_reply(dm, comment_id)["code"] == 0


def test_direct_reply_is_text_only_without_a_recipient(dm: Biz) -> None:
    comment_id = comment(dm)
    image = direct_reply(dm, comment_id, message_type="IMAGE", image={"media_id": "m1"})
    assert image["code"] == 40002
    both = direct_reply(dm, comment_id, recipient_type="CONVERSATION", recipient="x")
    assert both["code"] == 40002
    assert direct_reply(dm, "7999999999999999999")["code"] == 40007


def test_direct_reply_counts_toward_the_daily_cap(dm: Biz) -> None:
    dm.control("/settings", {"daily_conversation_cap": 1})
    assert send(dm, viewer_writes(dm, "mali.skincare"))["code"] == 0
    assert direct_reply(dm, comment(dm))["code"] == 40064


# -- the classifier ----------------------------------------------------------------------------


def wait_until(predicate: Any, timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_purchase_intent_comments_are_flagged_after_the_delay(make_biz: Any) -> None:
    biz = make_biz(time_scale=20.0, high_intent_delay=5.0)  # 0.25 s of real time
    biz.subscribe("DIRECT_MESSAGE", "http://127.0.0.1:9/hook")
    biz.connect()
    store = biz.emulator.business.store
    asking = biz.control("/comments", {"viewer": "mali.skincare", "text": "ราคาเท่าไหร่คะ"})
    chatting = biz.control("/comments", {"viewer": "jess.glows", "text": "so pretty"})
    english = biz.control("/comments", {"viewer": "sari.putri", "text": "How much is it?"})
    assert store.comments[int(asking["comment_id"])].high_intent is False
    assert biz.deliveries("im_receive_high_intent_comment") == []
    assert wait_until(lambda: len(biz.deliveries("im_receive_high_intent_comment")) == 2)
    flagged = {
        str(event_content(d)["comment_id"])
        for d in biz.deliveries()
        if d.event == "im_receive_high_intent_comment"
    }
    assert flagged == {asking["comment_id"], english["comment_id"]}
    assert store.comments[int(chatting["comment_id"])].high_intent is False
    assert direct_reply(biz, asking["comment_id"])["code"] == 0


def test_the_control_api_flags_any_comment_at_once(dm: Biz) -> None:
    made = dm.control("/comments", {"viewer": "jess.glows", "text": "nice video"})
    flagged = dm.control(f"/comments/{made['comment_id']}/high_intent")
    assert flagged["high_intent"] is True
    [event] = dm.deliveries("im_receive_high_intent_comment")
    assert event_content(event)["comment_id"] == int(made["comment_id"])
