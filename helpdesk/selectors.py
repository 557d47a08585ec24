"""Reads of helpdesk forwarding."""

from django.db.models import Q, QuerySet

from chatsparks.workspaces.models import Membership, Workspace
from helpdesk.models import EmailReply, ForwardedEmail, ForwardingSettings
from inbox.models import Conversation, Send


def forwarding_settings_get(*, workspace: Workspace | int) -> ForwardingSettings | None:
    return ForwardingSettings.objects.for_workspace(workspace).first()


def forwarding_settings_active(*, workspace: Workspace | int) -> ForwardingSettings | None:
    """The settings if forwarding is on (the hook asks this for every buyer message)."""
    return ForwardingSettings.objects.for_workspace(workspace).filter(enabled=True).first()


def member_for_address(*, workspace: Workspace | int, address: str) -> Membership | None:
    """The member who writes from ``address``: their account's address, or another address
    of theirs they verified."""
    address = address.strip()
    if not address:
        return None
    return (
        Membership.objects.for_workspace(workspace)
        .filter(
            Q(user__email__iexact=address)
            | Q(user__emailaddress__email__iexact=address, user__emailaddress__verified=True)
        )
        .select_related("user")
        .order_by("pk")
        .first()
    )


def conversation_forwarded_emails(*, conversation: Conversation) -> QuerySet[ForwardedEmail]:
    return ForwardedEmail.objects.for_workspace(conversation.workspace_id).filter(
        conversation=conversation
    )


def conversation_email_replies(*, conversation: Conversation) -> QuerySet[EmailReply]:
    return (
        EmailReply.objects.for_workspace(conversation.workspace_id)
        .filter(conversation=conversation)
        .select_related("author")
    )


def reply_sends(*, reply: EmailReply) -> list[Send]:
    """The Shop chat sends an accepted reply became, in the order they go out."""
    if not reply.send_ids:
        return []
    return list(
        Send.objects.for_workspace(reply.workspace_id).filter(pk__in=reply.send_ids).order_by("pk")
    )
