"""Reads of triggers and the evaluation log."""

from django.db.models import QuerySet

from chatsparks.workspaces.models import Workspace
from flows.models import Evaluation, Trigger
from integrations.models import Connection, Provider


def tiktok_connection(*, workspace: Workspace) -> Connection | None:
    """The TikTok account triggers watch (one per workspace), live or not."""
    return (
        Connection.objects.for_workspace(workspace)
        .filter(provider=Provider.TIKTOK)
        .exclude(status=Connection.Status.DISCONNECTED)
        .first()
    )


def trigger_list(*, workspace: Workspace) -> QuerySet[Trigger]:
    return Trigger.objects.for_workspace(workspace).order_by("priority", "id")


def trigger_get(*, workspace: Workspace, trigger_id: int) -> Trigger | None:
    return trigger_list(workspace=workspace).filter(pk=trigger_id).first()


def evaluations_recent(*, workspace: Workspace, limit: int = 50) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.for_workspace(workspace)
        .select_related("comment", "contact", "trigger")
        .order_by("-created_at", "-id")[:limit]
    )
