"""Webhook subscriptions, signing, retries, and which events reach whom."""

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.emulator.conftest import Biz


class Receiver:
    """A tiny local HTTP receiver that fails the first ``fail_first`` attempts."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.hits: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                receiver.hits.append(({k.lower(): v for k, v in self.headers.items()}, body))
                failing = len(receiver.hits) <= receiver.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/tiktok/webhook/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.hits) < count and time.monotonic() < deadline:
            time.sleep(0.01)
        assert len(self.hits) >= count, self.hits

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver(fail_first=1)
    yield r
    r.close()


def test_subscription_update_and_list(biz: Biz) -> None:
    assert biz.subscribe("COMMENT", "https://example.com/hook")["code"] == 0
    body = biz.get(
        "/business/webhook/list/",
        token="",
        business_id="",
        app_id=biz.config.business_client_key,
        secret=biz.config.business_client_secret,
        event_type="COMMENT",
    )
    assert body["data"]["callback_url"] == "https://example.com/hook"
    assert body["data"]["event_type"] == "COMMENT"
    assert biz.subscribe("comment.update", "https://example.com/hook")["code"] == 40002
    wrong = biz.post(
        "/business/webhook/update/",
        {
            "app_id": biz.config.business_client_key,
            "secret": "wrong",
            "event_type": "COMMENT",
            "callback_url": "https://example.com/hook",
        },
        token="",
    )
    assert wrong["code"] == 40001


def test_signed_delivery_is_retried_and_resigned(make_biz: Any, receiver: Receiver) -> None:
    biz = make_biz(time_scale=600.0)  # first retry after 60 s → 0.1 s
    biz.connect()
    biz.subscribe("COMMENT", receiver.url)
    comment = biz.control("/comments", {"viewer": "jess.glows", "text": "love it"})
    receiver.wait_for(2)
    (first_headers, first_body), (headers, body) = receiver.hits[:2]
    assert first_body == body  # the same event, delivered again
    for hdrs in (first_headers, headers):
        fields = dict(part.split("=", 1) for part in hdrs["tiktok-signature"].split(","))
        expected = hmac.new(
            biz.config.business_client_secret.encode(),
            fields["t"].encode() + b"." + body,
            hashlib.sha256,
        ).hexdigest()
        assert fields["s"] == expected
        assert abs(int(fields["t"]) - time.time()) < 5
    envelope = json.loads(body)
    assert envelope["event"] == "comment.update"
    assert envelope["client_key"] == biz.config.business_client_key
    assert envelope["user_openid"] == biz.business_id
    content_text = envelope["content"]
    assert isinstance(content_text, str)
    # 19-digit ids are unquoted JSON numbers inside content, exact as integers.
    assert f'"comment_id": {comment["comment_id"]}' in content_text
    content = json.loads(content_text)
    assert content["comment_id"] == int(comment["comment_id"])
    assert content["comment_action"] == "insert"
    assert content["comment_type"] == "comment"
    assert len(content["unique_identifier"]) == 64
    [delivery] = biz.deliveries("comment.update")
    deadline = time.monotonic() + 2
    while delivery.status != "delivered" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [a.status for a in delivery.attempts] == [500, 200]


def test_comment_delivery_needs_comment_list_and_stops_on_revoke(biz: Biz) -> None:
    biz.subscribe("COMMENT", "http://127.0.0.1:9/hook")
    biz.connect(scopes=("video.list", "message.list.read"))
    biz.control("/comments", {"text": "no scope, no webhook"})
    assert biz.deliveries("comment.update") == []
    biz.connect()
    biz.control("/comments", {"text": "now it arrives"})
    assert len(biz.deliveries("comment.update")) == 1
    biz.control("/authorization/revoke")
    assert len(biz.deliveries("authorization.removed")) == 1
    biz.control("/comments", {"text": "silently lost"})
    assert len(biz.deliveries("comment.update")) == 1


def test_only_subscribed_kinds_are_delivered(biz: Biz) -> None:
    biz.connect()
    biz.control("/comments", {"text": "nobody listens"})
    biz.control("/messages", {"viewer": "jess.glows", "text": "hello"})
    assert biz.deliveries() == []
    biz.subscribe("DIRECT_MESSAGE", "http://127.0.0.1:9/hook")
    biz.control("/comments", {"text": "still no COMMENT subscription"})
    biz.control("/messages", {"viewer": "jess.glows", "text": "hello again"})
    assert [d.event for d in biz.deliveries()] == ["im_receive_msg"]


def test_hide_fires_a_visibility_change(biz: Biz) -> None:
    biz.subscribe("COMMENT", "http://127.0.0.1:9/hook")
    biz.connect()
    comment = biz.control("/comments", {"text": "hide me"})
    body = {
        "business_id": biz.business_id,
        "video_id": comment["video_id"],
        "comment_id": comment["comment_id"],
        "action": "HIDE",
    }
    assert biz.post("/business/comment/hide/", body)["code"] == 0
    actions = [
        json.loads(json.loads(d.body)["content"])["comment_action"]
        for d in biz.deliveries("comment.update")
    ]
    assert actions == ["insert", "set_to_hidden"]
