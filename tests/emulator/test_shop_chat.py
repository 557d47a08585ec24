"""Customer Service API (wire notes 4.1–4.4): eligibility rules, send limits, message types."""

import json
import struct
import zlib

import pytest

from tests.emulator.test_shop import ShopSession, error_of

CS = "/customer_service/202309"


def create(session: ShopSession, nickname: str) -> tuple[int, int, dict]:
    response = session.call("POST", f"{CS}/conversations",
                            body={"buyer_user_id": session.buyer(nickname)})  # fmt: skip
    body = response.json()
    return response.status_code, body["code"], body["data"]


def send(session: ShopSession, conversation_id: str, kind: str, content: dict) -> tuple[int, int]:
    response = session.call("POST", f"{CS}/conversations/{conversation_id}/messages",
                            body={"type": kind, "content": json.dumps(content)})  # fmt: skip
    return response.status_code, response.json()["code"]


@pytest.mark.parametrize(
    ("nickname", "allowed"),
    [
        ("amelia.rose", True),  # order 12 days ago
        ("jess_makeup", False),  # only an order 140 days ago
        ("skincare.sam", True),  # refund history
        ("chloe.b", True),  # wrote yesterday
        ("olivia.grace", False),  # never ordered
    ],
)
def test_create_conversation_follows_the_three_rules(
    connected: ShopSession, nickname: str, allowed: bool
) -> None:
    status, code, data = create(connected, nickname)
    if allowed:
        assert (status, code) == (200, 0)
        assert len(data["conversation_id"]) == 19
    else:
        assert (status, code, data) == (400, 45109003, None)


def test_existing_conversation_is_reopened_with_the_same_id(connected: ShopSession) -> None:
    chloe = connected.store.conversation_with(connected.buyer("chloe.b"))
    assert create(connected, "chloe.b")[2] == {"conversation_id": chloe.id}


def test_send_is_refused_when_the_rules_stop_holding(connected: ShopSession) -> None:
    _, _, data = create(connected, "amelia.rose")
    conversation_id = data["conversation_id"]
    assert send(connected, conversation_id, "TEXT", {"content": "Hi Amelia!"}) == (200, 0)
    connected.platform.clock.advance(61 * 86400)  # order and chat both age out
    refreshed = connected.token_refresh(connected.refresh_token)["data"]
    connected.access_token = refreshed["access_token"]
    assert send(connected, conversation_id, "TEXT", {"content": "Still there?"}) == (
        400,
        45109001,
    )


def test_text_limit_is_2000_characters(connected: ShopSession) -> None:
    conversation_id = create(connected, "amelia.rose")[2]["conversation_id"]
    assert send(connected, conversation_id, "TEXT", {"content": "é" * 2000}) == (200, 0)
    assert send(connected, conversation_id, "TEXT", {"content": "a" * 2001}) == (400, 45101001)
    assert send(connected, conversation_id, "TEXT", {"content": ""}) == (400, 45101001)


def test_content_must_be_a_json_string(connected: ShopSession) -> None:
    conversation_id = create(connected, "amelia.rose")[2]["conversation_id"]
    response = connected.call("POST", f"{CS}/conversations/{conversation_id}/messages",
                              body={"type": "TEXT", "content": {"content": "hi"}})  # fmt: skip
    assert error_of(response) == (400, 45101001)


def test_cards_and_unsupported_types(connected: ShopSession) -> None:
    amelia = connected.buyer("amelia.rose")
    conversation_id = create(connected, "amelia.rose")[2]["conversation_id"]
    product_id = next(iter(connected.store.products))
    order_id = connected.store.orders_of(amelia)[0].id
    other_order = connected.store.orders_of(connected.buyer("jess_makeup"))[0].id
    assert send(connected, conversation_id, "PRODUCT_CARD", {"product_id": product_id}) == (200, 0)
    assert send(connected, conversation_id, "ORDER_CARD", {"order_id": order_id}) == (200, 0)
    assert send(connected, conversation_id, "ORDER_CARD", {"order_id": other_order}) == (
        400,
        45101003,
    )
    assert send(connected, conversation_id, "EMOTICONS", {"content": "[smile]"}) == (200, 0)
    assert send(connected, conversation_id, "VIDEO", {"url": "x"}) == (400, 45111001)
    assert send(connected, conversation_id, "COUPON_CARD", {"coupon_id": "1"}) == (400, 45111017)


def png(width: int, height: int) -> bytes:
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (b"\x89PNG\r\n\x1a\n" + struct.pack(">I", len(ihdr)) + chunk
            + struct.pack(">I", zlib.crc32(chunk)))  # fmt: skip


def test_image_upload_then_send(connected: ShopSession) -> None:
    data = connected.ok("POST", f"{CS}/images/upload",
                        files={"data": ("look.png", png(1280, 720), "image/png")})  # fmt: skip
    assert (data["width"], data["height"]) == (1280, 720)
    assert connected.client.get(data["url"].split("8100", 1)[1]).content == png(1280, 720)
    conversation_id = create(connected, "amelia.rose")[2]["conversation_id"]
    assert send(connected, conversation_id, "IMAGE", data) == (200, 0)
    assert send(connected, conversation_id, "IMAGE", {**data, "url": "https://x/y.png"}) == (
        400,
        45101001,
    )


def test_image_upload_refuses_other_files_and_json(connected: ShopSession) -> None:
    response = connected.call("POST", f"{CS}/images/upload",
                              files={"data": ("a.txt", b"hello", "text/plain")})  # fmt: skip
    assert error_of(response) == (400, 45101001)
    as_json = connected.call("POST", f"{CS}/images/upload", body={})
    assert error_of(as_json) == (400, 36009023)


def test_buyer_message_conversation_list_and_read(connected: ShopSession) -> None:
    olivia = connected.buyer("olivia.grace")
    made = connected.control("/messages", {"buyer_user_id": olivia, "text": "Do you ship to NI?"})
    listing = connected.ok("GET", f"{CS}/conversations", params={"page_size": 20})
    assert listing["next_page_token"] == ""
    first = listing["conversations"][0]  # most recent activity first
    assert first["id"] == made["conversation_id"]
    assert first["can_send_message"] is True  # she wrote first: rule 1
    assert first["unread_count"] == 1
    assert {p["role"]: p["user_id"] for p in first["participants"]}["BUYER"] == olivia
    assert json.loads(first["latest_message"]["content"]) == {"content": "Do you ship to NI?"}
    messages = connected.ok("GET", f"{CS}/conversations/{first['id']}/messages",
                            params={"page_size": 10})  # fmt: skip
    assert [m["sender"]["role"] for m in messages["messages"]] == ["BUYER"]
    connected.ok("POST", f"{CS}/conversations/{first['id']}/messages/read", body={})
    again = connected.ok("GET", f"{CS}/conversations", params={"page_size": 20})
    assert again["conversations"][0]["unread_count"] == 0


def test_page_size_limits(connected: ShopSession) -> None:
    too_many = connected.call("GET", f"{CS}/conversations", params={"page_size": 21})
    assert error_of(too_many) == (400, 45101001)
    chloe = connected.store.conversation_with(connected.buyer("chloe.b"))
    too_many = connected.call("GET", f"{CS}/conversations/{chloe.id}/messages",
                              params={"page_size": 11})  # fmt: skip
    assert error_of(too_many) == (400, 45101001)


def test_messages_page_in_order(connected: ShopSession) -> None:
    chloe = connected.buyer("chloe.b")
    for n in range(3):
        connected.control("/messages", {"buyer_user_id": chloe, "text": f"message {n}"})
    conversation = connected.store.conversation_with(chloe)
    path = f"{CS}/conversations/{conversation.id}/messages"
    page = connected.ok("GET", path, params={"page_size": 3, "sort_order": "ASC",
                                             "sort_field": "index"})  # fmt: skip
    texts = [json.loads(m["content"])["content"] for m in page["messages"]]
    assert texts == ["Hi! Is the lip oil safe for sensitive lips?", "message 0", "message 1"]
    rest = connected.ok(
        "GET",
        path,
        params={
            "page_size": 3,
            "sort_order": "ASC",
            "sort_field": "index",
            "page_token": page["next_page_token"],
        },
    )
    assert [json.loads(m["content"])["content"] for m in rest["messages"]] == ["message 2"]
    assert rest["next_page_token"] == ""


def test_agent_settings(connected: ShopSession) -> None:
    assert connected.ok("GET", f"{CS}/agents/settings") == {"can_accept_chat": True}
    assert connected.ok("PUT", f"{CS}/agents/settings", body={"can_accept_chat": False}) == {}
    assert connected.ok("GET", f"{CS}/agents/settings") == {"can_accept_chat": False}
