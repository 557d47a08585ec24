"""Writes to triggers."""

from typing import Any

from flows.models import Trigger
from integrations.models import Connection

TRIGGER_FIELDS = (
    "name", "keywords", "on_question", "on_first_comment", "on_sku_mention", "combine",
    "scope", "post_ids", "priority", "reply_variants",
)  # fmt: skip


def trigger_save(
    *, connection: Connection, trigger: Trigger | None = None, **fields: Any
) -> Trigger:
    """Create or edit a trigger on ``connection``; editing keeps its status."""
    unknown = set(fields) - set(TRIGGER_FIELDS)
    if unknown:
        raise ValueError(f"Not a trigger field: {', '.join(sorted(unknown))}")
    trigger = trigger or Trigger(workspace_id=connection.workspace_id, connection=connection)
    for name, value in fields.items():
        setattr(trigger, name, value)
    trigger.full_clean()
    trigger.save()
    return trigger


def trigger_set_status(*, trigger: Trigger, status: str) -> Trigger:
    trigger.status = status
    trigger.full_clean()
    trigger.save(update_fields=["status", "updated_at"])
    return trigger


def triggers_pause_for_connection(connection: Connection, reason: str) -> None:
    """Integrations' pause hook: the account is gone, so its live triggers stop at once."""
    Trigger.objects.for_workspace(connection.workspace_id).filter(
        connection=connection, status=Trigger.Status.ACTIVE
    ).update(status=Trigger.Status.PAUSED)


def triggers_resume_for_connection(connection: Connection) -> None:
    """Integrations' resume hook: what was live before the pause is live again."""
    Trigger.objects.for_workspace(connection.workspace_id).filter(
        connection=connection, status=Trigger.Status.PAUSED
    ).update(status=Trigger.Status.ACTIVE)
