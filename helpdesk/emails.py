"""The emails this app writes: the consolidated email of a buyer's messages, the sample one the
settings page sends, and the bounce that tells a teammate why their reply did not go out.

The consolidated email follows TikTok Shop's own (seeds/003): subject "A new message from TikTok
Shop customer {name}", text and emoji as written, pictures inline, product cards as product
names, order cards as order ids, videos as links, a button back to the conversation. It comes
from, and is answered to, the conversation's reply address (``helpdesk.addresses``), so a
helpdesk files each buyer as one customer and its replies find their way back.
"""

import re
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from helpdesk import addresses
from inbox.models import Contact, Conversation, Message
from integrations.models import Product

SUBJECT = "A new message from TikTok Shop customer {name}"


@dataclass(frozen=True)
class Item:
    """One buyer message as the email shows it. ``kind``: text, image, video, product, order,
    or other (a kind the email cannot show: the button leads to it)."""

    at: datetime
    kind: str
    text: str = ""
    url: str = ""
    cover: str = ""


def buyer_name(contact: Contact) -> str:
    """The buyer's name as Shop chat shows it, on one line (it goes into a header)."""
    name = contact.display_name or contact.handle or contact.external_id[:16] or "buyer"
    return re.sub(r"\s+", " ", name).strip()


def subject_for(contact: Contact) -> str:
    return SUBJECT.format(name=buyer_name(contact))


def conversation_url(conversation: Conversation) -> str:
    path = reverse(
        "inbox:conversation",
        kwargs={
            "workspace_id": conversation.workspace.public_id,
            "conversation_id": conversation.pk,
        },
    )
    return str(settings.PUBLIC_BASE_URL).rstrip("/") + path


def _web_url(value: Any) -> str:
    """Only http(s) links go into an email: a payload is the platform's data, not ours."""
    url = str(value or "").strip()
    return url if url.startswith(("https://", "http://")) else ""


def _product_id(payload: dict[str, Any]) -> str:
    product = payload.get("product")
    nested = product.get("product_id") if isinstance(product, dict) else None
    return str(payload.get("product_id") or nested or "")


def message_items(*, workspace_id: int, messages: Iterable[Message]) -> list[Item]:
    """The email's lines, in the order the buyer sent them; product names from the workspace's
    synced catalog (one query)."""
    ordered = sorted(messages, key=lambda m: (m.sent_at, m.pk))
    product_ids = {
        _product_id(m.payload) for m in ordered if m.kind == Message.Kind.PRODUCT_CARD
    } - {""}
    names = dict(
        Product.objects.for_workspace(workspace_id)
        .filter(external_id__in=product_ids)
        .order_by("synced_at")
        .values_list("external_id", "title")
    )
    return [_item(message, names) for message in ordered]


def _item(message: Message, product_names: dict[str, str]) -> Item:
    payload = message.payload if isinstance(message.payload, dict) else {}
    at = message.sent_at
    if message.kind == Message.Kind.TEXT:
        return Item(at=at, kind="text", text=message.text)
    if message.kind in (Message.Kind.IMAGE, Message.Kind.STICKER):
        url = _web_url(payload.get("url") or payload.get("imageUrl"))
        return Item(at=at, kind="image", url=url) if url else Item(at=at, kind="other")
    if message.kind == Message.Kind.VIDEO:
        url = _web_url(payload.get("url"))
        cover = _web_url(payload.get("cover"))
        return Item(at=at, kind="video", url=url, cover=cover) if url else Item(at=at, kind="other")
    if message.kind == Message.Kind.PRODUCT_CARD:
        product_id = _product_id(payload)
        name = product_names.get(product_id) or f"a product (ID {product_id or 'unknown'})"
        return Item(at=at, kind="product", text=name)
    if message.kind == Message.Kind.ORDER_CARD:
        return Item(at=at, kind="order", text=str(payload.get("order_id") or "unknown"))
    return Item(at=at, kind="other", text=message.text)


def _local(workspace_timezone: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(workspace_timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def forwarded_email_build(
    *,
    conversation: Conversation,
    messages: Iterable[Message],
    to_address: str,
    message_id: str,
    references: list[str],
) -> EmailMultiAlternatives:
    """The consolidated email of ``messages`` (plain text and HTML)."""
    contact = conversation.contact
    name = buyer_name(contact)
    reply_to = addresses.reply_address(
        workspace_id=conversation.workspace_id, conversation_id=conversation.pk
    )
    zone = _local(conversation.workspace.timezone)
    items = message_items(workspace_id=conversation.workspace_id, messages=messages)
    context = {
        "name": name,
        "items": [(item, timezone.localtime(item.at, zone)) for item in items],
        "conversation_url": conversation_url(conversation),
        "can_reply": bool(reply_to),
        "text_max": 2000,
        "shop": conversation.connection.display_name,
    }
    # No parentheses or quotes in the display name: once a Thai or emoji name is encoded, a
    # "(…)" in it would travel as a comment, not as part of the name.
    display = re.sub(r'[()<>"\\]', "", f"{name} via TikTok Shop")
    sender = formataddr((display, reply_to)) if reply_to else _default_from()
    headers = {
        "Message-ID": message_id,
        "References": " ".join(references),
        "In-Reply-To": references[-1],
        # Exchange and Outlook: no out-of-office or other automatic answers to this email.
        "X-Auto-Response-Suppress": "All",
    }
    message = EmailMultiAlternatives(
        subject=subject_for(contact),
        body=render_to_string("helpdesk/email/forward.txt", context),
        from_email=sender,
        to=[to_address],
        reply_to=[reply_to] if reply_to else [],
        headers=headers,
    )
    message.attach_alternative(
        render_to_string("helpdesk/email/forward.html", context), "text/html"
    )
    return message


def _default_from() -> str:
    return str(settings.DEFAULT_FROM_EMAIL)


def sample_email_build(*, workspace: Any, to_address: str) -> EmailMultiAlternatives:
    """What the settings page's "Send a test email" sends: a made-up buyer's messages, one of
    each kind, in the format of the real thing; replying to it goes nowhere."""
    now = timezone.now()
    items = [
        Item(at=now, kind="text", text="Hi! Is the Vitamin C serum still in stock? 😊"),
        Item(at=now, kind="product", text="Hydra Glow Vitamin C Serum (30 ml)"),
        Item(at=now, kind="order", text="577087614418520000"),
        Item(at=now, kind="video", url="https://www.tiktok.com/", cover=""),
    ]
    zone = _local(workspace.timezone)
    context = {
        "name": "Sample Buyer",
        "items": [(item, timezone.localtime(item.at, zone)) for item in items],
        "conversation_url": str(settings.PUBLIC_BASE_URL).rstrip("/")
        + reverse("helpdesk:settings", kwargs={"workspace_id": workspace.public_id}),
        "can_reply": False,
        "sample": True,
        "text_max": 2000,
        "shop": workspace.name,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECT.format(name="Sample Buyer") + " (test)",
        body=render_to_string("helpdesk/email/forward.txt", context),
        from_email=_default_from(),
        to=[to_address],
        headers={"X-Auto-Response-Suppress": "All"},
    )
    message.attach_alternative(
        render_to_string("helpdesk/email/forward.html", context), "text/html"
    )
    return message


def bounce_build(
    *,
    to_address: str,
    subject: str,
    reason: str,
    in_reply_to: str,
    conversation_link: str,
) -> EmailMultiAlternatives:
    """The answer to a reply that was not sent to the buyer. Marked ``auto-replied`` (RFC 3834)
    so that no helpdesk or autoresponder answers it in turn."""
    headers = {"Auto-Submitted": "auto-replied"}
    if in_reply_to:
        headers |= {"In-Reply-To": in_reply_to, "References": in_reply_to}
    context = {"reason": reason, "conversation_url": conversation_link, "subject": subject}
    return EmailMultiAlternatives(
        subject=f"Not sent to the buyer: {subject}" if subject else "Your reply was not sent",
        body=render_to_string("helpdesk/email/bounce.txt", context),
        from_email=_default_from(),
        to=[to_address],
        headers=headers,
    )
