"""Support's view of helpdesk forwarding: read-only, as every row here is a record of mail."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from helpdesk.models import EmailReply, ForwardedEmail, ForwardingSettings


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ForwardingSettings)
class ForwardingSettingsAdmin(_ReadOnly):
    list_display = ("workspace", "enabled", "address", "window_minutes", "updated_at")


@admin.register(ForwardedEmail)
class ForwardedEmailAdmin(_ReadOnly):
    list_display = ("pk", "workspace", "conversation", "state", "attempts", "due_at", "sent_at")
    list_filter = ("state",)


@admin.register(EmailReply)
class EmailReplyAdmin(_ReadOnly):
    list_display = ("pk", "workspace", "conversation", "from_address", "state", "received_at")
    list_filter = ("state", "bounce_state")
    exclude = ("body",)  # a buyer conversation: support does not need it to debug delivery
