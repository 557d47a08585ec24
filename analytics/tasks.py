"""The rollup beats: a cheap refresh of today and yesterday every 5 minutes for workspaces
with new activity, and a nightly settle of the weeks before for what changes after the fact;
and every minute, the customer-service waits of workspaces whose Shop chats changed. Each
fans out one task per workspace, which calls one service."""

from datetime import timedelta

from celery import shared_task

from analytics import service_waits, services
from chatsparks.celery import enqueue_on_commit
from chatsparks.workspaces.models import Workspace


@shared_task(name="analytics.rollups_refresh")
def rollups_refresh() -> str:
    """Beat (every 5 minutes): today and yesterday, for workspaces with activity since their
    last refresh."""
    workspace_ids = services.workspaces_with_new_activity_unscoped()
    for workspace_id in workspace_ids:
        enqueue_on_commit(rollup_recent, workspace_id=workspace_id)
    return f"queued {len(workspace_ids)}"


@shared_task(name="analytics.rollup_recent")
def rollup_recent(*, workspace_id: int) -> str:
    try:
        written = services.rollup_recent(workspace_id=workspace_id)
    except Workspace.DoesNotExist:  # closed since the sweep
        return "skipped-gone"
    return f"ok {written}"


@shared_task(name="analytics.rollups_settle")
def rollups_settle() -> str:
    """Beat (nightly): the weeks before yesterday, a week per task, for workspaces active in
    that span."""
    workspace_ids = services.workspaces_active_within_unscoped(days=services.SETTLE_DAYS)
    spans = services.settle_spans()
    for workspace_id in workspace_ids:
        for first_back, last_back in spans:
            enqueue_on_commit(
                rollup_settle,
                workspace_id=workspace_id,
                first_back=first_back,
                last_back=last_back,
            )
    return f"queued {len(workspace_ids)}"


@shared_task(name="analytics.rollup_settle")
def rollup_settle(*, workspace_id: int, first_back: int, last_back: int) -> str:
    try:
        written = services.rollup_settle(
            workspace_id=workspace_id, first_back=first_back, last_back=last_back
        )
    except Workspace.DoesNotExist:  # closed since the sweep
        return "skipped-gone"
    return f"ok {written}"


@shared_task(name="analytics.service_waits_refresh")
def service_waits_refresh() -> str:
    """Beat (every minute): the workspaces whose Shop chat messages changed lately."""
    workspace_ids = service_waits.workspaces_changed_unscoped(
        within=service_waits.MARGIN + timedelta(minutes=2)
    )
    for workspace_id in workspace_ids:
        enqueue_on_commit(service_waits_catch_up, workspace_id=workspace_id)
    return f"queued {len(workspace_ids)}"


@shared_task(name="analytics.service_waits_catch_up")
def service_waits_catch_up(*, workspace_id: int) -> str:
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if workspace is None:  # closed since the sweep
        return "skipped-gone"
    return f"ok {service_waits.waits_refresh(workspace=workspace)}"
