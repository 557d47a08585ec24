"""The orders panel on a conversation, and a person's word on a soft attribution."""

from datetime import timedelta

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_POST

from attribution import selectors, services
from chatsparks.workspaces.roles import Permission
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from inbox.models import Conversation


def conversation_orders_panel(request: HttpRequest, conversation: Conversation) -> SafeString:
    """The inbox's side panel: the orders this conversation produced (registered in
    ``AttributionConfig.ready``)."""
    tied = list(selectors.conversation_attributions(conversation=conversation))
    if not tied:
        return mark_safe("")
    rows = [
        (a, selectors.seller_order_url(a.order.external_id), _took(a.time_to_order)) for a in tied
    ]
    return mark_safe(  # noqa: S308 - a rendered, auto-escaped template
        render_to_string(
            "attribution/_conversation_orders.html",
            {"rows": rows, "conversation": conversation},
            request=request,
        )
    )


def _took(duration: timedelta | None) -> str:
    """ "3 d 4 h", "2 h 5 min", "40 min": from comment to order."""
    if duration is None:
        return ""
    minutes = int(duration.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"


@workspace_view(Permission.USE_INBOX)
@require_POST
def attribution_decide(request: WorkspaceRequest, attribution_id: int) -> HttpResponse:
    found = selectors.attribution_get(workspace=request.workspace, attribution_id=attribution_id)
    decision = request.POST.get("decision", "")
    if found is None or decision not in ("confirmed", "rejected"):
        raise Http404("No such attribution.")
    try:
        services.attribution_decide(attribution=found, decision=decision, user=request.user)
    except ValueError as error:
        messages.error(request, str(error))
    else:
        label = "counted as ChatSparks revenue" if decision == "confirmed" else "not counted"
        messages.success(request, f"Order {found.order.external_id} is {label}.")
    if found.conversation_id is None:
        return redirect("inbox:inbox", workspace_id=request.workspace.public_id)
    return redirect(
        "inbox:conversation",
        workspace_id=request.workspace.public_id,
        conversation_id=found.conversation_id,
    )
