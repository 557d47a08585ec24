"""Writes to triggers, DM flows and the workspace's automation settings."""

import copy
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max

from chatsparks.ranking import ranks_moved, ranks_set
from chatsparks.workspaces.models import Workspace
from flows import blocks as flow_blocks
from flows.models import (
    AutomationSettings,
    Flow,
    FlowVersion,
    Run,
    SensitiveKeyword,
    Trigger,
)
from integrations.models import Connection, Provider

TRIGGER_FIELDS = (
    "name", "keywords", "on_question", "on_first_comment", "on_sku_mention", "combine",
    "scope", "post_ids", "priority", "reply_variants", "flow", "invite_text",
)  # fmt: skip
AUTOMATION_SETTINGS_FIELDS = ("intent_valid_days", "free_text_handoff_after", "default_invite_text")
MAX_BLOCKS = 100
MAX_FLOW_NAME = 100  # Flow.name


# -- triggers ----------------------------------------------------------------------------------


# Which account a trigger of each source watches.
SOURCE_PROVIDER = {
    Trigger.Source.COMMENTS: Provider.TIKTOK,
    Trigger.Source.SHOP_CHAT: Provider.TIKTOK_SHOP,
}


def trigger_save(
    *,
    connection: Connection,
    trigger: Trigger | None = None,
    source: str = Trigger.Source.COMMENTS,
    **fields: Any,
) -> Trigger:
    """Create or edit a trigger on ``connection``; editing keeps its status and its source
    (``source`` names a new trigger's). A Shop chat trigger may move to another of the
    workspace's Shops; a comment trigger watches the one TikTok account.

    The chosen flow is locked while the trigger is saved, so it cannot be deleted between the
    check and the write (``flow_delete`` takes the same lock)."""
    unknown = set(fields) - set(TRIGGER_FIELDS)
    if unknown:
        raise ValueError(f"Not a trigger field: {', '.join(sorted(unknown))}")
    trigger = trigger or Trigger(
        workspace_id=connection.workspace_id, connection=connection, source=source
    )
    if connection.workspace_id != trigger.workspace_id:
        raise ValueError("The account belongs to another workspace.")
    wanted = SOURCE_PROVIDER[Trigger.Source(trigger.source)]
    if connection.provider != wanted:
        source = trigger.get_source_display().lower()
        raise ValidationError(f"A trigger on {source} needs a {wanted.label} account.")
    trigger.connection = connection
    for name, value in fields.items():
        setattr(trigger, name, value)
    trigger.full_clean()
    with transaction.atomic():
        if trigger.flow_id is not None:
            still_there = (
                Flow.objects.for_workspace(connection.workspace_id)
                .select_for_update()
                .filter(pk=trigger.flow_id)
                .exists()
            )
            if not still_there:
                raise ValidationError("That DM flow no longer exists. Choose another.")
        trigger.save()
    return trigger


def trigger_set_status(*, trigger: Trigger, status: str) -> Trigger:
    trigger.status = status
    trigger.full_clean()
    trigger.save(update_fields=["status", "updated_at"])
    return trigger


PRIORITY_STEP = 10


def triggers_reorder(*, workspace: Any, trigger_ids: list[int]) -> None:
    """Priorities follow ``trigger_ids`` (first runs first), naming every trigger of the
    workspace once (``chatsparks.ranking``)."""
    ranks_set(
        rows=Trigger.objects.for_workspace(workspace),
        ids=trigger_ids,
        field="priority",
        step=PRIORITY_STEP,
        stale="The list of triggers changed: reload the page and try again.",
    )


def trigger_move(*, trigger: Trigger, offset: int) -> None:
    """One place up (-1) or down (+1) in the priority order."""
    triggers = Trigger.objects.for_workspace(trigger.workspace_id)
    ordered = ranks_moved(rows=triggers, pk=trigger.pk, offset=offset, field="priority")
    triggers_reorder(workspace=trigger.workspace_id, trigger_ids=ordered)


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


# -- flows -------------------------------------------------------------------------------------


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise ValidationError("Give the flow a name.")
    if len(name) > MAX_FLOW_NAME:
        raise ValidationError(f"A flow name is at most {MAX_FLOW_NAME} characters.")
    return name


def flow_create(*, workspace: Workspace, name: str) -> Flow:
    """A new flow with an empty draft; nothing is live until it is published."""
    return Flow.objects.create(workspace=workspace, name=_clean_name(name), draft=[])


def flow_rename(*, flow: Flow, name: str) -> Flow:
    flow.name = _clean_name(name)
    flow.save(update_fields=["name", "updated_at"])
    return flow


def _draft_problems(blocks: Any, *, workspace_id: int, for_publish: bool) -> list[str]:
    problems = []
    if isinstance(blocks, list) and len(blocks) > MAX_BLOCKS:
        problems.append(f"A flow holds at most {MAX_BLOCKS} blocks.")
    try:
        problems += flow_blocks.validate(blocks, workspace_id=workspace_id, for_publish=for_publish)
    except (TypeError, AttributeError, KeyError):
        # A hand-made payload of the wrong shape (a list where a block id belongs…).
        problems.append("The flow is not in a shape ChatSparks understands. Reload the editor.")
    return problems


def flow_save_draft(*, flow: Flow, blocks: Any) -> Flow:
    """Replace the draft. The live version (and every run on it) is untouched until
    ``flow_publish``; a draft may be incomplete, but never malformed."""
    problems = _draft_problems(blocks, workspace_id=flow.workspace_id, for_publish=False)
    if problems:
        raise ValidationError(problems)
    flow.draft = blocks
    flow.save(update_fields=["draft", "updated_at"])
    return flow


def flow_publish(*, flow: Flow, user: Any) -> FlowVersion:
    """Freeze the saved draft as the next version and make it live.

    The flow row is locked for the whole transaction, so two publishes cannot both take the
    same number (``flow_version_once`` would refuse the second anyway) and the copy is the
    draft as stored, not a stale one in memory. Runs point at their own ``FlowVersion``: the
    ones under way keep going on the version they started with."""
    with transaction.atomic():
        locked = Flow.objects.for_workspace(flow.workspace_id).select_for_update().get(pk=flow.pk)
        problems = _draft_problems(locked.draft, workspace_id=locked.workspace_id, for_publish=True)
        if problems:
            raise ValidationError(problems)
        versions = FlowVersion.objects.for_workspace(locked.workspace_id).filter(flow=locked)
        last = versions.aggregate(last=Max("number"))["last"] or 0
        version = FlowVersion.objects.create(
            workspace_id=locked.workspace_id,
            flow=locked,
            number=last + 1,
            blocks=copy.deepcopy(locked.draft),
            published_by=user if getattr(user, "is_authenticated", False) else None,
        )
        locked.live_version = version
        locked.save(update_fields=["live_version", "updated_at"])
    flow.draft, flow.live_version = locked.draft, version
    return version


def flow_delete(*, flow: Flow) -> None:
    """Delete a flow no trigger uses. A flow that has started conversations stays: their
    history (and per-step analytics) points at its versions."""
    with transaction.atomic():
        locked = Flow.objects.for_workspace(flow.workspace_id).select_for_update().get(pk=flow.pk)
        users = list(
            Trigger.objects.for_workspace(locked.workspace_id)
            .filter(flow=locked)
            .order_by("priority", "id")
            .values_list("name", flat=True)
        )
        if users:
            names = ", ".join(f"“{name}”" for name in users)
            raise ValidationError(
                f"“{locked.name}” is used by the trigger{'s' if len(users) > 1 else ''} "
                f"{names}. Choose another flow for {'them' if len(users) > 1 else 'it'} first."
            )
        if (
            Run.objects.for_workspace(locked.workspace_id)
            .filter(flow_version__flow=locked)
            .exists()
        ):
            raise ValidationError(
                f"“{locked.name}” has already talked to contacts, and their conversation "
                "history refers to it, so it cannot be deleted."
            )
        locked.delete()


# -- automation settings -----------------------------------------------------------------------


def automation_settings_update(*, workspace: Workspace, **fields: Any) -> AutomationSettings:
    unknown = set(fields) - set(AUTOMATION_SETTINGS_FIELDS)
    if unknown:
        raise ValueError(f"Not an automation setting: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        found, _ = (
            AutomationSettings.objects.for_workspace(workspace)
            .select_for_update()
            .get_or_create(workspace=workspace)
        )
        for name, value in fields.items():
            setattr(found, name, value)
        found.full_clean()
        found.save()
    return found


def sensitive_keyword_add(
    *, workspace: Workspace, phrase: str, action: str, tag: str = ""
) -> SensitiveKeyword:
    """The workspace's own word that needs a person. Matching ignores case, so the phrase is
    kept in lower case: that is also how one overrides a built-in default of the same words."""
    phrase = " ".join(phrase.split()).lower()
    tag = tag.strip()
    if action not in SensitiveKeyword.Action.values:
        raise ValidationError("Choose what the keyword does.")
    if action == SensitiveKeyword.Action.HANDOFF:
        tag = ""
    elif not tag:
        raise ValidationError("Name the tag to add.")
    keyword = SensitiveKeyword(workspace=workspace, phrase=phrase, action=action, tag=tag)
    keyword.full_clean(validate_constraints=False)
    if SensitiveKeyword.objects.for_workspace(workspace).filter(phrase=phrase).exists():
        raise ValidationError(f"“{phrase}” is already on the list.")
    try:
        with transaction.atomic():
            keyword.save()
    except IntegrityError as error:  # added at the same moment by a teammate
        raise ValidationError(f"“{phrase}” is already on the list.") from error
    return keyword


def sensitive_keyword_remove(*, keyword: SensitiveKeyword) -> None:
    keyword.delete()
