"""The inbox list, a conversation and its composer, saved views and replies, and contacts.

The list and the open conversation poll themselves with htmx: the same URL answers an htmx
request with the list or the thread alone, so the composer's typed text is never touched.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from chatsparks.workspaces.selectors import member_get, member_list
from inbox import dm, panels, selectors, services, shop_chat, shop_orders
from inbox.forms import (
    STATE_CHOICES,
    ComposerForm,
    InboxFilterForm,
    SavedReplyForm,
    SavedViewForm,
    ShopBotForm,
    ShopCardForm,
    ShopImageForm,
)
from inbox.models import Conversation, Message, Send
from inbox.selectors import InboxFilter, Show, Teammate

PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    # django-htmx's middleware sets ``request.htmx``; it is falsy unless HX-Request is sent.
    return bool(getattr(request, "htmx", False))


def _access_conversation(request: WorkspaceRequest, conversation_id: int) -> Conversation:
    """The conversation, if it is this workspace's; a 404 for missing and not-yours alike."""
    found = selectors.conversation_get(workspace=request.workspace, conversation_id=conversation_id)
    if found is None:
        raise Http404("No such conversation.")
    return found


def _conversation_url(request: WorkspaceRequest, conversation: Conversation) -> str:
    return reverse(
        "inbox:conversation",
        kwargs={"workspace_id": request.workspace.public_id, "conversation_id": conversation.pk},
    )


def _inbox_url(request: WorkspaceRequest, query: str = "") -> str:
    url = reverse("inbox:inbox", kwargs={"workspace_id": request.workspace.public_id})
    return f"{url}?{query}" if query else url


# --- The list ----------------------------------------------------------------------------------


def _tab_query(filters: InboxFilter, show: str) -> str:
    """A tab keeps the tag, trigger and search; the state narrows open views only."""
    state = "" if show == Show.CLOSED else filters.state
    return dataclasses.replace(filters, show=show, state=state).query()


@workspace_view(Permission.USE_INBOX)
@require_GET
def inbox(request: WorkspaceRequest) -> HttpResponse:
    filters = InboxFilterForm(request.GET).filters()
    listing = selectors.conversation_list(
        workspace=request.workspace, user=request.user, filters=filters
    )
    query = filters.query()
    context: dict[str, Any] = {
        "conversations": Paginator(listing, PAGE_SIZE).get_page(request.GET.get("page")),
        "filters": filters,
        "query": query,
        "poll_url": request.get_full_path(),
        "filtered": filters != InboxFilter(),
    }
    if _is_htmx(request):
        return render(request, "inbox/_conversation_list.html", context)
    saved_views = list(selectors.saved_view_list(workspace=request.workspace, user=request.user))
    context |= {
        "tabs": [
            (label, _tab_query(filters, value), value == filters.show)
            for value, label in Show.choices
        ],
        "state_choices": STATE_CHOICES,
        "tag_choices": selectors.tag_choices(workspace=request.workspace),
        "trigger_choices": selectors.trigger_choices(workspace=request.workspace),
        "saved_views": saved_views,
        "current_saved_view": next((v for v in saved_views if v.query == query), None),
    }
    return render(request, "inbox/inbox.html", context)


@workspace_view(Permission.USE_INBOX)
@require_POST
def saved_view_create(request: WorkspaceRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the view a name (up to 60 characters).")
        # Back to the view being saved, as its filter reads it (never the raw input).
        raw = QueryDict(str(request.POST.get("query", ""))[:500])
        return redirect(_inbox_url(request, InboxFilterForm(raw).filters().query()))
    view = services.saved_view_save(
        workspace=request.workspace,
        user=request.user,
        name=form.cleaned_data["name"],
        query=form.cleaned_data["query"],
    )
    messages.success(request, f"Saved the view “{view.name}”.")
    return redirect(_inbox_url(request, view.query))


@workspace_view(Permission.USE_INBOX)
@require_POST
def saved_view_delete(request: WorkspaceRequest, view_id: int) -> HttpResponse:
    view = selectors.saved_view_get(workspace=request.workspace, user=request.user, view_id=view_id)
    if view is None:
        raise Http404("No such saved view.")
    services.saved_view_delete(view=view)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect(_inbox_url(request))


# --- A conversation ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    text: str
    mention: bool = False
    me: bool = False


@dataclass(frozen=True)
class Delivery:
    label: str
    tone: str  # a chip colour
    error: str = ""


_DELIVERY: dict[str, Delivery] = {
    Send.State.PENDING: Delivery("Sending…", "member"),
    Send.State.SENDING: Delivery("Sending…", "member"),
    Send.State.SENT: Delivery("Sent", "green"),
    Send.State.FAILED: Delivery("Failed", "red"),
    Send.State.UNKNOWN: Delivery("Not confirmed", "amber"),
    Send.State.SKIPPED: Delivery("Not sent", "red"),
    Send.State.EXPIRED: Delivery("Expired", "red"),
}


@dataclass(frozen=True)
class ShopProduct:
    """A product card in Shop chat: its id always, its name and price when our catalog
    knows it, and where the product opens in TikTok Shop."""

    product_id: str
    name: str
    price: str
    url: str


@dataclass(frozen=True)
class Media:
    """An image, a video or a file: where it is, and what to show for it."""

    url: str
    width: int | None = None
    height: int | None = None
    cover: str = ""
    name: str = ""


@dataclass(frozen=True)
class ThreadItem:
    """A message as the thread shows it."""

    message: Message
    segments: list[Segment]
    delivery: Delivery | None
    card: dict[str, Any] | None
    price: str
    shop_product: ShopProduct | None = None
    order_id: str = ""
    order: shop_orders.OrderCard | None = None
    order_url: str = ""
    media: Media | None = None


def _segments(text: str, mentioned: list[Teammate], me: int | None) -> list[Segment]:
    pattern = selectors.mention_pattern(mentioned)
    if pattern is None:
        return [Segment(text)]
    by_label = {t.label.casefold(): t.user_id for t in mentioned}
    segments: list[Segment] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() > position:
            segments.append(Segment(text[position : match.start()]))
        user_id = by_label[match.group(1).casefold()]
        segments.append(Segment(match.group(0), mention=True, me=user_id == me))
        position = match.end()
    if position < len(text):
        segments.append(Segment(text[position:]))
    return segments


def _thread_item(message: Message, teammates: list[Teammate], me: int | None) -> ThreadItem:
    mentioned = [t for t in teammates if t.user_id in message.mentions]
    send = message.send
    delivery = None
    if send is not None:
        base = _DELIVERY.get(send.state, Delivery(send.get_state_display(), "member"))
        delivery = dataclasses.replace(base, error=send.error) if send.error else base
    product = message.payload.get("product") if isinstance(message.payload, dict) else None
    card = product if isinstance(product, dict) else None
    return ThreadItem(
        message=message,
        segments=_segments(message.text, mentioned, me),
        delivery=delivery,
        card=card,
        price=selectors.price_label(card) if card else "",
    )


def _part(payload: dict[str, Any], key: str) -> dict[str, Any]:
    """A Shop message's content: ours nests it under its kind (``{"image": {...}}``), TikTok's
    is the payload itself."""
    inner = payload.get(key)
    return inner if isinstance(inner, dict) else payload


def _size(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _shop_items(conversation: Conversation, items: list[ThreadItem]) -> list[ThreadItem]:
    """Shop chat's own cards and media: product names from the catalog, orders from what was
    stored (both looked up once for the whole thread)."""
    kinds = Message.Kind
    product_ids = [
        str(_part(i.message.payload, "product").get("product_id", ""))
        for i in items
        if i.message.kind == kinds.PRODUCT_CARD
    ]
    order_ids = [
        str(_part(i.message.payload, "order").get("order_id", ""))
        for i in items
        if i.message.kind == kinds.ORDER_CARD
    ]
    names = selectors.shop_product_names(
        workspace=conversation.workspace_id, product_ids=[p for p in product_ids if p]
    )
    orders = shop_orders.source().order_cards(
        workspace_id=conversation.workspace_id, order_ids=[o for o in order_ids if o]
    )
    shown: list[ThreadItem] = []
    for item in items:
        message, payload = item.message, item.message.payload
        if message.kind == kinds.PRODUCT_CARD:
            product_id = str(_part(payload, "product").get("product_id", ""))
            card = item.card or {}
            item = dataclasses.replace(
                item,
                shop_product=ShopProduct(
                    product_id=product_id,
                    name=names.get(product_id) or str(card.get("title", "")),
                    price=item.price,
                    url=selectors.shop_product_url(product_id),
                ),
            )
        elif message.kind == kinds.ORDER_CARD:
            order_id = str(_part(payload, "order").get("order_id", ""))
            item = dataclasses.replace(
                item,
                order_id=order_id,
                order=orders.get(order_id),
                order_url=selectors.shop_order_url(order_id),
            )
        elif message.kind in (kinds.IMAGE, kinds.VIDEO, kinds.FILE):
            content = _part(payload, "image")
            item = dataclasses.replace(
                item,
                media=Media(
                    url=str(content.get("url") or ""),
                    width=_size(content.get("width")),
                    height=_size(content.get("height")),
                    cover=str(content.get("cover") or ""),
                    name=str(content.get("name") or message.text or ""),
                ),
            )
        shown.append(item)
    return shown


def _thread_context(
    request: WorkspaceRequest, conversation: Conversation, teammates: list[Teammate]
) -> dict[str, Any]:
    me = request.user.pk
    thread = [
        _thread_item(m, teammates, me) for m in selectors.message_list(conversation=conversation)
    ]
    if conversation.channel == Conversation.Channel.SHOP_CHAT:
        thread = _shop_items(conversation, thread)
    return {
        "conversation": conversation,
        "thread": thread,
        "reply_blocker": selectors.reply_blocker(conversation),
        "hours_left": selectors.hours_left_in_window(conversation),
        "messages_left": max(dm.WINDOW_MESSAGES - conversation.outbound_since_inbound, 0),
        "poll_url": _conversation_url(request, conversation),
    }


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _allowing_shop_images(response: HttpResponse) -> HttpResponse:
    """Images a seller uploads to Shop chat are served from the Shop API's host; settings name
    it per environment (the emulator's in local and test), so the page's ``img-src`` names it
    at request time, as ``integrations.views`` does for its ``form-action``."""
    policy: dict[str, Any] = dict(settings.SECURE_CSP)
    policy["img-src"] = [
        *policy.get("img-src", []),
        _origin(str(settings.TIKTOK_SHOP_API_BASE_URL)),
    ]
    response._csp_config = policy  # type: ignore[attr-defined]
    return response


def _shop_tools(request: WorkspaceRequest, conversation: Conversation) -> dict[str, Any]:
    """The Shop chat composer's pickers: catalog products (searched with ``product_q``) and
    the buyer's own orders."""
    q = request.GET.get("product_q", "")[:100]
    buyer = conversation.contact.shop_buyer_id
    return {
        "product_q": q,
        "products": selectors.shop_product_search(workspace=request.workspace, q=q),
        "orders": shop_orders.source().buyer_orders(
            workspace_id=conversation.workspace_id, buyer_user_id=buyer, limit=10
        ),
        "buyer": buyer,
        "image_form": ShopImageForm(),
    }


def _shop_start(conversation: Conversation) -> selectors.ShopChatEligibility | None:
    """Whether a teammate may start a Shop chat from here: with a known buyer from their
    TikTok DM, or again with a buyer whose Shop chat is closed."""
    contact = conversation.contact
    if conversation.channel == Conversation.Channel.TIKTOK_DM and contact.shop_buyer_id:
        return selectors.shop_chat_eligibility(contact=contact)
    if (
        conversation.channel == Conversation.Channel.SHOP_CHAT
        and conversation.state == Conversation.State.CLOSED
    ):
        return selectors.shop_chat_eligibility(contact=contact)
    return None


def _conversation_page(
    request: WorkspaceRequest,
    conversation: Conversation,
    *,
    form: ComposerForm | None = None,
    status: int = 200,
    split_offer: int = 0,
) -> HttpResponse:
    teammates = selectors.teammate_list(workspace=request.workspace)
    context = _thread_context(request, conversation, teammates)
    if _is_htmx(request):
        return _allowing_shop_images(render(request, "inbox/_thread.html", context | {"oob": True}))
    link = selectors.product_link_in(form.data.get("text", "")) if form is not None else None
    card = _card_for(request, link)
    shop = conversation.channel == Conversation.Channel.SHOP_CHAT
    context |= {
        "memberships": member_list(workspace=request.workspace),
        "panels": panels.render_all(request, conversation),
        "teammates": teammates,
        "saved_replies": selectors.saved_reply_list(workspace=request.workspace),
        "form": form or ComposerForm(initial={"mode": ComposerForm.Mode.REPLY}),
        "product_link": link,
        "product_card": card,
        "product_price": selectors.price_label(card) if card else "",
        "split_offer": split_offer,
        "shop_tools": _shop_tools(request, conversation) if shop else None,
        "shop_start": _shop_start(conversation),
    }
    return _allowing_shop_images(render(request, "inbox/conversation.html", context, status=status))


def _card_for(
    request: WorkspaceRequest, link: selectors.ProductLink | None
) -> dict[str, Any] | None:
    """The card of a pasted product link, from this workspace's catalog only."""
    if link is None:
        return None
    return selectors.product_card(workspace=request.workspace, product_id=link.product_id)


@workspace_view(Permission.USE_INBOX)
@require_GET
def conversation(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    return _conversation_page(request, _access_conversation(request, conversation_id))


@workspace_view(Permission.USE_INBOX)
@require_POST
def conversation_send(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """The composer: a DM to the contact (``mode=reply``) or an internal note."""
    found = _access_conversation(request, conversation_id)
    form = ComposerForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Write something first (up to 4,000 characters).")
        return _conversation_page(request, found, form=form, status=400)
    text = form.cleaned_data["text"]
    try:
        if form.cleaned_data["mode"] == ComposerForm.Mode.NOTE:
            services.note_add(conversation=found, author=request.user, text=text)
        else:
            card = _card_for(request, selectors.product_link_in(text))
            services.conversation_reply(
                conversation=found,
                author=request.user,
                text=text,
                product=card,
                split=form.cleaned_data["split"],
            )
    except services.ShopTextTooLong as refusal:
        # Refused with its count; the same page offers to send it as that many messages.
        messages.error(request, str(refusal))
        return _conversation_page(request, found, form=form, status=409, split_offer=refusal.parts)
    except services.ReplyRefused as refusal:
        # The page again, with the words still in the composer.
        messages.error(request, str(refusal))
        return _conversation_page(request, found, form=form, status=409)
    return redirect(_conversation_url(request, found))


@workspace_view(Permission.USE_INBOX)
@require_GET
def product_preview(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """The card a TikTok Shop link in the composer will send (htmx, as the teammate types)."""
    found = _access_conversation(request, conversation_id)
    link = selectors.product_link_in(request.GET.get("text", ""))
    card = _card_for(request, link)
    return render(
        request,
        "inbox/_product_preview.html",
        {
            "conversation": found,
            "product_link": link,
            "product_card": card,
            "product_price": selectors.price_label(card) if card else "",
        },
    )


# --- TikTok Shop chat: cards, images, starting a chat ------------------------------------------


@workspace_view(Permission.USE_INBOX)
@require_POST
def shop_card(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """A product card from the catalog, or an order card of this buyer's, into Shop chat."""
    found = _access_conversation(request, conversation_id)
    form = ShopCardForm(request.POST)
    try:
        if not form.is_valid():
            raise services.ReplyRefused("Pick a product or an order first.")
        product_id, order_id = form.cleaned_data["product_id"], form.cleaned_data["order_id"]
        product = (
            selectors.product_card(workspace=request.workspace, product_id=product_id)
            if product_id
            else None
        )
        if product_id and product is None:
            raise services.ReplyRefused(f"Product {product_id} is not in your synced catalog.")
        buyer = found.contact.shop_buyer_id
        orders = shop_orders.source().buyer_orders(
            workspace_id=found.workspace_id, buyer_user_id=buyer, limit=200
        )
        if order_id and order_id not in {o.order_id for o in orders}:
            raise services.ReplyRefused(f"Order {order_id} is not one of this buyer's orders.")
        services.shop_card_reply(
            conversation=found, author=request.user, product=product, order_id=order_id
        )
    except services.ReplyRefused as refusal:
        messages.error(request, str(refusal))
    return redirect(_conversation_url(request, found))


@workspace_view(Permission.USE_INBOX)
@require_POST
def shop_image(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """An image into Shop chat: checked here (size, and its bytes say it is a JPG, PNG, GIF or
    WebP), handed to TikTok Shop, then sent as its own message."""
    found = _access_conversation(request, conversation_id)
    form = ShopImageForm(request.POST, request.FILES)
    try:
        if found.channel != Conversation.Channel.SHOP_CHAT:
            raise services.ReplyRefused(services.SHOP_ONLY)
        if not form.is_valid():
            raise services.ReplyRefused("Choose an image first.")
        reason = selectors.reply_blocker(found)
        if reason:
            raise services.ReplyRefused(reason)
        upload = form.cleaned_data["image"]
        if upload.size > selectors.SHOP_IMAGE_MAX_BYTES:
            raise shop_chat.ImageRefused(
                f"The image is {upload.size / 1024 / 1024:.1f} MB: "
                "Shop chat takes images up to 10 MB."
            )
        image = shop_chat.shop_image_upload(connection=found.connection, data=upload.read())
        services.shop_image_reply(conversation=found, author=request.user, image=image)
    except (services.ReplyRefused, shop_chat.ImageRefused) as refusal:
        messages.error(request, str(refusal))
    return redirect(_conversation_url(request, found))


@workspace_view(Permission.USE_INBOX)
@require_POST
def shop_start(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    """Start (or reopen) a Shop chat with the buyer this conversation's contact is."""
    found = _access_conversation(request, conversation_id)
    try:
        chat = shop_chat.shop_chat_start(contact=found.contact, actor=request.user)
    except shop_chat.ShopChatRefused as refusal:
        messages.error(request, str(refusal))
        return redirect(_conversation_url(request, found))
    messages.success(request, "TikTok Shop chat opened: write your first message.")
    return redirect(_conversation_url(request, chat))


_ACTIONS = ("take", "hand_back", "close", "assign")


@workspace_view(Permission.USE_INBOX)
@require_POST
def conversation_action(
    request: WorkspaceRequest, conversation_id: int, action: str
) -> HttpResponse:
    found = _access_conversation(request, conversation_id)
    if action not in _ACTIONS:
        raise Http404("No such action.")
    if action == "take":
        services.conversation_take(conversation=found, user=request.user)
    elif action == "hand_back":
        services.conversation_hand_back(conversation=found, actor=request.user)
    elif action == "close":
        services.conversation_close(conversation=found, actor=request.user)
    else:
        membership_id = request.POST.get("membership", "")
        teammate = (
            member_get(workspace=request.workspace, membership_id=int(membership_id))
            if membership_id.isdigit()
            else None
        )
        if teammate is None:
            raise Http404("No such teammate.")
        services.conversation_assign(conversation=found, assignee=teammate.user, actor=request.user)
    return redirect(_conversation_url(request, found))


# --- Saved replies (Inbox settings) -------------------------------------------------------------


@workspace_view(Permission.USE_INBOX)
@require_http_methods(["GET", "POST"])
def saved_replies(request: WorkspaceRequest) -> HttpResponse:
    """Every teammate who uses the inbox may manage the workspace's saved replies."""
    form = SavedReplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            reply = services.saved_reply_create(
                workspace=request.workspace,
                shortcut=form.cleaned_data["shortcut"],
                text=form.cleaned_data["text"],
            )
        except ValidationError as error:
            form.add_error("shortcut", error)
        else:
            messages.success(request, f"Saved /{reply.shortcut}.")
            return redirect("inbox:saved_replies", workspace_id=request.workspace.public_id)
    return render(
        request,
        "inbox/saved_replies.html",
        {"form": form, "replies": selectors.saved_reply_list(workspace=request.workspace)},
        status=400 if form.is_bound else 200,
    )


@workspace_view(Permission.USE_INBOX)
@require_POST
def saved_reply_delete(request: WorkspaceRequest, reply_id: int) -> HttpResponse:
    reply = selectors.saved_reply_get(workspace=request.workspace, reply_id=reply_id)
    if reply is None:
        raise Http404("No such saved reply.")
    services.saved_reply_delete(reply=reply)
    messages.success(request, f"Deleted /{reply.shortcut}.")
    return redirect("inbox:saved_replies", workspace_id=request.workspace.public_id)


# --- Shop chat settings (Inbox settings) ------------------------------------------------------


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def shop_chat_settings(request: WorkspaceRequest) -> HttpResponse:
    """Per Shop account: may ChatSparks' bot write in its chats? An automation setting, so
    for those who edit automations."""
    if request.method == "POST":
        form = ShopBotForm(request.POST)
        if not form.is_valid():
            raise Http404("No such TikTok Shop account.")
        connection = (
            selectors.shop_chat_connections(workspace=request.workspace)
            .filter(pk=form.cleaned_data["connection"])
            .first()
        )
        if connection is None:
            raise Http404("No such TikTok Shop account.")
        enabled = form.cleaned_data["bot_enabled"]
        services.shop_bot_set(connection=connection, enabled=enabled, actor=request.user)
        messages.success(
            request,
            f"ChatSparks' bot now answers in {connection.display_name}'s Shop chat: make sure "
            "TikTok Shop's own automation is off."
            if enabled
            else f"ChatSparks' bot stays out of {connection.display_name}'s Shop chat: TikTok "
            "Shop's own automation answers there.",
        )
        return redirect("inbox:shop_chat_settings", workspace_id=request.workspace.public_id)
    return render(
        request,
        "inbox/shop_chat_settings.html",
        {"rows": selectors.shop_settings_list(workspace=request.workspace)},
    )


# --- Contacts ----------------------------------------------------------------------------------


@workspace_view()
@require_GET
def contacts(request: WorkspaceRequest) -> HttpResponse:
    page = Paginator(selectors.contact_list(workspace=request.workspace), PAGE_SIZE)
    return render(
        request, "inbox/contacts.html", {"contacts": page.get_page(request.GET.get("page"))}
    )
