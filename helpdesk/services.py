"""Writes of helpdesk forwarding that people make from the settings page. (The mail itself:
``helpdesk.forwarding`` out, ``helpdesk.replies`` in.)"""

from typing import Any

from django.db import transaction

from chatsparks.workspaces.models import AuditEntry, Workspace
from helpdesk import emails
from helpdesk.models import ForwardingSettings


class SampleEmailFailed(Exception):
    """The sample email did not go out; the message says why, in the owner's terms."""


def forwarding_settings_save(
    *, workspace: Workspace, actor: Any, enabled: bool, address: str, window_minutes: int
) -> ForwardingSettings:
    """Turning forwarding off stops the emails still waiting: the beat finds it off and marks
    them not sent. The audit entry keeps no address (entries hold ids and roles only)."""
    with transaction.atomic():
        saved, _ = ForwardingSettings.objects.for_workspace(workspace).update_or_create(
            workspace=workspace,
            defaults={
                "enabled": enabled,
                "address": address.strip().lower(),
                "window_minutes": window_minutes,
                "updated_by": actor,
            },
        )
        AuditEntry.objects.create(
            workspace=workspace,
            workspace_public_id=workspace.public_id,
            actor=actor,
            action=AuditEntry.Action.SETTINGS_CHANGED,
            detail={"helpdesk_forwarding": {"enabled": enabled, "window_minutes": window_minutes}},
        )
    return saved


def sample_email_send(*, workspace: Workspace, to_address: str) -> None:
    """Send the sample email now, while the owner waits: they want to know at once whether
    the helpdesk address works. Raises ``SampleEmailFailed``."""
    message = emails.sample_email_build(workspace=workspace, to_address=to_address)
    try:
        message.send()
    except Exception as error:  # shown to the owner, who can fix the address or call support
        raise SampleEmailFailed(f"{error.__class__.__name__}: {error}") from error
