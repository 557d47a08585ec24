"""Automations: the comment triggers, the evaluation log, and testing a comment."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from chatsparks.workspaces.roles import Permission, role_allows
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from flows import engine, selectors, services
from flows.forms import TestCommentForm, TriggerForm
from flows.models import Trigger
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
    return render(
        request,
        "flows/automations.html",
        {
            "connection": connection,
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


def _edit(request: WorkspaceRequest, trigger: Trigger | None) -> HttpResponse:
    connection = selectors.tiktok_connection(workspace=request.workspace)
    if connection is None:
        messages.error(request, "Connect a TikTok account before creating triggers.")
        return redirect("flows:automations", workspace_id=request.workspace.public_id)
    form = TriggerForm(request.POST or None, instance=trigger, posts=_post_choices(request))
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in services.TRIGGER_FIELDS}
        try:
            saved = services.trigger_save(connection=connection, trigger=trigger, **fields)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"Saved “{saved.name}”.")
            return redirect("flows:automations", workspace_id=request.workspace.public_id)
    return render(request, "flows/trigger_form.html", {"form": form, "trigger": trigger})


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def trigger_new(request: WorkspaceRequest) -> HttpResponse:
    return _edit(request, None)


@workspace_view(Permission.EDIT_AUTOMATIONS)
@require_http_methods(["GET", "POST"])
def trigger_edit(request: WorkspaceRequest, trigger_id: int) -> HttpResponse:
    return _edit(request, _trigger_or_404(request, trigger_id))


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
