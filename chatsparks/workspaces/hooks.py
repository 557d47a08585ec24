"""What apps above ``workspaces`` do when someone leaves a workspace (the inbox hands their
conversations back). They register in their ``AppConfig.ready``; this app imports none."""

from collections.abc import Callable

MemberRemovedHandler = Callable[[int, int], None]  # (workspace_id, user_id)

_member_removed: list[MemberRemovedHandler] = []


def on_member_removed(handler: MemberRemovedHandler) -> MemberRemovedHandler:
    _member_removed.append(handler)
    return handler


def member_removed(*, workspace_id: int, user_id: int) -> None:
    for handler in _member_removed:
        handler(workspace_id, user_id)
