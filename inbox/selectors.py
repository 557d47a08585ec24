"""Reads of the inbox."""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db.models import (
    DateTimeField,
    Exists,
    F,
    FloatField,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
)
from django.db.models.functions import Cast, Ceil, Extract, Now
from django.utils import timezone

from chatsparks.workspaces.models import Workspace
from chatsparks.workspaces.selectors import member_list
from inbox import dm, shop_orders
from inbox.models import (
    Contact,
    Conversation,
    Message,
    SavedReply,
    SavedView,
    ShopChatSettings,
    ShopChatStatus,
)
from integrations.capabilities import Capability, capabilities_for
from integrations.models import Connection, Product, Provider, Sku

INBOX_STATES = (Conversation.State.BOT, Conversation.State.HUMAN, Conversation.State.WAITING)


class Show:
    """The inbox's main filters (the ``show`` query parameter)."""

    ALL = "all"
    MINE = "mine"
    UNASSIGNED = "unassigned"
    MENTIONS = "mentions"
    CLOSED = "closed"

    choices = (
        (ALL, "All"),
        (MINE, "Mine"),
        (UNASSIGNED, "Unassigned humans"),
        (MENTIONS, "Mentions me"),
        (CLOSED, "Closed"),
    )


@dataclass(frozen=True)
class InboxFilter:
    """One inbox list, as the query string names it. Every part narrows the list further."""

    show: str = Show.ALL
    state: str = ""  # bot, human or waiting: narrows the open views
    tag: str = ""
    trigger: int | None = None
    q: str = ""

    def query(self) -> str:
        """The canonical query string of this filter (what a saved view stores)."""
        pairs: list[tuple[str, Any]] = []
        if self.show != Show.ALL:
            pairs.append(("show", self.show))
        for name in ("state", "tag", "trigger", "q"):
            value = getattr(self, name)
            if value not in ("", None):
                pairs.append((name, value))
        return urlencode(pairs)


def conversation_list(
    *, workspace: Workspace, user: Any, filters: InboxFilter | None = None
) -> QuerySet[Conversation]:
    """Conversations for the inbox, newest activity first. Open ones unless ``show`` is
    ``closed``. Each row carries its last message (``last_text``, ``last_kind``,
    ``last_direction``) and, for a TikTok DM, the hours its messaging window has left
    (``window_hours_left``, negative once closed), so a page of cards is one query."""
    filters = filters or InboxFilter()
    conversations = Conversation.objects.for_workspace(workspace).select_related(
        "contact", "assignee"
    )
    if filters.show == Show.CLOSED:
        conversations = conversations.filter(state=Conversation.State.CLOSED)
    elif filters.state in INBOX_STATES:
        conversations = conversations.filter(state=filters.state)
    else:
        conversations = conversations.filter(state__in=INBOX_STATES)

    if filters.show == Show.MINE:
        conversations = conversations.filter(assignee=user)
    elif filters.show == Show.UNASSIGNED:
        conversations = conversations.filter(state=Conversation.State.HUMAN, assignee=None)
    elif filters.show == Show.MENTIONS:
        mentioned = Message.objects.for_workspace(workspace).filter(
            conversation=OuterRef("pk"), mentions__contains=[user.pk]
        )
        conversations = conversations.filter(Exists(mentioned))
    if filters.tag:
        conversations = conversations.filter(contact__tags__contains=[filters.tag])
    if filters.trigger is not None:
        conversations = conversations.filter(trigger_id=filters.trigger)
    if filters.q:
        said = Message.objects.for_workspace(workspace).filter(
            conversation=OuterRef("pk"), text__icontains=filters.q
        )
        conversations = conversations.filter(
            Q(contact__handle__icontains=filters.q.lstrip("@"))
            | Q(contact__display_name__icontains=filters.q)
            | Exists(said)
        )
    return _with_card_fields(workspace, conversations).order_by(
        F("last_message_at").desc(nulls_last=True), "-id"
    )


def _with_card_fields(
    workspace: Workspace, conversations: QuerySet[Conversation]
) -> QuerySet[Conversation]:
    # System notes ("X took over") say nothing about what the buyer and the team said.
    last = (
        Message.objects.for_workspace(workspace)
        .filter(conversation=OuterRef("pk"))
        .exclude(kind=Message.Kind.SYSTEM)
        .order_by("-sent_at", "-id")
    )
    window_end = F("last_inbound_at") + dm.WINDOW
    return conversations.annotate(
        last_text=Subquery(last.values("text")[:1], output_field=TextField()),
        last_kind=Subquery(last.values("kind")[:1], output_field=TextField()),
        last_direction=Subquery(last.values("direction")[:1], output_field=TextField()),
        last_sent_at=Subquery(last.values("sent_at")[:1], output_field=DateTimeField()),
        window_hours_left=Cast(
            Ceil(Extract(window_end - Now(), "epoch", output_field=FloatField()) / 3600.0),
            output_field=IntegerField(),
        ),
    )


def conversation_get(*, workspace: Workspace, conversation_id: int) -> Conversation | None:
    return (
        Conversation.objects.for_workspace(workspace)
        .select_related("contact", "assignee")
        .filter(pk=conversation_id)
        .first()
    )


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return (
        Message.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .select_related("author", "send")
    )


def contact_list(*, workspace: Workspace) -> QuerySet[Contact]:
    return Contact.objects.for_workspace(workspace).order_by("-last_seen_at", "-id")


def tag_choices(*, workspace: Workspace) -> list[str]:
    """Every tag on a contact who has a conversation, alphabetically."""
    tags = (
        Contact.objects.for_workspace(workspace)
        .filter(conversations__isnull=False)
        .annotate(tag=Func(F("tags"), function="unnest", output_field=TextField()))
        .values_list("tag", flat=True)
        .distinct()
    )
    return sorted(set(tags), key=str.casefold)


def trigger_choices(*, workspace: Workspace) -> list[tuple[int, str]]:
    """(trigger id, name) of the triggers that started conversations. A renamed trigger keeps
    its id: the name of its latest conversation stands for it."""
    rows = (
        Conversation.objects.for_workspace(workspace)
        .exclude(trigger_id=None)
        .order_by("trigger_id", "-id")
        .values_list("trigger_id", "trigger_name")
    )
    names: dict[int, str] = {}
    for trigger_id, name in rows:
        names.setdefault(trigger_id, name or f"Trigger {trigger_id}")
    return sorted(names.items(), key=lambda item: item[1].casefold())


def saved_view_list(*, workspace: Workspace, user: Any) -> QuerySet[SavedView]:
    """A teammate's own saved views: nobody else sees them."""
    return SavedView.objects.for_workspace(workspace).filter(user=user)


def saved_view_get(*, workspace: Workspace, user: Any, view_id: int) -> SavedView | None:
    return saved_view_list(workspace=workspace, user=user).filter(pk=view_id).first()


def saved_reply_list(*, workspace: Workspace) -> QuerySet[SavedReply]:
    return SavedReply.objects.for_workspace(workspace)


def saved_reply_get(*, workspace: Workspace, reply_id: int) -> SavedReply | None:
    return saved_reply_list(workspace=workspace).filter(pk=reply_id).first()


# --- Teammates and @mentions ---------------------------------------------------------------


@dataclass(frozen=True)
class Teammate:
    user_id: int
    label: str


def teammate_list(*, workspace: Workspace) -> list[Teammate]:
    return [
        Teammate(user_id=m.user_id, label=m.user.label) for m in member_list(workspace=workspace)
    ]


def mention_pattern(teammates: list[Teammate]) -> re.Pattern[str] | None:
    """``@<label>`` for any teammate, the longest label first so ``@Anna`` is never read as
    ``@Ann``; a mention ends where a word does."""
    labels = sorted({t.label for t in teammates if t.label}, key=len, reverse=True)
    if not labels:
        return None
    return re.compile(
        "@(" + "|".join(re.escape(label) for label in labels) + r")(?!\w)", re.IGNORECASE
    )


def mentions_in(text: str, teammates: list[Teammate]) -> list[int]:
    """The ids of the teammates ``text`` mentions, in order of first mention."""
    pattern = mention_pattern(teammates)
    if pattern is None:
        return []
    by_label = {t.label.casefold(): t.user_id for t in teammates}
    found: list[int] = []
    for match in pattern.finditer(text):
        user_id = by_label[match.group(1).casefold()]
        if user_id not in found:
            found.append(user_id)
    return found


# --- The messaging window --------------------------------------------------------------------

WINDOW_CLOSED = "TikTok only allows replies within 48 hours of their last message."
WINDOW_NEVER_OPENED = (
    "They have not written to you yet: TikTok only allows replies within 48 hours of their "
    "last message."
)
SHOP_CHAT_NOT_OPEN = "TikTok Shop has not opened a chat with this buyer yet."
SHOP_CHAT_CLOSED_BY_RULES = (
    "TikTok Shop no longer lets you write to this buyer: no chat in the last 30 days, no order "
    "in the last 60 days and no return or refund."
)
WINDOW_FULL = (
    f"TikTok allows {dm.WINDOW_MESSAGES} messages after their last one: "
    "wait until they write again."
)


def reply_blocker(conversation: Conversation, *, now: datetime | None = None) -> str:
    """Why a teammate cannot DM this conversation right now, or ``""`` if they can. Shop
    chat has no window on our side: it needs a chat TikTok opened or a buyer id to open one;
    whether TikTok still lets the seller reach that buyer is its call, and a refusal shows as a
    failed send."""
    if conversation.channel == Conversation.Channel.SHOP_CHAT:
        if not (conversation.external_id or conversation.contact.shop_buyer_id):
            return SHOP_CHAT_NOT_OPEN
        if ShopChatStatus.unscoped.filter(
            conversation_id=conversation.pk, can_send_message=False
        ).exists():
            return SHOP_CHAT_CLOSED_BY_RULES
        return ""
    now = now or timezone.now()
    if dm.window_open(conversation, now=now):
        return ""
    if not conversation.external_id or conversation.last_inbound_at is None:
        return WINDOW_NEVER_OPENED
    if now - conversation.last_inbound_at >= dm.WINDOW:
        return WINDOW_CLOSED
    return WINDOW_FULL


def hours_left_in_window(conversation: Conversation, *, now: datetime | None = None) -> int | None:
    """Whole hours (rounded up) until the messaging window closes; ``None`` if none is open."""
    if conversation.last_inbound_at is None:
        return None
    left = conversation.last_inbound_at + dm.WINDOW - (now or timezone.now())
    if left.total_seconds() <= 0:
        return None
    return -(-int(left.total_seconds()) // 3600)


# --- Product cards ---------------------------------------------------------------------------

# TikTok Shop product pages: shop.tiktok.com, www.tiktok.com, m.tiktok.com …/view/product/<id>
PRODUCT_URL = re.compile(
    r"https?://(?:[a-z0-9-]+\.)*tiktok\.com/view/product/(\d{6,25})\b[^\s]*", re.IGNORECASE
)


@dataclass(frozen=True)
class ProductLink:
    url: str
    product_id: str


def product_link_in(text: str) -> ProductLink | None:
    """The first TikTok Shop product URL pasted into ``text``."""
    match = PRODUCT_URL.search(text)
    return ProductLink(url=match.group(0), product_id=match.group(1)) if match else None


def product_card(*, workspace: Workspace, product_id: str) -> dict[str, Any] | None:
    """The card of a product in the workspace's synced catalog (a DM's ``payload["product"]``),
    or ``None`` when it is not there. Its cheapest SKU gives the price; stock is the product's
    total across SKUs."""
    product = (
        Product.objects.for_workspace(workspace)
        .filter(external_id=product_id)
        .exclude(status__in=["DELETED", "deleted"])
        .order_by("-synced_at")
        .first()
    )
    if product is None:
        return None
    skus = list(
        Sku.objects.for_workspace(workspace).filter(product=product).order_by("price", "id")
    )
    cheapest = skus[0] if skus else None
    return {
        "product_id": product.external_id,
        "sku_id": cheapest.external_id if cheapest else "",
        "title": product.title,
        "price": str(cheapest.price) if cheapest else "",
        "currency": cheapest.currency if cheapest else "",
        "stock": sum(max(sku.stock, 0) for sku in skus),
        "url": str(settings.TIKTOK_SHOP_PRODUCT_URL).format(product_id=product.external_id),
    }


def price_label(card: dict[str, Any]) -> str:
    """``390.00 THB``: the amount as synced (a Decimal string), with its currency."""
    if not card.get("price"):
        return ""
    return f"{Decimal(str(card['price'])):,} {card.get('currency', '')}".strip()


# --- TikTok Shop chat ----------------------------------------------------------------------

SHOP_IMAGE_MAX_BYTES = 10 * 1024 * 1024
# TikTok's rules for a seller writing first (tiktok-wire.md §4.1).
SHOP_CHATTED_WITHIN = timedelta(days=30)
SHOP_ORDERED_WITHIN = timedelta(days=60)
_SCHEME = re.compile(r"\bhttps?://", re.IGNORECASE)


def plain_links(text: str) -> str:
    """Shop chat carries no hyperlinks (tiktok-wire.md §4.1): a link goes as plain text, its
    scheme left off so that nothing on either side turns it back into one."""
    return _SCHEME.sub("", text)


def split_text(text: str, limit: int = dm.SHOP_TEXT_MAX) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut between words (a word longer
    than ``limit`` is cut where it must be). Nothing but the cut whitespace is lost."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind(" "), window.rfind("\n"), window.rfind("\t"))
        if cut <= 0:
            cut = limit
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        parts.append(rest)
    return parts


def shop_text_too_long(length: int) -> str:
    """``2,512 characters: Shop chat takes 2,000 per message.``"""
    return f"{length:,} characters: Shop chat takes {dm.SHOP_TEXT_MAX:,} per message."


def shop_bot_enabled(*, connection_id: int) -> bool:
    """May ChatSparks' bot write in this Shop account's chats? Off until the workspace says so:
    TikTok Shop's own automation answers there otherwise (see ``ShopChatSettings``)."""
    return ShopChatSettings.unscoped.filter(connection_id=connection_id, bot_enabled=True).exists()


def shop_bot_enabled_ids(*, workspace: Workspace | int) -> set[int]:
    """The workspace's Shop accounts whose chat the bot may write in (``shop_bot_enabled``)."""
    return set(
        ShopChatSettings.objects.for_workspace(workspace)
        .filter(bot_enabled=True)
        .values_list("connection_id", flat=True)
    )


def shop_chat_connections(*, workspace: Workspace | int) -> QuerySet[Connection]:
    """The workspace's TikTok Shop accounts, oldest first."""
    return Connection.objects.for_workspace(workspace).filter(provider=Provider.TIKTOK_SHOP)


def shop_settings_list(*, workspace: Workspace) -> list[tuple[Connection, ShopChatSettings | None]]:
    rows = {
        row.connection_id: row
        for row in ShopChatSettings.objects.for_workspace(workspace).select_related("updated_by")
    }
    return [(c, rows.get(c.pk)) for c in shop_chat_connections(workspace=workspace).order_by("id")]


def shop_chat_capable(connection: Connection) -> bool:
    live = connection.status in (Connection.Status.CONNECTED, Connection.Status.NEEDS_ATTENTION)
    return live and Capability.SHOP_CHAT in capabilities_for(
        connection.provider, set(connection.granted_scopes)
    )


def shop_chat_connection(*, workspace: Workspace | int) -> Connection | None:
    """The Shop account whose chat the workspace writes in: the first live one allowed to."""
    capable = (c for c in shop_chat_connections(workspace=workspace) if shop_chat_capable(c))
    return next(capable, None)


def shop_conversation_of_buyer(
    *, connection: Connection, buyer_user_id: str
) -> Conversation | None:
    """The buyer's Shop chat on this account (TikTok keeps one per buyer and shop), whichever
    of the buyer's contacts it was opened with."""
    if not buyer_user_id:
        return None
    return (
        Conversation.objects.for_workspace(connection.workspace_id)
        .filter(
            connection=connection,
            channel=Conversation.Channel.SHOP_CHAT,
            contact__shop_buyer_id=buyer_user_id,
        )
        .select_related("contact")
        .order_by("id")
        .first()
    )


@dataclass(frozen=True)
class ShopChatEligibility:
    """May the seller open (or reopen) a Shop chat with this contact now, and why (not)."""

    allowed: bool
    reason: str  # why not, in the teammate's terms; "" when allowed
    basis: str  # which of TikTok's rules allows it; "" when not allowed
    connection: Connection | None = None
    conversation: Conversation | None = None


def _ago(then: datetime, now: datetime) -> str:
    days = (now - then).days
    return "today" if days == 0 else ("1 day ago" if days == 1 else f"{days} days ago")


def shop_chat_eligibility(*, contact: Contact, now: datetime | None = None) -> ShopChatEligibility:
    """TikTok lets a seller write first only to a buyer who chatted with the shop in the last
    30 days, ordered in the last 60, or has a return or refund (tiktok-wire.md §4.1).

    For a chat TikTok already listed, its own answer (``can_send_message``, as last read)
    decides, unless something we saw since then satisfies a rule; otherwise the rules are
    applied to what we hold: the Shop chat messages stored here and the buyer's orders.
    TikTok can still refuse (45109003) on facts we do not have, and the refusal is shown."""
    now = now or timezone.now()
    buyer = contact.shop_buyer_id
    if not buyer:
        return ShopChatEligibility(
            False, "Not recognised as a TikTok Shop buyer: a Shop chat needs the buyer's id.", ""
        )
    connection = shop_chat_connection(workspace=contact.workspace_id)
    if connection is None:
        return ShopChatEligibility(
            False,
            "No TikTok Shop account with the customer service permission is connected.",
            "",
        )
    conversation = shop_conversation_of_buyer(connection=connection, buyer_user_id=buyer)
    last_chat_at = (
        Message.objects.for_workspace(contact.workspace_id)
        .filter(
            conversation__connection=connection,
            conversation__channel=Conversation.Channel.SHOP_CHAT,
            conversation__contact__shop_buyer_id=buyer,
            direction__in=[Message.Direction.INBOUND, Message.Direction.OUTBOUND],
        )
        .order_by("-sent_at")
        .values_list("sent_at", flat=True)
        .first()
    )
    history = shop_orders.source().buyer_history(
        workspace_id=contact.workspace_id, buyer_user_id=buyer
    )
    basis = ""
    if last_chat_at is not None and now - last_chat_at <= SHOP_CHATTED_WITHIN:
        basis = f"chatted with the shop {_ago(last_chat_at, now)}"
    elif history.last_order_at is not None and now - history.last_order_at <= SHOP_ORDERED_WITHIN:
        basis = f"ordered {_ago(history.last_order_at, now)}"
    elif history.refunded:
        basis = "has a return or refund with the shop"
    status = (
        ShopChatStatus.unscoped.filter(conversation=conversation).first() if conversation else None
    )
    if status is not None:
        newer = max(filter(None, [last_chat_at, history.last_order_at]), default=None)
        if status.can_send_message:
            basis = basis or "TikTok Shop lists the chat as open to messages"
        elif not (basis and newer is not None and newer > status.checked_at):
            return ShopChatEligibility(
                False, SHOP_CHAT_CLOSED_BY_RULES, "", connection, conversation
            )
    if basis:
        return ShopChatEligibility(True, "", basis, connection, conversation)
    chat = (
        f"no Shop chat in the last 30 days (the last was {_ago(last_chat_at, now)})"
        if last_chat_at
        else "no Shop chat in the last 30 days"
    )
    order = (
        f"no order in the last 60 days (the last was {_ago(history.last_order_at, now)})"
        if history.last_order_at
        else "no order in the last 60 days on record"
    )
    reason = (
        f"TikTok Shop lets a seller write first only to a buyer who chatted in the last 30 "
        f"days, ordered in the last 60 days, or has a return or refund. This buyer has {chat}, "
        f"{order}, and no return or refund."
    )
    return ShopChatEligibility(False, reason, "", connection, conversation)


def shop_product_search(*, workspace: Workspace, q: str = "", limit: int = 8) -> list[Product]:
    """Catalog products for the card picker, by name or product id; live ones first."""
    products = (
        Product.objects.for_workspace(workspace)
        .exclude(status__in=["DELETED", "deleted"])
        .order_by("title", "id")
    )
    q = q.strip()
    if q:
        products = products.filter(Q(title__icontains=q) | Q(external_id=q))
    return list(products[:limit])


def shop_product_names(*, workspace: Workspace | int, product_ids: list[str]) -> dict[str, str]:
    """Catalog names of the given products, by product id (one query for a whole thread)."""
    if not product_ids:
        return {}
    rows = (
        Product.objects.for_workspace(workspace)
        .filter(external_id__in=product_ids)
        .order_by("synced_at")
        .values_list("external_id", "title")
    )
    return dict(rows)


def shop_product_url(product_id: str) -> str:
    return str(settings.TIKTOK_SHOP_PRODUCT_URL).format(product_id=product_id)


def shop_order_url(order_id: str) -> str:
    """The seller's order in TikTok Shop's Seller Center."""
    return str(settings.TIKTOK_SHOP_ORDER_URL).format(order_id=order_id)
