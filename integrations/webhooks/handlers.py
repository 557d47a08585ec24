"""The ``{(provider, event type): handler}`` registry.

Apps above ``integrations`` (inbox, flows, attribution) register their handlers in their
``AppConfig.ready`` so that this app never imports them. A handler gets the parsed event with
its connection resolved and returns a short outcome string for the event's row.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from integrations.models import Connection


@dataclass(frozen=True)
class PlatformEvent:
    provider: str
    event_type: str
    connection: Connection
    payload: dict[str, Any]  # the decoded envelope
    data: dict[str, Any]  # TikTok: the decoded ``content`` string; Shop: ``data``


Handler = Callable[[PlatformEvent], str]

_handlers: dict[tuple[str, str], Handler] = {}


def register(provider: str, event_type: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _handlers[(provider, event_type)] = handler
        return handler

    return decorator


def handler_for(provider: str, event_type: str) -> Handler | None:
    return _handlers.get((provider, event_type))
