"""A TikTok Shop with a Shop chat conversation, a team, and forwarding to its helpdesk.

Shop chat ingest is built separately; these tests store buyer messages the way it does:
the message row, then ``inbox.hooks.message_received`` in the same transaction."""

import base64
import hashlib
import hmac
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatsparks.users.models import User
from chatsparks.workspaces.models import Workspace
from chatsparks.workspaces.roles import Role
from helpdesk import addresses
from helpdesk.models import ForwardingSettings
from inbox import hooks
from inbox.models import Contact, Conversation, Message
from integrations.models import Connection, Product
from tests.factories import (
    ContactFactory,
    MembershipFactory,
    ShopConnectionFactory,
    UserFactory,
)

INBOUND_DOMAIN = "reply.chatsparks.test"
WEBHOOK_SECRET = "mailgun:basic-auth-s3cret"
SIGNING_KEY = "key-0123456789abcdef"
HELPDESK = "support@glowbeauty.example"
SERUM_ID, SERUM = "1729001001", "Hydra Glow Vitamin C Serum (30 ml)"
# A whole minute, an hour ago: the beat's clock is passed explicitly from here.
T0 = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)


@pytest.fixture(autouse=True)
def _replies_by_email(settings: Any) -> None:
    settings.HELPDESK_INBOUND_DOMAIN = INBOUND_DOMAIN
    settings.ANYMAIL = {
        "WEBHOOK_SECRET": WEBHOOK_SECRET,
        "MAILGUN_WEBHOOK_SIGNING_KEY": SIGNING_KEY,
    }
    settings.PUBLIC_BASE_URL = "https://app.chatsparks.test"


@dataclass
class Desk:
    workspace: Workspace
    owner: User
    agent: User  # a member who replies from their own mailbox
    helpdesk: User  # the helpdesk's support address, invited as a member
    shop: Connection
    contact: Contact
    conversation: Conversation
    forwarding: ForwardingSettings

    def buyer_says(
        self,
        text: str = "",
        *,
        at: datetime,
        kind: str = Message.Kind.TEXT,
        payload: dict[str, Any] | None = None,
        conversation: Conversation | None = None,
        direction: str = Message.Direction.INBOUND,
    ) -> Message:
        conversation = conversation or self.conversation
        with transaction.atomic():
            message = Message.objects.create(
                workspace=conversation.workspace,
                conversation=conversation,
                direction=direction,
                kind=kind,
                text=text,
                payload=payload or {},
                external_id=f"m{uuid.uuid4().hex[:20]}",
                sent_at=at,
            )
            if direction == Message.Direction.INBOUND:
                hooks.message_received(message)
        return message

    def reply_address(self, conversation: Conversation | None = None) -> str:
        conversation = conversation or self.conversation
        return addresses.reply_address(
            workspace_id=conversation.workspace_id, conversation_id=conversation.pk
        )

    def conversation_url(self, conversation: Conversation | None = None) -> str:
        conversation = conversation or self.conversation
        return reverse(
            "inbox:conversation",
            kwargs={
                "workspace_id": conversation.workspace.public_id,
                "conversation_id": conversation.pk,
            },
        )


def shop_conversation(shop: Connection, *, name: str, buyer: str) -> Conversation:
    contact = ContactFactory(
        workspace=shop.workspace, display_name=name, handle="", shop_buyer_id=buyer
    )
    return Conversation.objects.create(
        workspace=shop.workspace,
        connection=shop,
        contact=contact,
        channel=Conversation.Channel.SHOP_CHAT,
        external_id=f"71068883239226{buyer[-5:]}",
        last_inbound_at=T0,
        last_message_at=T0,
    )


def make_desk(*, helpdesk_address: str = HELPDESK) -> Desk:
    owner = MembershipFactory(role=Role.OWNER).user
    workspace = owner.memberships.get().workspace
    agent = MembershipFactory(workspace=workspace, role=Role.MEMBER).user
    helpdesk = MembershipFactory(
        workspace=workspace, role=Role.MEMBER, user=UserFactory(email=helpdesk_address)
    ).user
    shop = ShopConnectionFactory(workspace=workspace, display_name="Glow Beauty UK")
    conversation = shop_conversation(shop, name="Mali Srisuk", buyer="7494560109732338459")
    Product.objects.create(workspace=workspace, connection=shop, external_id=SERUM_ID, title=SERUM)
    forwarding = ForwardingSettings.objects.create(
        workspace=workspace, enabled=True, address=helpdesk_address, window_minutes=5
    )
    return Desk(
        workspace=workspace,
        owner=owner,
        agent=agent,
        helpdesk=helpdesk,
        shop=shop,
        contact=conversation.contact,
        conversation=conversation,
        forwarding=forwarding,
    )


@pytest.fixture
def desk(db: Any) -> Desk:
    return make_desk()


# --- Emails as a helpdesk sends them ------------------------------------------------------------


def reply_email(
    *,
    to: str,
    sender: str,
    text: str | None = None,
    html: str | None = None,
    subject: str = "Re: A new message from TikTok Shop customer Mali Srisuk",
    message_id: str = "<reply-1@mail.glowbeauty.example>",
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, bytes]] = (),  # type: ignore[assignment]
) -> bytes:
    """An RFC 822 reply; ``attachments`` are (filename, mime type, content)."""
    message = EmailMessage()
    message["From"] = f"Glow Support <{sender}>"
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id
    message["In-Reply-To"] = "<forwarded@reply.chatsparks.test>"
    for name, value in (headers or {}).items():
        message[name] = value
    if text is not None:
        message.set_content(text)
    if html is not None:
        if text is None:
            message.set_content(html, subtype="html")
        else:
            message.add_alternative(html, subtype="html")
    for filename, mime, content in attachments:
        maintype, subtype = mime.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def mailgun_post(
    client: Client,
    raw: bytes,
    *,
    recipient: str,
    basic_auth: str = WEBHOOK_SECRET,
    signing_key: str = SIGNING_KEY,
    token: str = "a1b2c3d4e5f6",  # noqa: S107 - a made-up Mailgun event token
) -> Any:
    """What Mailgun's ``forward()`` route posts to a URL with "mime" in it."""
    timestamp = str(int(timezone.now().timestamp()))
    signature = hmac.new(
        signing_key.encode(), f"{timestamp}{token}".encode(), hashlib.sha256
    ).hexdigest()
    return client.post(
        reverse("helpdesk:inbound_mailgun"),
        {
            "recipient": recipient,
            "sender": "bounce@mail.glowbeauty.example",
            "body-mime": raw.decode(),
            "timestamp": timestamp,
            "token": token,
            "signature": signature,
        },
        HTTP_AUTHORIZATION="Basic " + base64.b64encode(basic_auth.encode()).decode(),
    )
