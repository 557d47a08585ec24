"""Emailed replies, through Mailgun's inbound webhook as django-anymail verifies it: the
reply's own words go to the buyer in Shop chat, in 2000-character messages; everything that
must not reach a buyer is bounced (or ignored) and sends nothing."""

from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.test import Client

from helpdesk import addresses
from helpdesk.models import EmailReply
from inbox import selectors as inbox_selectors
from inbox.models import Conversation, Message, Send
from tests.helpdesk.conftest import (
    HELPDESK,
    SIGNING_KEY,
    WEBHOOK_SECRET,
    Desk,
    mailgun_post,
    make_desk,
    reply_email,
    shop_conversation,
)

pytestmark = pytest.mark.django_db

QUOTED = """
On Tue, 3 Jun 2025 at 10:02, Mali Srisuk via TikTok Shop <reply+1-2-x@reply.chatsparks.test>
wrote:

> Hi! Is the serum in stock?
> The 30 ml one
"""
SIGNATURE = "\n-- \nAnna Lee | Glow Beauty customer care\nhttps://glowbeauty.example\n"


def deliver(desk: Desk, raw: bytes, **kwargs: Any) -> Any:
    return mailgun_post(Client(), raw, recipient=desk.reply_address(), **kwargs)


def sends(desk: Desk) -> list[Send]:
    return list(Send.objects.for_workspace(desk.workspace).order_by("pk"))


def the_reply(desk: Desk) -> EmailReply:
    return EmailReply.objects.for_workspace(desk.workspace).get()


def test_a_reply_goes_to_the_buyer_in_shop_chat_split_at_2000_characters(desk: Desk) -> None:
    first = ("Yes, the 30 ml serum is in stock and ships tomorrow. " * 30).strip()  # 1589
    second = ("It comes with a free sample of our toner, while stocks last. " * 15).strip()
    body = f"{first}\n\n{second}"
    assert len(body) == 2505
    raw = reply_email(
        to=desk.reply_address(), sender=desk.agent.email, text=body + SIGNATURE + QUOTED
    )

    response = deliver(desk, raw)

    assert response.status_code == 200
    queued = sends(desk)
    assert [(s.kind, s.door, s.state, s.author) for s in queued] == [
        ("dm", "shop_chat", "pending", desk.agent),
        ("dm", "shop_chat", "pending", desk.agent),
    ]
    assert [s.text for s in queued] == [first, second]
    assert all(len(s.text) <= 2000 for s in queued)
    reply = the_reply(desk)
    assert (reply.state, reply.author, reply.from_address, reply.source) == (
        "accepted", desk.agent, desk.agent.email, "Mailgun",
    )  # fmt: skip
    assert reply.body == body  # no signature, no quoted history
    assert reply.send_ids == [s.pk for s in queued]
    assert reply.message_id == "<reply-1@mail.glowbeauty.example>"
    # The thread shows them as the agent's messages, and the agent now has the conversation.
    shown = Message.objects.for_workspace(desk.workspace).filter(direction="out")
    assert [(m.text, m.author) for m in shown.order_by("pk")] == [
        (first, desk.agent), (second, desk.agent),
    ]  # fmt: skip
    desk.conversation.refresh_from_db()
    assert (desk.conversation.state, desk.conversation.assignee) == ("human", desk.agent)
    assert mail.outbox == []  # no bounce


def test_a_reply_from_the_helpdesks_address_goes_out_as_that_member(desk: Desk) -> None:
    raw = reply_email(
        to=desk.reply_address(), sender=HELPDESK.upper(), text="Hi Mali, yes it is! 😊" + QUOTED
    )

    deliver(desk, raw)

    [send] = sends(desk)
    assert (send.text, send.author) == ("Hi Mali, yes it is! 😊", desk.helpdesk)


def test_an_html_only_reply_loses_its_quote_but_keeps_its_lines(desk: Desk) -> None:
    html = (
        '<div dir="ltr">Hi Mali,<div>It ships <b>tomorrow</b>.</div><div><br></div>'
        '<div>Track it <a href="https://glowbeauty.example/track">here</a>.</div></div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Tue, 3 Jun 2025, Mali wrote:'
        "</div><blockquote>Is it in stock?</blockquote></div>"
    )
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, html=html)

    deliver(desk, raw)

    assert the_reply(desk).body == (
        "Hi Mali,\nIt ships tomorrow.\n\nTrack it here (https://glowbeauty.example/track)."
    )
    [send] = sends(desk)  # (the inbox writes a link as plain text for Shop chat, its rule)
    assert send.text.startswith("Hi Mali,\nIt ships tomorrow.\n\nTrack it here (")


def test_the_reply_address_may_come_in_cc_or_only_in_the_envelope(desk: Desk) -> None:
    raw = reply_email(to="support@glowbeauty.example", sender=desk.agent.email, text="In Cc")
    raw = raw.replace(b"To: support@glowbeauty.example", f"Cc: {desk.reply_address()}".encode())
    deliver(desk, raw)

    raw = reply_email(
        to="undisclosed-recipients:;", sender=desk.agent.email, text="Envelope only",
        message_id="<reply-2@mail.glowbeauty.example>",
    )  # fmt: skip
    deliver(desk, raw)  # Mailgun's "recipient" field is the envelope's

    assert [s.text for s in sends(desk)] == ["In Cc", "Envelope only"]


def test_an_attachment_is_bounced_and_nothing_is_sent(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    raw = reply_email(
        to=desk.reply_address(),
        sender=desk.agent.email,
        text="Here is the invoice",
        attachments=[("invoice.pdf", "application/pdf", b"%PDF-1.4 ...")],
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(desk, raw)

    assert response.status_code == 200
    assert sends(desk) == []
    assert Message.objects.for_workspace(desk.workspace).filter(direction="out").count() == 0
    reply = the_reply(desk)
    assert (reply.state, reply.bounce_state, reply.send_ids) == ("bounced", "sent", [])
    assert reply.reason == (
        "It has 1 attachment (invoice.pdf). TikTok Shop chat takes only the text of a reply: "
        "send it again without attachments, with the text and emoji you want the buyer to read."
    )
    [bounce] = mail.outbox
    assert bounce.to == [desk.agent.email]
    assert bounce.subject == (
        "Not sent to the buyer: Re: A new message from TikTok Shop customer Mali Srisuk"
    )
    assert reply.reason in bounce.body
    assert "https://app.chatsparks.test" + desk.conversation_url() in bounce.body
    assert bounce.extra_headers["Auto-Submitted"] == "auto-replied"
    assert bounce.extra_headers["In-Reply-To"] == "<reply-1@mail.glowbeauty.example>"
    desk.conversation.refresh_from_db()
    assert desk.conversation.assignee is None  # nobody took over: nothing was said


def test_an_attached_email_and_a_file_without_disposition_count_as_attachments(
    desk: Desk,
) -> None:
    message = message_from_bytes(
        reply_email(to=desk.reply_address(), sender=desk.agent.email, text="See below"),
        policy=default_policy,
    )
    forwarded = message_from_bytes(
        reply_email(to="x@y.example", sender="someone@else.example", text="old"),
        policy=default_policy,
    )
    message.add_attachment(forwarded)  # message/rfc822
    bare = EmailMessage()
    bare.set_content(b"PK...", maintype="application", subtype="zip")
    del bare["Content-Disposition"]
    message.attach(bare)

    deliver(desk, message.as_bytes())

    reply = the_reply(desk)
    assert (reply.state, sends(desk)) == ("bounced", [])
    assert reply.reason.startswith("It has 2 attachments (an attached email, application/zip).")


def test_a_picture_inside_the_email_is_left_out_and_the_text_still_goes(desk: Desk) -> None:
    raw = reply_email(
        to=desk.reply_address(),
        sender=desk.agent.email,
        text="Thanks!",
        html='<p>Thanks!</p><img src="cid:logo@glow">',
    )
    message = message_from_bytes(raw, policy=default_policy)
    html_part = message.get_body(("html",))
    html_part.add_related(b"\x89PNG...", "image", "png", cid="<logo@glow>")
    deliver(desk, message.as_bytes())

    [send] = sends(desk)
    reply = the_reply(desk)
    assert (send.text, reply.state) == ("Thanks!", "accepted")
    assert (
        reply.reason
        == "1 picture in the email left out: Shop chat replies by email carry text only."
    )


def test_a_sender_who_is_not_a_member_is_bounced_and_learns_nothing_more(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    raw = reply_email(to=desk.reply_address(), sender="intruder@example.net", text="Buy my stuff")

    with django_capture_on_commit_callbacks(execute=True):
        deliver(desk, raw)

    assert sends(desk) == []
    reply = the_reply(desk)
    assert (reply.state, reply.author, reply.from_address) == (
        "bounced", None, "intruder@example.net",
    )  # fmt: skip
    assert reply.reason.startswith(
        "Only members of the ChatSparks workspace can answer TikTok Shop buyers by email, "
        "and intruder@example.net is not one."
    )
    [bounce] = mail.outbox
    assert bounce.to == ["intruder@example.net"]
    assert "app.chatsparks.test" not in bounce.body  # no link into the workspace


def test_a_member_of_another_workspace_is_not_a_member_here(desk: Desk) -> None:
    other = make_desk(helpdesk_address="help@rival.example")
    raw = reply_email(to=desk.reply_address(), sender=other.owner.email, text="Hello")

    deliver(desk, raw)

    assert (the_reply(desk).state, sends(desk)) == ("bounced", [])


def test_a_forged_or_altered_reply_address_is_dropped_and_nothing_is_recorded(
    desk: Desk,
) -> None:
    other = make_desk(helpdesk_address="help@rival.example")
    real = desk.reply_address()
    mac = real.split("@")[0].rsplit("-", 1)[1]
    forged = [
        # Our mac on another workspace's conversation: the mac covers both ids.
        f"reply+{other.workspace.pk}-{other.conversation.pk}-{mac}@reply.chatsparks.test",
        real.replace(mac, "a" * 24),
        real.replace("reply.chatsparks.test", "reply.evil.example"),
        "reply+1-1@reply.chatsparks.test",
    ]
    for n, address in enumerate(forged):
        raw = reply_email(
            to=address, sender=other.owner.email, text="hijack",
            message_id=f"<forged-{n}@evil.example>",
        )  # fmt: skip
        response = mailgun_post(Client(), raw, recipient=address)
        assert response.status_code == 200  # accepted and dropped: nothing to retry

    assert EmailReply.unscoped.count() == 0
    assert Send.unscoped.count() == 0
    assert mail.outbox == []


def test_the_reply_address_survives_a_mail_system_that_lowercases_it(desk: Desk) -> None:
    address = desk.reply_address()
    assert addresses.reply_target(address.upper()) == addresses.ReplyTarget(
        workspace_id=desk.workspace.pk, conversation_id=desk.conversation.pk
    )
    assert len(address.split("@")[0]) <= 64  # an RFC 5321 local part


def test_a_wrong_webhook_secret_or_signature_is_refused_and_nothing_happens(
    desk: Desk,
) -> None:
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, text="Hi")

    wrong_auth = deliver(desk, raw, basic_auth="mailgun:guess")
    wrong_key = deliver(desk, raw, signing_key="key-not-ours")
    no_auth = Client().post(
        "/webhooks/email/mailgun/inbound_mime/",
        {"recipient": desk.reply_address(), "body-mime": raw.decode()},
    )

    assert (wrong_auth.status_code, wrong_key.status_code, no_auth.status_code) == (400, 400, 400)
    assert EmailReply.unscoped.count() == 0
    assert Send.unscoped.count() == 0


def test_the_endpoint_does_not_exist_until_both_secrets_are_set(desk: Desk, settings: Any) -> None:
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, text="Hi")
    settings.ANYMAIL = {"WEBHOOK_SECRET": "", "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY}

    assert deliver(desk, raw, basic_auth="").status_code == 404
    settings.ANYMAIL = {"WEBHOOK_SECRET": WEBHOOK_SECRET}
    assert deliver(desk, raw).status_code == 404
    assert Send.unscoped.count() == 0


def test_an_email_too_big_to_read_is_refused_so_that_mailgun_stops_retrying(
    desk: Desk, settings: Any
) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    raw = reply_email(
        to=desk.reply_address(),
        sender=desk.agent.email,
        text="photo attached",
        attachments=[("photo.jpg", "image/jpeg", b"\xff" * 20_000)],
    )

    assert deliver(desk, raw).status_code == 406
    assert EmailReply.unscoped.count() == 0
    assert Send.unscoped.count() == 0


def test_an_automatic_reply_is_ignored_not_sent_and_not_answered(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    raw = reply_email(
        to=desk.reply_address(),
        sender=HELPDESK,
        text="We received your request (#1234). An agent will reply soon.",
        headers={"Auto-Submitted": "auto-replied"},
    )

    with django_capture_on_commit_callbacks(execute=True):
        deliver(desk, raw)

    reply = the_reply(desk)
    assert (reply.state, reply.reason, reply.bounce_state) == (
        "ignored", "It is an automatic reply (Auto-Submitted: auto-replied).", "",
    )  # fmt: skip
    assert sends(desk) == []
    assert mail.outbox == []


def test_a_helpdesk_that_marks_every_email_bulk_still_gets_through(desk: Desk) -> None:
    raw = reply_email(
        to=desk.reply_address(),
        sender=HELPDESK,
        text="Yes, it ships today.",
        headers={"Precedence": "bulk", "Auto-Submitted": "auto-generated"},
    )

    deliver(desk, raw)

    assert [s.text for s in sends(desk)] == ["Yes, it ships today."]


def test_the_same_email_delivered_twice_is_sent_once(desk: Desk) -> None:
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, text="Once only")

    deliver(desk, raw)
    deliver(desk, raw, token="another-event-token")

    assert [s.text for s in sends(desk)] == ["Once only"]
    assert EmailReply.unscoped.count() == 1


def test_a_reply_shop_chat_would_refuse_is_bounced_with_the_reason(desk: Desk) -> None:
    unopened = shop_conversation(desk.shop, name="Niran", buyer="")
    Conversation.objects.for_workspace(desk.workspace).filter(pk=unopened.pk).update(external_id="")
    address = desk.reply_address(unopened)
    raw = reply_email(to=address, sender=desk.agent.email, text="Hello Niran")

    mailgun_post(Client(), raw, recipient=address)

    reply = EmailReply.objects.for_workspace(desk.workspace).get(conversation=unopened)
    assert (reply.state, reply.reason) == (
        "bounced", f"TikTok Shop chat would not take it: {inbox_selectors.SHOP_CHAT_NOT_OPEN}",
    )  # fmt: skip
    assert sends(desk) == []


def test_an_empty_reply_or_forwarding_turned_off_is_bounced(desk: Desk) -> None:
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, text=QUOTED)
    deliver(desk, raw)
    desk.forwarding.enabled = False
    desk.forwarding.save()
    raw = reply_email(
        to=desk.reply_address(), sender=desk.agent.email, text="Hello",
        message_id="<reply-2@mail.glowbeauty.example>",
    )  # fmt: skip
    deliver(desk, raw)

    reasons = list(
        EmailReply.objects.for_workspace(desk.workspace).order_by("pk").values_list("reason")
    )
    assert [reason[0].split(".")[0] for reason in reasons] == [
        "We found no text above the quoted message",
        "Email forwarding is turned off for this workspace, so replies by email are not sent "
        "either",
    ]
    assert sends(desk) == []


def test_a_very_long_reply_is_bounced_rather_than_flooding_the_buyer(desk: Desk) -> None:
    raw = reply_email(to=desk.reply_address(), sender=desk.agent.email, text="word " * 5000)

    deliver(desk, raw)

    assert the_reply(desk).reason.startswith("It is 24999 characters long")
    assert sends(desk) == []


def test_a_bounce_waits_in_the_database_while_the_mail_server_is_down(
    desk: Desk, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from helpdesk import tasks

    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    raw = reply_email(to=desk.reply_address(), sender="intruder@example.net", text="Hi")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(desk, raw)
    reply = the_reply(desk)
    assert (reply.bounce_state, reply.bounce_attempts) == ("pending", 1)
    assert reply.bounce_error.startswith("ConnectionRefusedError")

    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    EmailReply.objects.for_workspace(desk.workspace).update(bounce_due_at=reply.received_at)
    tasks.mail_due()

    reply.refresh_from_db()
    assert reply.bounce_state == "sent"
    assert [m.to for m in mail.outbox] == [["intruder@example.net"]]


def test_an_eml_file_replays_through_the_same_path(desk: Desk, tmp_path: Path) -> None:
    eml = tmp_path / "reply.eml"
    eml.write_bytes(
        reply_email(to=desk.reply_address(), sender=desk.agent.email, text="From a file" + QUOTED)
    )

    call_command("helpdesk_inbound", str(eml))

    [send] = sends(desk)
    assert (send.text, the_reply(desk).source) == ("From a file", "file")
