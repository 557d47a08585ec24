"""The helpdesk panel on a conversation and Settings → Helpdesk forwarding: what each shows,
to whom, and that a refusal changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from chatsparks.workspaces.models import AuditEntry
from helpdesk import forwarding
from helpdesk.models import ForwardingSettings
from tests.conftest import client_for
from tests.factories import MembershipFactory
from tests.helpdesk.conftest import (
    HELPDESK,
    T0,
    Desk,
    mailgun_post,
    make_desk,
    reply_email,
    shop_conversation,
)

pytestmark = pytest.mark.django_db


def conversation_page(desk: Desk, client: Client, conversation: Any = None) -> str:
    response = client.get(desk.conversation_url(conversation))
    assert response.status_code == 200
    return response.content.decode()


def settings_url(desk: Desk) -> str:
    return reverse("helpdesk:settings", kwargs={"workspace_id": desk.workspace.public_id})


def test_the_panel_shows_this_conversations_emails_and_replies_with_their_states(
    desk: Desk,
) -> None:
    desk.buyer_says("Is it in stock?", at=T0)
    forwarding.forwarded_emails_send_due_unscoped(now=T0 + timedelta(minutes=5))
    desk.buyer_says("Hello?", at=T0 + timedelta(minutes=30))  # still collecting
    mailgun_post(
        Client(),
        reply_email(to=desk.reply_address(), sender=desk.agent.email, text="Yes it is!"),
        recipient=desk.reply_address(),
    )
    mailgun_post(
        Client(),
        reply_email(
            to=desk.reply_address(),
            sender="intruder@example.net",
            text="spam",
            message_id="<spam@example.net>",
        ),
        recipient=desk.reply_address(),
    )

    html = conversation_page(desk, client_for(desk.agent))

    assert "Helpdesk email" in html
    assert f"Buyer messages go to {HELPDESK} in one email, 5 min after" in html
    assert html.count("data-forwarded-email=") == 2
    assert 'data-email-state="sent"' in html
    assert 'data-email-state="waiting"' in html
    assert f"to {HELPDESK}" in html
    assert html.count("data-email-reply=") == 2
    assert "Sent to the buyer" in html
    assert "1 Shop chat message:" in html
    assert '<span class="delivery delivery-amber" data-delivery="pending">Pending</span>' in html
    assert "Bounced" in html
    assert "intruder@example.net is not one" in html


def test_the_panel_never_shows_another_conversations_or_workspaces_emails(desk: Desk) -> None:
    neighbour = shop_conversation(desk.shop, name="Niran", buyer="7494560109732300001")
    other = make_desk(helpdesk_address="help@rival.example")
    desk.buyer_says("mine", at=T0)
    desk.buyer_says("the neighbour's", at=T0, conversation=neighbour)
    other.buyer_says("the rival's", at=T0)
    forwarding.forwarded_emails_send_due_unscoped(now=T0 + timedelta(minutes=5))

    html = conversation_page(desk, client_for(desk.agent))

    [mine] = desk.conversation.forwarded_emails.all()
    [theirs] = neighbour.forwarded_emails.all()
    [rivals] = other.conversation.forwarded_emails.all()
    assert f'data-forwarded-email="{mine.pk}"' in html
    assert f'data-forwarded-email="{theirs.pk}"' not in html
    assert f'data-forwarded-email="{rivals.pk}"' not in html
    assert "help@rival.example" not in html


def test_no_panel_where_nothing_was_forwarded_and_forwarding_is_off(desk: Desk) -> None:
    desk.forwarding.enabled = False
    desk.forwarding.save()

    assert "Helpdesk email" not in conversation_page(desk, client_for(desk.agent))


def test_an_owner_turns_forwarding_on_and_it_is_audited_without_the_address(desk: Desk) -> None:
    ForwardingSettings.objects.for_workspace(desk.workspace).delete()
    client = client_for(desk.owner)
    assert "Helpdesk forwarding" in client.get(settings_url(desk)).content.decode()

    response = client.post(
        settings_url(desk),
        {"enabled": "on", "address": " Help@GlowBeauty.example ", "window_minutes": "15"},
    )

    assert response.status_code == 302
    saved = ForwardingSettings.objects.for_workspace(desk.workspace).get()
    assert (saved.enabled, saved.address, saved.window_minutes, saved.updated_by) == (
        True, "help@glowbeauty.example", 15, desk.owner,
    )  # fmt: skip
    entry = AuditEntry.objects.filter(workspace=desk.workspace).latest("pk")
    assert entry.detail == {"helpdesk_forwarding": {"enabled": True, "window_minutes": 15}}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"enabled": "on", "address": "", "window_minutes": "5"}, "Enter the address"),
        ({"enabled": "on", "address": "not-an-email", "window_minutes": "5"}, "valid email"),
        ({"enabled": "on", "address": HELPDESK, "window_minutes": "61"}, "less than or equal"),
        ({"enabled": "on", "address": HELPDESK, "window_minutes": "0"}, "greater than or equal"),
    ],
)
def test_invalid_settings_are_refused_and_nothing_changes(
    desk: Desk, data: dict[str, str], error: str
) -> None:
    before = list(ForwardingSettings.unscoped.values())

    response = client_for(desk.owner).post(settings_url(desk), data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(ForwardingSettings.unscoped.values()) == before


def test_the_page_says_when_the_helpdesk_address_cannot_reply(desk: Desk) -> None:
    desk.forwarding.address = "nobody@glowbeauty.example"
    desk.forwarding.save()

    html = client_for(desk.owner).get(settings_url(desk)).content.decode()

    assert "data-address-not-member" in html
    assert "nobody@glowbeauty.example is not a member of this workspace" in html


def test_the_page_says_when_this_server_takes_no_replies(desk: Desk, settings: Any) -> None:
    settings.HELPDESK_INBOUND_DOMAIN = ""

    html = client_for(desk.owner).get(settings_url(desk)).content.decode()

    assert "data-replies-off" in html


def test_a_test_email_goes_to_the_saved_address_in_the_real_format(desk: Desk) -> None:
    url = reverse("helpdesk:sample_email", kwargs={"workspace_id": desk.workspace.public_id})

    response = client_for(desk.owner).post(url, follow=True)

    assert "A test email is on its way to" in response.content.decode()
    [email] = mail.outbox
    assert email.to == [HELPDESK]
    assert email.subject == "A new message from TikTok Shop customer Sample Buyer (test)"
    assert "Product: Hydra Glow Vitamin C Serum (30 ml)" in email.body
    assert email.reply_to == []  # a reply to a sample goes nowhere


def test_a_test_email_that_fails_says_why(desk: Desk, settings: Any) -> None:
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": 1, "timeout": 2},
        }
    }
    url = reverse("helpdesk:sample_email", kwargs={"workspace_id": desk.workspace.public_id})

    response = client_for(desk.owner).post(url, follow=True)

    assert "The test email could not be sent: ConnectionRefusedError" in response.content.decode()


@pytest.mark.parametrize("role", ["member", "admin"])
def test_members_and_admins_are_refused_the_settings_and_nothing_changes(
    desk: Desk, role: str
) -> None:
    user = MembershipFactory(workspace=desk.workspace, role=role).user
    client = client_for(user)
    before = list(ForwardingSettings.unscoped.values())
    url = reverse("helpdesk:sample_email", kwargs={"workspace_id": desk.workspace.public_id})

    assert client.get(settings_url(desk)).status_code == 403
    assert (
        client.post(settings_url(desk), {"enabled": "", "window_minutes": "5"}).status_code == 403
    )
    assert client.post(url).status_code == 403
    assert list(ForwardingSettings.unscoped.values()) == before
    assert mail.outbox == []


def test_another_workspaces_owner_gets_a_404_and_nothing_changes(desk: Desk) -> None:
    other = make_desk(helpdesk_address="help@rival.example")
    client = client_for(other.owner)
    before = list(ForwardingSettings.unscoped.values())

    assert client.get(settings_url(desk)).status_code == 404
    assert (
        client.post(settings_url(desk), {"enabled": "", "window_minutes": "5"}).status_code == 404
    )
    assert list(ForwardingSettings.unscoped.values()) == before
