"""What the apps above the inbox do when something new arrives in it.

``flows`` registers here (in its ``AppConfig.ready``): it evaluates comment triggers for every
newly stored comment, opens the Comment-to-Message door when TikTok flags a comment, and
carries a flow on (or hands off) when a contact writes. ``support`` may first claim a
contact's message as their satisfaction rating, which nothing else then sees. ``attribution``
re-matches orders when a shop link reaches a contact or a contact is recognised as a Shop
buyer. ``helpdesk`` collects Shop buyers' messages for its forwarding emails. The inbox imports
none of them.
Handlers run inside the transaction that stored the event, in the worker draining webhooks.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from inbox.models import Comment, Contact, Conversation, Message

CommentHandler = Callable[["Comment"], None]
MessageHandler = Callable[["Message"], None]
ConversationHandler = Callable[["Conversation"], None]

_comment_handlers: list[CommentHandler] = []
_flagged_handlers: list[CommentHandler] = []
_message_handlers: list[MessageHandler] = []
_inbound_claims: list[Callable[["Message"], bool]] = []
_handed_back_handlers: list[ConversationHandler] = []
_shop_link_handlers: list[MessageHandler] = []
_contact_linked_handlers: list[Callable[["Contact"], None]] = []


def on_comment_stored(handler: CommentHandler) -> CommentHandler:
    _comment_handlers.append(handler)
    return handler


def on_comment_flagged(handler: CommentHandler) -> CommentHandler:
    _flagged_handlers.append(handler)
    return handler


def on_message_received(handler: MessageHandler) -> MessageHandler:
    _message_handlers.append(handler)
    return handler


def on_inbound_claim(handler: Callable[["Message"], bool]) -> Callable[["Message"], bool]:
    _inbound_claims.append(handler)
    return handler


def on_conversation_handed_back(handler: ConversationHandler) -> ConversationHandler:
    _handed_back_handlers.append(handler)
    return handler


def on_shop_link_delivered(handler: MessageHandler) -> MessageHandler:
    _shop_link_handlers.append(handler)
    return handler


def on_contact_linked(handler: Callable[["Contact"], None]) -> Callable[["Contact"], None]:
    _contact_linked_handlers.append(handler)
    return handler


def comment_stored(comment: "Comment") -> None:
    for handler in _comment_handlers:
        handler(comment)


def comment_flagged(comment: "Comment") -> None:
    """TikTok flagged ``comment`` high intent (after it was stored)."""
    for handler in _flagged_handlers:
        handler(comment)


def message_received(message: "Message") -> None:
    """A new inbound message from a contact (never our own or the echo of one)."""
    for handler in _message_handlers:
        handler(message)


def inbound_claimed(message: "Message") -> bool:
    """A new inbound message, before anything reacts to it: is it the answer to something an
    app above the inbox asked outside any flow (a satisfaction rating)? The first handler
    that says yes has taken it: the message is stored and shown, but it reopens nothing and
    ``message_received`` is not called for it (the bot would hand it off as a DM outside any
    flow, the helpdesk would forward it as a question)."""
    return any(handler(message) for handler in _inbound_claims)


def conversation_handed_back(conversation: "Conversation") -> None:
    """A teammate gave the conversation back to the bot."""
    for handler in _handed_back_handlers:
        handler(conversation)


def shop_link_delivered(message: "Message") -> None:
    """TikTok took a DM carrying a product (a shop link or card)."""
    for handler in _shop_link_handlers:
        handler(message)


def contact_linked(contact: "Contact") -> None:
    """``contact`` was just recognised as a TikTok Shop buyer."""
    for handler in _contact_linked_handlers:
        handler(contact)
