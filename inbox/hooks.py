"""What the apps above the inbox do when something new arrives in it.

``flows`` registers here (in its ``AppConfig.ready``) to evaluate comment triggers for every
newly stored comment; the inbox may not import flows. Handlers run inside the transaction
that stored the comment, in the worker draining webhook events.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.models import Comment

CommentHandler = Callable[["Comment"], None]

_comment_handlers: list[CommentHandler] = []


def on_comment_stored(handler: CommentHandler) -> CommentHandler:
    _comment_handlers.append(handler)
    return handler


def comment_stored(comment: "Comment") -> None:
    for handler in _comment_handlers:
        handler(comment)
