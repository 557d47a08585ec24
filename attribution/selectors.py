"""Reads of orders and their attributions."""

from django.conf import settings
from django.db.models import QuerySet

from attribution.models import Attribution
from chatsparks.workspaces.models import Workspace
from inbox.models import Conversation


def conversation_attributions(*, conversation: Conversation) -> QuerySet[Attribution]:
    """The orders tied to a conversation, newest first, with their lines."""
    return (
        Attribution.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .exclude(outcome=Attribution.Outcome.ORGANIC)
        .select_related("order", "trigger", "flow", "post", "comment")
        .prefetch_related("order__lines")
        .order_by("-ordered_at")
    )


def attribution_get(*, workspace: Workspace, attribution_id: int) -> Attribution | None:
    return (
        Attribution.objects.for_workspace(workspace)
        .select_related("order", "conversation")
        .filter(pk=attribution_id)
        .first()
    )


def seller_order_url(order_id: str) -> str:
    return str(settings.TIKTOK_SHOP_ORDER_URL).format(order_id=order_id)
