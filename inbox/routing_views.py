"""Inbox settings → Routing rules, and the conversation's "Routed by" side panel.

Everyone who uses the inbox sees the rules (so a teammate can tell why a conversation landed
with them); owners and admins, who edit automations, create, change, reorder and delete them.
The order is changed by dragging (``static/js/reorder.js`` posts the whole order) or,
without JavaScript, with each rule's arrows. Another workspace's rule is a 404.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission, role_allows
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from inbox import routing
from inbox.forms import RoutingRuleForm
from inbox.models import Conversation, RoutingRule


def _rule_or_404(request: WorkspaceRequest, rule_id: int) -> RoutingRule:
    rule = routing.routing_rule_get(workspace=request.workspace, rule_id=rule_id)
    if rule is None:
        raise Http404("No such routing rule.")
    return rule


def _back(request: WorkspaceRequest) -> HttpResponse:
    return redirect("inbox:routing_rules", workspace_id=request.workspace.public_id)


@workspace_view(Permission.USE_INBOX)
@require_GET
def routing_rules(request: WorkspaceRequest) -> HttpResponse:
    rules = list(routing.routing_rule_list(workspace=request.workspace))
    return render(
        request,
        "inbox/routing_rules.html",
        {
            "rows": [(rule, *routing.rule_summary(rule)) for rule in rules],
            "can_edit": role_allows(request.membership.role, Permission.EDIT_AUTOMATIONS),
        },
    )


def _rule_form_page(
    request: WorkspaceRequest, rule: RoutingRule | None, initial: dict[str, object]
) -> HttpResponse:
    form = RoutingRuleForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        workspace=request.workspace,
    )
    if request.method == "POST" and form.is_valid():
        try:
            if rule is None:
                saved = routing.routing_rule_create(
                    workspace=request.workspace, data=form.rule_data()
                )
            else:
                saved = routing.routing_rule_update(rule=rule, data=form.rule_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved the routing rule “{saved.name}”.")
            return _back(request)
    return render(
        request,
        "inbox/routing_rule_form.html",
        {"form": form, "rule": rule},
        status=400 if form.is_bound else 200,
    )


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def routing_rule_new(request: WorkspaceRequest) -> HttpResponse:
    return _rule_form_page(request, None, {})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def routing_rule_edit(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request, rule_id)
    return _rule_form_page(request, rule, RoutingRuleForm.initial_for(rule))


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def routing_rule_active(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    """Pause or activate (``active`` is "1" or "0")."""
    rule = _rule_or_404(request, rule_id)
    active = {"1": True, "0": False}.get(request.POST.get("active", ""))
    if active is None:
        raise Http404("No such state.")
    routing.routing_rule_set_active(rule=rule, active=active)
    messages.success(request, f"“{rule.name}” is {'active' if active else 'paused'}.")
    return _back(request)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def routing_rule_delete(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    rule = _rule_or_404(request, rule_id)
    routing.routing_rule_delete(rule=rule)
    messages.success(request, f"Deleted the routing rule “{rule.name}”.")
    return _back(request)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def routing_rule_move(request: WorkspaceRequest, rule_id: int) -> HttpResponse:
    """The arrows beside each rule: one place up or down (works without JavaScript)."""
    rule = _rule_or_404(request, rule_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise Http404("No such direction.")
    routing.routing_rule_move(rule=rule, offset=offset)
    return _back(request)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def routing_rules_reorder(request: WorkspaceRequest) -> HttpResponse:
    """Drag and drop: the whole new order, first runs first. 409 when it is stale."""
    raw = request.POST.get("order", "")
    ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
    try:
        routing.routing_rules_reorder(workspace=request.workspace, rule_ids=ids)
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=409)
    return JsonResponse({"ok": True})


def conversation_routing_panel(request: HttpRequest, conversation: Conversation) -> SafeString:
    """The inbox's side panel: what routing rules did in this conversation, newest first
    (registered in ``InboxConfig.ready``)."""
    applications = routing.routing_applications_for(conversation=conversation)
    if not applications:
        return mark_safe("")
    return mark_safe(  # noqa: S308 - a rendered, auto-escaped template
        render_to_string(
            "inbox/_routing_panel.html", {"applications": applications}, request=request
        )
    )
