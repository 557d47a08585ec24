"""What apps above ``integrations`` do when a connection stops being usable, or comes back.

Disconnecting, or TikTok withdrawing the grant, must pause every live automation on that
account and cancel its pending sends in the same transaction as the status change. Those
live in ``flows`` and ``inbox``, which this app may not import, so they register a handler
here in their ``AppConfig.ready`` and it is called with the locked connection.
"""

from collections.abc import Callable

from integrations.models import Connection

PauseHandler = Callable[[Connection, str], None]
ResumeHandler = Callable[[Connection], None]

_pause_handlers: list[PauseHandler] = []
_resume_handlers: list[ResumeHandler] = []


def on_connection_paused(handler: PauseHandler) -> PauseHandler:
    """Register ``handler(connection, reason)``; usable as a decorator."""
    _pause_handlers.append(handler)
    return handler


def connection_paused(connection: Connection, reason: str) -> None:
    """Called inside the transaction that takes the connection out of service."""
    for handler in _pause_handlers:
        handler(connection, reason)


def on_connection_resumed(handler: ResumeHandler) -> ResumeHandler:
    """Register ``handler(connection)``, called when an owner reconnects the same account."""
    _resume_handlers.append(handler)
    return handler


def connection_resumed(connection: Connection) -> None:
    """Called inside the transaction that brings a paused connection back."""
    for handler in _resume_handlers:
        handler(connection)
