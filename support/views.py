"""The rating panel on a conversation (with "Close and ask for a rating"), and Settings →
Working hours. Thin: each parses, calls one service or selector, renders."""

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from inbox import selectors as inbox_selectors
from inbox.models import Conversation
from support import selectors, services
from support.forms import WorkingHoursForm


def conversation_rating_panel(request: HttpRequest, conversation: Conversation) -> SafeString:
    """The inbox's side panel (registered in ``SupportConfig.ready``): the buyer's ratings of
    this conversation, and closing it with a rating request while it is open."""
    ratings = selectors.conversation_ratings(conversation=conversation)
    can_close = conversation.state != Conversation.State.CLOSED
    if not (ratings or can_close):
        return mark_safe("")
    shop = conversation.channel == Conversation.Channel.SHOP_CHAT
    return mark_safe(  # noqa: S308 - a rendered, auto-escaped template
        render_to_string(
            "support/_rating_panel.html",
            {
                "conversation": conversation,
                "ratings": ratings,
                "can_close": can_close,
                "blocker": inbox_selectors.reply_blocker(conversation) if can_close else "",
                "request_text": services.SHOP_REQUEST if shop else services.DM_REQUEST,
                "buttons": [] if shop else list(services.DM_BUTTONS),
                "scale": services.SCALE,
                "valid_days": services.RATING_VALID_FOR.days,
            },
            request=request,
        )
    )


@workspace_view(Permission.USE_INBOX)
@require_POST
def close_with_rating(request: WorkspaceRequest, conversation_id: int) -> HttpResponse:
    found = inbox_selectors.conversation_get(
        workspace=request.workspace, conversation_id=conversation_id
    )
    if found is None:
        raise Http404("No such conversation.")
    try:
        services.conversation_close_with_rating(conversation=found, actor=request.user)
    except services.AlreadyAsked:
        messages.info(request, "Closed: the buyer has been asked to rate the conversation.")
    except services.RatingRefused as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, "Closed: the buyer has been asked to rate the conversation.")
    return redirect(
        reverse(
            "inbox:conversation",
            kwargs={"workspace_id": request.workspace.public_id, "conversation_id": found.pk},
        )
    )


@workspace_view(Permission.MANAGE_MEMBERS)
@require_http_methods(["GET", "POST"])
def working_hours(request: WorkspaceRequest) -> HttpResponse:
    """The team's working hours: owners and admins, who manage the team, set them."""
    workspace = request.workspace
    if request.method == "POST":
        form = WorkingHoursForm(request.POST)
        if form.is_valid():
            services.working_hours_save(
                workspace=workspace,
                actor=request.user,
                enabled=form.cleaned_data["enabled"],
                days=form.days(),
            )
            messages.success(request, "Working hours saved.")
            return redirect("support:working_hours", workspace_id=workspace.public_id)
    else:
        form = WorkingHoursForm(
            initial=WorkingHoursForm.initial_for(selectors.working_hours_get(workspace=workspace))
        )
    return render(
        request,
        "support/working_hours.html",
        {"form": form, "tz_name": workspace.timezone},
        status=400 if form.is_bound else 200,
    )
