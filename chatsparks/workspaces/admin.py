"""Support staff's view of tenants. Audit entries are read-only; nothing secret is shown."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from chatsparks.workspaces.models import AuditEntry, Invitation, Membership, Workspace


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fields = ("user", "role", "created_at")
    readonly_fields = ("created_at",)
    raw_id_fields = ("user",)


@admin.register(Workspace)
class WorkspaceAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "public_id",
        "timezone",
        "default_language",
        "require_mfa",
        "created_at",
    )
    search_fields = ("name", "public_id", "memberships__user__email")
    list_filter = ("require_mfa", "default_language", "created_at")
    readonly_fields = ("public_id", "created_at")
    inlines = (MembershipInline,)


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "workspace", "role", "created_at")
    search_fields = ("user__email", "workspace__name", "workspace__public_id")
    list_filter = ("role",)
    list_select_related = ("user", "workspace")
    raw_id_fields = ("user", "workspace")


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ("email", "workspace", "role", "status", "sent_at", "expires_at")
    search_fields = ("email", "workspace__name", "workspace__public_id")
    list_filter = ("role", "accepted_at", "revoked_at")
    list_select_related = ("workspace",)
    # The token hash is a credential's fingerprint: never shown.
    exclude = ("token_hash",)
    readonly_fields = ("created_at", "sent_at", "accepted_at", "accepted_by", "invited_by")
    raw_id_fields = ("workspace",)

    @admin.display(description="status")
    def status(self, obj: Invitation) -> str:
        return obj.status


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ("created_at", "action", "workspace_public_id", "actor_id")
    search_fields = ("workspace_public_id",)
    list_filter = ("action", "created_at")
    date_hierarchy = "created_at"
    readonly_fields = (
        "created_at",
        "action",
        "workspace",
        "workspace_public_id",
        "actor",
        "detail",
    )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
