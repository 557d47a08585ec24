"""Automations: the comment triggers, the evaluation log and testing a comment; the DM flows
and their editor; the workspace's automation settings."""

import json
from dataclasses import asdict
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission, role_allows
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from flows import engine, selectors, services
from flows.forms import (
    AutomationSettingsForm,
    FlowNameForm,
    SensitiveKeywordForm,
    TestCommentForm,
    TriggerForm,
)
from flows.models import Flow, SensitiveKeyword, Trigger
from inbox.selectors import shop_bot_enabled_ids
from integrations.selectors import posts_recent


def _post_choices(request: WorkspaceRequest) -> list[tuple[str, str]]:
    return [
        (p.external_id, f"{'LIVE · ' if p.kind == 'live' else ''}{p.caption[:60] or p.external_id}")
        for p in posts_recent(workspace=request.workspace)
    ]


@workspace_view()
@require_http_methods(["GET", "POST"])
def automations(request: WorkspaceRequest) -> HttpResponse:
    connection = selectors.tiktok_connection(workspace=request.workspace)
    test_form = TestCommentForm(request.POST or None)
    preview = history = None
    if request.method == "POST" and "history" in request.POST and connection is not None:
        test_form = TestCommentForm()
        history = engine.triggers_test_history(
            connection_id=connection.pk, workspace_id=request.workspace.pk
        )
    elif request.method == "POST" and test_form.is_valid() and connection is not None:
        preview = engine.trigger_preview(
            connection_id=connection.pk,
            workspace_id=request.workspace.pk,
            text=test_form.cleaned_data["text"],
        )
    shops = selectors.shop_connections(workspace=request.workspace)
    return render(
        request,
        "flows/automations.html",
        {
            "connection": connection,
            "shops": list(shops),
            "shops_bot_on": shop_bot_enabled_ids(workspace=request.workspace),
            "triggers": selectors.trigger_list(workspace=request.workspace),
            "evaluations": selectors.evaluations_recent(workspace=request.workspace),
            "can_edit": role_allows(request.membership.role, Permission.EDIT_AUTOMATIONS),
            "test_form": test_form,
            "preview": preview,
            "history": history,
        },
    )


def _trigger_or_404(request: WorkspaceRequest, trigger_id: int) -> Trigger:
    trigger = selectors.trigger_get(workspace=request.workspace, trigger_id=trigger_id)
    if trigger is None:
        raise Http404("No such trigger.")
    return trigger


def _edit(request: WorkspaceRequest, trigger: Trigger | None, source: str) -> HttpResponse:
    """A comment trigger watches the workspace's TikTok account; a Shop chat trigger the Shop
    picked in the form."""
    shop_chat = source == Trigger.Source.SHOP_CHAT
    shops = selectors.shop_connections(workspace=request.workspace) if shop_chat else None
    connection = None if shop_chat else selectors.tiktok_connection(workspace=request.workspace)
    if (shops is not None and not shops.exists()) or (not shop_chat and connection is None):
        account = "a TikTok Shop" if shop_chat else "a TikTok account"
        messages.error(request, f"Connect {account} before creating triggers for it.")
        return redirect("flows:automations", workspace_id=request.workspace.public_id)
    form = TriggerForm(
        request.POST or None,
        instance=trigger,
        posts=_post_choices(request),
        workspace=request.workspace,
        shops=shops,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fields = {name: data[name] for name in services.TRIGGER_FIELDS if name in data}
        watched = data["connection"] if shop_chat else connection
        assert watched is not None  # checked above
        try:
            saved = services.trigger_save(
                connection=watched,
                trigger=trigger,
                source=source,
                **fields,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("flows:automations", workspace_id=request.workspace.public_id)
    return render(
        request,
        "flows/trigger_form.html",
        {"form": form, "trigger": trigger, "shop_chat": shop_chat},
    )


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def trigger_new(request: WorkspaceRequest) -> HttpResponse:
    source = request.GET.get("source", Trigger.Source.COMMENTS)
    if source not in Trigger.Source.values:
        raise Http404("No such kind of trigger.")
    return _edit(request, None, source)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def trigger_edit(request: WorkspaceRequest, trigger_id: int) -> HttpResponse:
    trigger = _trigger_or_404(request, trigger_id)
    return _edit(request, trigger, trigger.source)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def trigger_status(request: WorkspaceRequest, trigger_id: int) -> HttpResponse:
    trigger = _trigger_or_404(request, trigger_id)
    status = request.POST.get("status", "")
    if status not in Trigger.Status.values:
        raise Http404("No such status.")
    services.trigger_set_status(trigger=trigger, status=status)
    label = "is live" if status == Trigger.Status.ACTIVE else "is a draft again"
    messages.success(request, f"“{trigger.name}” {label}.")
    return redirect("flows:automations", workspace_id=request.workspace.public_id)


# -- DM flows ----------------------------------------------------------------------------------

BLOCK_TYPES = (
    ("message", "Message"),
    ("question", "Question"),
    ("quick_replies", "Quick replies"),
    ("branch", "Branch"),
    ("shop_link", "Shop link"),
    ("handoff", "Handoff"),
    ("wait", "Wait"),
    ("tag", "Tag"),
)


def _flow_or_404(request: WorkspaceRequest, flow_id: int) -> Flow:
    flow = selectors.flow_get(workspace=request.workspace, flow_id=flow_id)
    if flow is None:
        raise Http404("No such flow.")
    return flow


def _json_body(request: WorkspaceRequest) -> dict[str, Any] | None:
    try:
        data = json.loads(request.body)
    except ValueError:  # also malformed UTF-8
        return None
    return data if isinstance(data, dict) else None


@workspace_view()
@require_GET
def flow_list(request: WorkspaceRequest) -> HttpResponse:
    """Every role sees the flows; only admins and owners get the links to edit them."""
    names = selectors.flow_trigger_names(workspace=request.workspace)
    flows = [
        (flow, names.get(flow.pk, [])) for flow in selectors.flow_list(workspace=request.workspace)
    ]
    return render(
        request,
        "flows/flow_list.html",
        {
            "flows": flows,
            "can_edit": role_allows(request.membership.role, Permission.EDIT_AUTOMATIONS),
        },
    )


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def flow_new(request: WorkspaceRequest) -> HttpResponse:
    form = FlowNameForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            flow = services.flow_create(workspace=request.workspace, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error("name", error)
        else:
            return redirect(
                "flows:flow_edit", workspace_id=request.workspace.public_id, flow_id=flow.pk
            )
    return render(request, "flows/flow_new.html", {"form": form})


def _editor(
    request: WorkspaceRequest, flow: Flow, *, errors: list[str] | None = None
) -> HttpResponse:
    skus = selectors.sku_rows_for(workspace=request.workspace, blocks=flow.draft)
    return render(
        request,
        "flows/flow_editor.html",
        {
            "flow": flow,
            "draft": flow.draft,
            "skus": {sku_id: asdict(row) for sku_id, row in skus.items()},
            "triggers": selectors.flow_triggers(flow=flow),
            "block_types": BLOCK_TYPES,
            "doors": selectors.DOORS,
            "preview": selectors.flow_preview(
                workspace=request.workspace, blocks=flow.draft, door="window"
            ),
            "rename_form": FlowNameForm(initial={"name": flow.name}),
            "errors": errors or [],
        },
    )


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_GET
def flow_edit(request: WorkspaceRequest, flow_id: int) -> HttpResponse:
    return _editor(request, _flow_or_404(request, flow_id))


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def flow_save_draft(request: WorkspaceRequest, flow_id: int) -> JsonResponse:
    """The editor's save: ``{"blocks": [...]}`` in, ``{"ok": true}`` or 400 ``{"errors"}``."""
    flow = _flow_or_404(request, flow_id)
    data = _json_body(request)
    if data is None or "blocks" not in data:
        return JsonResponse({"errors": ['Send the flow as JSON: {"blocks": [...]}.']}, status=400)
    try:
        services.flow_save_draft(flow=flow, blocks=data["blocks"])
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=400)
    return JsonResponse({"ok": True, "unpublished_changes": flow.has_unpublished_changes})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def flow_publish(request: WorkspaceRequest, flow_id: int) -> HttpResponse:
    flow = _flow_or_404(request, flow_id)
    try:
        version = services.flow_publish(flow=flow, user=request.user)
    except ValidationError as error:
        return _editor(request, flow, errors=error.messages)
    messages.success(request, f"Published v{version.number}")
    return redirect("flows:flow_edit", workspace_id=request.workspace.public_id, flow_id=flow.pk)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def flow_preview(request: WorkspaceRequest) -> HttpResponse:
    """The editor's live preview: ``{"blocks": [...], "door": "window"}`` in, the DMs as the
    buyer would see them through that door out (an HTML fragment)."""
    data = _json_body(request)
    if data is None:
        return HttpResponse("The preview needs the blocks as JSON.", status=400)
    items = selectors.flow_preview(
        workspace=request.workspace, blocks=data.get("blocks", []), door=str(data.get("door"))
    )
    return render(request, "flows/_preview.html", {"preview": items})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_GET
def sku_search(request: WorkspaceRequest) -> JsonResponse:
    rows = selectors.sku_search(workspace=request.workspace, q=request.GET.get("q", "")[:100])
    return JsonResponse({"results": [asdict(row) for row in rows]})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def flow_rename(request: WorkspaceRequest, flow_id: int) -> HttpResponse:
    flow = _flow_or_404(request, flow_id)
    form = FlowNameForm(request.POST)
    if form.is_valid():
        try:
            services.flow_rename(flow=flow, name=form.cleaned_data["name"])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Renamed to “{flow.name}”.")
    else:
        messages.error(request, "Give the flow a name of up to 100 characters.")
    return redirect("flows:flow_edit", workspace_id=request.workspace.public_id, flow_id=flow.pk)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def flow_delete(request: WorkspaceRequest, flow_id: int) -> HttpResponse:
    flow = _flow_or_404(request, flow_id)
    try:
        services.flow_delete(flow=flow)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect(
            "flows:flow_edit", workspace_id=request.workspace.public_id, flow_id=flow.pk
        )
    messages.success(request, f"Deleted “{flow.name}”.")
    return redirect("flows:flow_list", workspace_id=request.workspace.public_id)


# -- automation settings -----------------------------------------------------------------------


def _settings_page(
    request: WorkspaceRequest,
    *,
    form: AutomationSettingsForm | None = None,
    keyword_form: SensitiveKeywordForm | None = None,
) -> HttpResponse:
    current = selectors.automation_settings_get(workspace=request.workspace)
    return render(
        request,
        "flows/automation_settings.html",
        {
            "form": form or AutomationSettingsForm(instance=current),
            "keyword_form": keyword_form or SensitiveKeywordForm(),
            "keywords": selectors.sensitive_keyword_list(workspace=request.workspace),
            "defaults": selectors.sensitive_defaults(),
        },
    )


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def automation_settings(request: WorkspaceRequest) -> HttpResponse:
    if request.method != "POST":
        return _settings_page(request)
    form = AutomationSettingsForm(
        request.POST, instance=selectors.automation_settings_get(workspace=request.workspace)
    )
    if not form.is_valid():
        return _settings_page(request, form=form)
    services.automation_settings_update(
        workspace=request.workspace,
        **{name: form.cleaned_data[name] for name in services.AUTOMATION_SETTINGS_FIELDS},
    )
    messages.success(request, "Automation settings saved.")
    return redirect("flows:automation_settings", workspace_id=request.workspace.public_id)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def sensitive_keyword_add(request: WorkspaceRequest) -> HttpResponse:
    form = SensitiveKeywordForm(request.POST)
    if form.is_valid():
        try:
            keyword = services.sensitive_keyword_add(
                workspace=request.workspace,
                phrase=form.cleaned_data["phrase"],
                action=form.cleaned_data["action"],
                tag=form.cleaned_data["tag"],
            )
        except ValidationError as error:
            form.add_error("phrase", error)
        else:
            messages.success(request, f"Added “{keyword.phrase}”.")
            return redirect("flows:automation_settings", workspace_id=request.workspace.public_id)
    return _settings_page(request, keyword_form=form)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def sensitive_keyword_remove(request: WorkspaceRequest, keyword_id: int) -> HttpResponse:
    keyword: SensitiveKeyword | None = selectors.sensitive_keyword_get(
        workspace=request.workspace, keyword_id=keyword_id
    )
    if keyword is None:
        raise Http404("No such keyword.")
    services.sensitive_keyword_remove(keyword=keyword)
    messages.success(request, f"Removed “{keyword.phrase}”.")
    return redirect("flows:automation_settings", workspace_id=request.workspace.public_id)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def triggers_reorder(request: WorkspaceRequest) -> HttpResponse:
    """Drag and drop on the Automations page: the whole new order, first runs first."""
    raw = request.POST.get("order", "")
    ids = [int(part) for part in raw.split(",") if part.strip().isdigit()]
    try:
        services.triggers_reorder(workspace=request.workspace, trigger_ids=ids)
    except ValidationError as error:
        return JsonResponse({"errors": error.messages}, status=409)
    return JsonResponse({"ok": True})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_POST
def trigger_move(request: WorkspaceRequest, trigger_id: int) -> HttpResponse:
    """The arrows beside each trigger: one place up or down (works without JavaScript)."""
    trigger = _trigger_or_404(request, trigger_id)
    offset = {"up": -1, "down": 1}.get(request.POST.get("direction", ""))
    if offset is None:
        raise Http404("No such direction.")
    services.trigger_move(trigger=trigger, offset=offset)
    return redirect("flows:automations", workspace_id=request.workspace.public_id)
