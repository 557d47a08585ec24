"""Side panels other apps add to the conversation page (attribution shows the orders a
conversation produced), so that the inbox never imports the apps built on it. A panel is a
function of the request and the conversation returning HTML, or "" to show nothing."""

from collections.abc import Callable
from typing import TYPE_CHECKING

from django.http import HttpRequest
from django.utils.safestring import SafeString

if TYPE_CHECKING:
    from inbox.models import Conversation

Panel = Callable[[HttpRequest, "Conversation"], SafeString | str]

_panels: list[Panel] = []


def register(panel: Panel) -> Panel:
    _panels.append(panel)
    return panel


def render_all(request: HttpRequest, conversation: "Conversation") -> list[SafeString | str]:
    return [html for panel in _panels if (html := panel(request, conversation))]
