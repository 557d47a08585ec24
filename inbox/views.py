"""The inbox list, a conversation and its composer, saved views and replies, and contacts.

The list and the open conversation poll themselves with htmx: the same URL answers an htmx
request with the list or the thread alone, so the composer's typed text is never touched.
"""

import dataclasses
from dataclasses import dataclass
from typing import Any

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
from inbox import dm, panels, selectors, services
from inbox.forms import STATE_CHOICES, ComposerForm, InboxFilterForm, SavedReplyForm, SavedViewForm
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
class ThreadItem:
    """A message as the thread shows it."""

    message: Message
    segments: list[Segment]
    delivery: Delivery | None
    card: dict[str, Any] | None
    price: str


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


def _thread_context(
    request: WorkspaceRequest, conversation: Conversation, teammates: list[Teammate]
) -> dict[str, Any]:
    me = request.user.pk
    return {
        "conversation": conversation,
        "thread": [
            _thread_item(m, teammates, me)
            for m in selectors.message_list(conversation=conversation)
        ],
        "reply_blocker": selectors.reply_blocker(conversation),
        "hours_left": selectors.hours_left_in_window(conversation),
        "messages_left": max(dm.WINDOW_MESSAGES - conversation.outbound_since_inbound, 0),
        "poll_url": _conversation_url(request, conversation),
    }


def _conversation_page(
    request: WorkspaceRequest,
    conversation: Conversation,
    *,
    form: ComposerForm | None = None,
    status: int = 200,
) -> HttpResponse:
    teammates = selectors.teammate_list(workspace=request.workspace)
    context = _thread_context(request, conversation, teammates)
    if _is_htmx(request):
        return render(request, "inbox/_thread.html", context | {"oob": True})
    link = selectors.product_link_in(form.data.get("text", "")) if form is not None else None
    card = _card_for(request, link)
    context |= {
        "memberships": member_list(workspace=request.workspace),
        "panels": panels.render_all(request, conversation),
        "teammates": teammates,
        "saved_replies": selectors.saved_reply_list(workspace=request.workspace),
        "form": form or ComposerForm(initial={"mode": ComposerForm.Mode.REPLY}),
        "product_link": link,
        "product_card": card,
        "product_price": selectors.price_label(card) if card else "",
    }
    return render(request, "inbox/conversation.html", context, status=status)


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
                conversation=found, author=request.user, text=text, product=card
            )
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


# --- Contacts ----------------------------------------------------------------------------------


@workspace_view()
@require_GET
def contacts(request: WorkspaceRequest) -> HttpResponse:
    page = Paginator(selectors.contact_list(workspace=request.workspace), PAGE_SIZE)
    return render(
        request, "inbox/contacts.html", {"contacts": page.get_page(request.GET.get("page"))}
    )
