"""Support's view of connections and webhook deliveries. Tokens are never shown: the admin
excludes the encrypted columns and nothing here decrypts them."""

import json

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from integrations.models import Connection, WebhookEvent
from integrations.webhooks.ingest import event_replay


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ("__str__", "provider", "workspace", "status", "last_sync_at", "last_event_at")
    list_filter = ("provider", "status")
    search_fields = (
        "external_id",
        "handle",
        "display_name",
        "workspace__public_id",
        "workspace__name",
    )
    list_select_related = ("workspace",)
    exclude = ("access_token_encrypted", "refresh_token_encrypted")
    readonly_fields = (
        "workspace", "provider", "external_id", "shop_cipher", "seller_open_id", "granted_scopes",
        "access_token_expires_at", "refresh_token_expires_at", "authorization_expires_at",
        "connected_at", "disconnected_at", "last_sync_at", "last_event_at", "created_at",
    )  # fmt: skip


@admin.register(WebhookEvent)
class WebhookEventAdmin(admin.ModelAdmin):
    list_display = (
        "received_at",
        "provider",
        "event_type",
        "account_id",
        "status",
        "attempts",
        "outcome",
    )
    list_filter = ("provider", "status", "event_type")
    search_fields = ("event_id", "account_id")
    date_hierarchy = "received_at"
    actions = ("replay",)
    exclude = ("body",)
    readonly_fields = (
        "provider", "event_id", "event_type", "account_id", "payload", "received_at", "status",
        "attempts", "processed_at", "outcome", "connection",
    )  # fmt: skip

    @admin.display(description="payload")
    def payload(self, obj: WebhookEvent) -> str:
        try:
            return json.dumps(json.loads(bytes(obj.body)), indent=2, ensure_ascii=False)
        except ValueError:
            return bytes(obj.body).decode(errors="replace")

    @admin.action(description="Replay the selected deliveries")
    def replay(self, request: HttpRequest, queryset: QuerySet[WebhookEvent]) -> None:
        for event in queryset:
            event_replay(event=event)
        messages.success(request, f"Queued {queryset.count()} deliveries for processing again.")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
