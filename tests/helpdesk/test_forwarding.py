"""Buyer messages to the helpdesk: consolidated per window, in TikTok Shop's format, sent once
by the beat however many runs race, and never lost while the mail server is down."""

import smtplib
import threading
from datetime import timedelta
from email import message_from_string
from email.policy import default as default_policy
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.utils import timezone

from helpdesk import addresses, forwarding
from helpdesk.models import ForwardedEmail
from inbox.models import Conversation, Message
from tests.factories.inbox_api import InboxConversationFactory
from tests.helpdesk.conftest import HELPDESK, SERUM, SERUM_ID, T0, Desk, make_desk

pytestmark = pytest.mark.django_db

# An SMTP server nobody listens on: connection refused, as when the relay is down.
DOWN = {
    "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
}
LOCMEM = {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def stamp(at: Any) -> str:
    """A message's time as the email shows it: in the workspace's zone (Europe/London)."""
    local = timezone.localtime(at, ZoneInfo("Europe/London"))
    return f"{local.day} {local:%b}, {local:%H:%M}"


def run_beat(at: Any) -> str:
    return forwarding.forwarded_emails_send_due_unscoped(now=at)


def bodies(message: mail.EmailMultiAlternatives) -> tuple[str, str]:
    [(html, mimetype)] = message.alternatives
    assert mimetype == "text/html"
    return message.body, str(html)


def emails_of(desk: Desk) -> list[ForwardedEmail]:
    return list(
        ForwardedEmail.objects.for_workspace(desk.workspace).order_by("first_message_at", "pk")
    )


def test_three_messages_within_the_window_are_one_email_and_a_fourth_after_it_a_second(
    desk: Desk,
) -> None:
    first = desk.buyer_says("Hi! Is the serum in stock?", at=T0)
    second = desk.buyer_says("The 30 ml one", at=T0 + minutes(1))
    third = desk.buyer_says("Thanks 🙏", at=T0 + minutes(3))

    assert run_beat(T0 + minutes(7)).startswith("nothing due")  # 4 min after the last: wait
    assert mail.outbox == []
    run_beat(T0 + minutes(8))  # 5 min after the last message

    [email] = mail.outbox
    text, html = bodies(email)
    link = "https://app.chatsparks.test" + desk.conversation_url()
    assert text == (
        "Mali Srisuk wrote to Glow Beauty UK on TikTok Shop:\n"
        "\n"
        f"[{stamp(T0)}] Hi! Is the serum in stock?\n"
        f"[{stamp(T0 + minutes(1))}] The 30 ml one\n"
        f"[{stamp(T0 + minutes(3))}] Thanks 🙏\n"
        "\n"
        f"Reply in ChatSparks: {link}\n"
        "\n"
        "You can also reply to this email: the text you write above the quoted message goes to "
        "Mali Srisuk in TikTok Shop chat, in messages of up to 2000 characters. Send text and "
        "emoji only: a reply with attachments is returned to you, not sent. Links arrive as "
        "plain text.\n"
    )
    assert html.index("Hi! Is the serum in stock?") < html.index("The 30 ml one")
    assert html.index("The 30 ml one") < html.index("Thanks 🙏")
    [row] = emails_of(desk)
    assert (row.state, row.message_ids, row.attempts) == (
        "sent", [first.pk, second.pk, third.pk], 1,
    )  # fmt: skip
    assert row.sent_at == T0 + minutes(8)

    fourth = desk.buyer_says("Hello again?", at=T0 + minutes(20))
    run_beat(T0 + minutes(24))
    assert len(mail.outbox) == 1
    run_beat(T0 + minutes(25))

    assert len(mail.outbox) == 2
    text, _ = bodies(mail.outbox[1])
    assert "Hello again?" in text
    assert "Is the serum in stock?" not in text  # only what is new, as TikTok Shop does
    assert [(e.state, e.message_ids) for e in emails_of(desk)] == [
        ("sent", [first.pk, second.pk, third.pk]),
        ("sent", [fourth.pk]),
    ]


def test_a_message_after_the_window_starts_a_second_email_even_before_the_beat_ran(
    desk: Desk,
) -> None:
    earlier = [desk.buyer_says(f"message {n}", at=T0 + minutes(n)) for n in range(3)]
    later = desk.buyer_says("one more", at=T0 + minutes(12))  # the window ended at T0+7

    run_beat(T0 + minutes(30))

    assert [e.message_ids for e in emails_of(desk)] == [[m.pk for m in earlier], [later.pk]]
    assert len(mail.outbox) == 2
    assert "one more" not in mail.outbox[0].body
    assert "message 0" not in mail.outbox[1].body


def test_the_window_is_the_workspaces_setting(desk: Desk) -> None:
    desk.forwarding.window_minutes = 15
    desk.forwarding.save()
    desk.buyer_says("Hello", at=T0)

    run_beat(T0 + minutes(14))
    assert mail.outbox == []
    run_beat(T0 + minutes(15))
    assert len(mail.outbox) == 1


def test_the_email_reads_like_tiktok_shops_own(desk: Desk) -> None:
    image = "https://p16-oec-sg.ibyteimg.com/tos-alisg-i/photo~tplv.jpeg"
    video = "https://v16m.tiktokcdn.com/video/tos/alisg/7abc/?a=1&b=2"
    desk.buyer_says("Does it come in gold? ✨😍", at=T0)
    desk.buyer_says(at=T0, kind="image", payload={"url": image, "width": "304", "height": "290"})
    desk.buyer_says(at=T0, kind="product_card", payload={"product_id": SERUM_ID})
    desk.buyer_says(at=T0, kind="product_card", payload={"product_id": "1729999999"})
    desk.buyer_says(at=T0, kind="order_card", payload={"order_id": "577087614418520000"})
    desk.buyer_says(at=T0, kind="video", payload={"url": video, "cover": image, "duration": 6})

    run_beat(T0 + minutes(5))

    [email] = mail.outbox
    row = emails_of(desk)[0]
    reply_to = desk.reply_address()
    assert email.subject == "A new message from TikTok Shop customer Mali Srisuk"
    assert email.to == [HELPDESK]
    assert email.from_email == f"Mali Srisuk via TikTok Shop <{reply_to}>"
    assert email.reply_to == [reply_to]
    assert addresses.reply_target(reply_to) == addresses.ReplyTarget(
        workspace_id=desk.workspace.pk, conversation_id=desk.conversation.pk
    )
    anchor = f"<conversation-{desk.workspace.pk}-{desk.conversation.pk}@reply.chatsparks.test>"
    assert email.extra_headers["Message-ID"] == row.message_id
    assert row.message_id.endswith("@reply.chatsparks.test>")
    assert email.extra_headers["References"] == anchor
    assert email.extra_headers["X-Auto-Response-Suppress"] == "All"

    text, html = bodies(email)
    link = "https://app.chatsparks.test" + desk.conversation_url()
    assert "Mali Srisuk wrote to Glow Beauty UK on TikTok Shop:" in text
    assert "Does it come in gold? ✨😍" in text
    assert f"Picture: {image}" in text
    assert f"Product: {SERUM}" in text
    assert "Product: a product (ID 1729999999)" in text
    assert "Order: 577087614418520000" in text
    assert f"Video: {video}" in text
    assert f"Reply in ChatSparks: {link}" in text
    assert "in messages of up to 2000 characters" in text

    assert "Does it come in gold? ✨😍" in html
    assert f'<img src="{image}"' in html
    assert f"<strong>{SERUM}</strong>" in html
    assert "<strong>577087614418520000</strong>" in html
    assert f'<a href="{video.replace("&", "&amp;")}"' in html
    assert f'<a href="{link}"' in html
    assert "Reply in ChatSparks</a>" in html

    # As it travels: one MIME message, the emoji intact in the subject of the next one too.
    parsed = message_from_string(email.message().as_string(), policy=default_policy)
    assert parsed["Subject"] == "A new message from TikTok Shop customer Mali Srisuk"
    assert parsed.get_body(("plain",)).get_content().count("✨😍") == 1


def test_a_second_email_refers_to_the_first_so_helpdesks_thread_them(desk: Desk) -> None:
    desk.buyer_says("one", at=T0)
    run_beat(T0 + minutes(5))
    desk.buyer_says("two", at=T0 + minutes(30))
    run_beat(T0 + minutes(35))

    first, second = emails_of(desk)
    anchor = f"<conversation-{desk.workspace.pk}-{desk.conversation.pk}@reply.chatsparks.test>"
    assert mail.outbox[1].extra_headers["References"] == f"{anchor} {first.message_id}"
    assert mail.outbox[1].extra_headers["In-Reply-To"] == first.message_id
    assert second.message_id != first.message_id


def test_a_thai_or_emoji_name_goes_into_the_subject_and_sender_intact(desk: Desk) -> None:
    desk.contact.display_name = "มะลิ 🌸"
    desk.contact.save()
    desk.buyer_says("สวัสดีค่ะ", at=T0)

    run_beat(T0 + minutes(5))

    [email] = mail.outbox
    parsed = message_from_string(email.message().as_string(), policy=default_policy)
    assert parsed["Subject"] == "A new message from TikTok Shop customer มะลิ 🌸"
    assert parsed["From"].addresses[0].display_name == "มะลิ 🌸 via TikTok Shop"
    assert parsed["From"].addresses[0].addr_spec == desk.reply_address()


def test_only_buyer_messages_in_shop_chat_are_forwarded(desk: Desk) -> None:
    dm = InboxConversationFactory(connection__workspace=desk.workspace)
    desk.buyer_says("a TikTok DM", at=T0, conversation=dm)
    desk.buyer_says("our own answer", at=T0, direction=Message.Direction.OUTBOUND)
    desk.buyer_says("joined the chat", at=T0, kind=Message.Kind.SYSTEM)

    run_beat(T0 + minutes(30))

    assert emails_of(desk) == []
    assert mail.outbox == []


def test_nothing_is_collected_while_forwarding_is_off(desk: Desk) -> None:
    desk.forwarding.enabled = False
    desk.forwarding.save()
    desk.buyer_says("hello?", at=T0)

    assert emails_of(desk) == []


def test_turning_forwarding_off_stops_an_email_still_waiting(desk: Desk) -> None:
    desk.buyer_says("hello?", at=T0)
    desk.forwarding.enabled = False
    desk.forwarding.save()

    run_beat(T0 + minutes(5))

    [row] = emails_of(desk)
    assert (row.state, row.error) == (
        "skipped", "Forwarding was turned off before this email went out."
    )  # fmt: skip
    assert mail.outbox == []


def test_each_workspace_forwards_to_its_own_helpdesk(desk: Desk) -> None:
    other = make_desk(helpdesk_address="help@rival.example")
    desk.buyer_says("ours", at=T0)
    other.buyer_says("theirs", at=T0)

    run_beat(T0 + minutes(5))

    sent = {tuple(email.to): email.body for email in mail.outbox}
    assert set(sent) == {(HELPDESK,), ("help@rival.example",)}
    assert "ours" in sent[(HELPDESK,)]
    assert "theirs" not in sent[(HELPDESK,)]


# --- The mail server ---------------------------------------------------------------------------


def test_a_mail_server_that_is_down_loses_nothing_and_is_tried_again(
    desk: Desk, settings: Any
) -> None:
    desk.buyer_says("hello?", at=T0)
    settings.MAILERS = {"default": DOWN}

    outcome = run_beat(T0 + minutes(5))

    [row] = emails_of(desk)
    first_message_id = row.message_id
    assert outcome.startswith("pending 1")
    assert (row.state, row.attempts, row.sent_at) == ("pending", 1, None)
    assert row.error.startswith("Could not reach the mail server (ConnectionRefusedError")
    assert row.due_at == T0 + minutes(6)  # 1 minute after the failed attempt
    assert row.closed_at == T0 + minutes(5)
    assert mail.outbox == []

    # Still down a minute later: the next try waits longer.
    run_beat(T0 + minutes(6))
    row.refresh_from_db()
    assert (row.state, row.attempts, row.due_at) == ("pending", 2, T0 + minutes(8))

    # The buyer writes meanwhile: a new email, not a change to the one being retried.
    later = desk.buyer_says("anyone there?", at=T0 + minutes(7))

    settings.MAILERS = {"default": LOCMEM}
    run_beat(T0 + minutes(7))
    assert mail.outbox == []
    run_beat(T0 + minutes(12))

    retried, new = emails_of(desk)
    assert (retried.state, retried.attempts, retried.error) == ("sent", 3, "")
    assert retried.message_id == first_message_id  # a helpdesk that got a try drops the repeat
    assert (new.state, new.message_ids) == ("sent", [later.pk])
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [
        first_message_id, new.message_id,
    ]  # fmt: skip


class RefusingBackend(BaseEmailBackend):
    """A mail server that answers 550 for the helpdesk address."""

    def send_messages(self, email_messages: Any) -> int:
        raise smtplib.SMTPRecipientsRefused({HELPDESK: (550, b"5.1.1 No such user")})


def test_an_address_the_server_refuses_fails_at_once_and_says_why(
    desk: Desk, settings: Any
) -> None:
    settings.MAILERS = {"default": {"BACKEND": f"{__name__}.RefusingBackend"}}
    desk.buyer_says("hello?", at=T0)

    run_beat(T0 + minutes(5))

    [row] = emails_of(desk)
    assert (row.state, row.attempts) == ("failed", 1)
    assert row.error == (
        "The mail server refused the helpdesk address "
        "(support@glowbeauty.example: 550 5.1.1 No such user)."
    )


def test_failures_give_up_after_a_day(desk: Desk, settings: Any) -> None:
    settings.MAILERS = {"default": DOWN}
    desk.buyer_says("hello?", at=T0)
    run_beat(T0 + minutes(5))
    ForwardedEmail.objects.for_workspace(desk.workspace).update(
        closed_at=T0 + minutes(6) - timedelta(days=1, minutes=1), due_at=T0
    )

    run_beat(T0 + minutes(6))

    [row] = emails_of(desk)
    assert (row.state, row.attempts) == ("failed", 2)


def test_an_email_left_sending_by_a_lost_worker_is_sent_again(desk: Desk) -> None:
    desk.buyer_says("hello?", at=T0)
    ForwardedEmail.objects.for_workspace(desk.workspace).update(
        state="sending", closed_at=T0 + minutes(5), sending_since=T0 + minutes(5), attempts=1,
        message_id="<fwd1@reply.chatsparks.test>",
    )  # fmt: skip

    run_beat(T0 + minutes(14))  # not yet: it may still be on its way
    assert mail.outbox == []
    run_beat(T0 + minutes(16))

    [row] = emails_of(desk)
    assert (row.state, row.attempts) == ("sent", 2)
    assert mail.outbox[0].extra_headers["Message-ID"] == "<fwd1@reply.chatsparks.test>"


# --- Concurrency (real transactions, real threads) ---------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_beat_runs_at_once_send_each_email_once() -> None:
    desk = make_desk()
    for n in range(3):
        other = InboxConversationFactory(
            connection=desk.shop, channel=Conversation.Channel.SHOP_CHAT
        )
        desk.buyer_says(f"hello {n}", at=T0, conversation=other)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            start.wait(timeout=10)
            run_beat(T0 + minutes(5))
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=beat) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    assert all(not thread.is_alive() for thread in threads)
    said = sorted(
        f"hello {n}" for email in mail.outbox for n in range(3) if f"hello {n}" in email.body
    )
    assert said == ["hello 0", "hello 1", "hello 2"]  # three emails, one each
    assert len({email.extra_headers["Message-ID"] for email in mail.outbox}) == 3
    assert set(ForwardedEmail.unscoped.values_list("state", "attempts")) == {("sent", 1)}


@pytest.mark.django_db(transaction=True)
def test_a_run_skips_an_email_another_run_holds() -> None:
    desk = make_desk()
    desk.buyer_says("hello?", at=T0)
    held, release = threading.Event(), threading.Event()

    def other_run_holding_the_row() -> None:
        try:
            with transaction.atomic():
                list(ForwardedEmail.unscoped.select_for_update())
                held.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=other_run_holding_the_row)
    holder.start()
    assert held.wait(timeout=10)
    try:
        assert run_beat(T0 + minutes(5)).startswith("nothing due")  # skipped, not waited for
        assert mail.outbox == []
    finally:
        release.set()
        holder.join(timeout=10)

    run_beat(T0 + minutes(5))
    assert len(mail.outbox) == 1
    run_beat(T0 + minutes(6))
    assert len(mail.outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_two_messages_stored_at_once_land_in_one_email() -> None:
    desk = make_desk()
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def ingest(text: str) -> None:
        try:
            start.wait(timeout=10)
            desk.buyer_says(text, at=T0)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=ingest, args=(text,)) for text in ("one", "two")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert errors == []
    [row] = ForwardedEmail.unscoped.all()
    stored = Message.unscoped.filter(conversation=desk.conversation).values_list("pk", flat=True)
    assert sorted(row.message_ids) == sorted(stored)
    assert len(row.message_ids) == 2
