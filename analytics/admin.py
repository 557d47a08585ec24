from django.contrib import admin

from analytics.models import DailyStat, RollupState


@admin.register(DailyStat)
class DailyStatAdmin(admin.ModelAdmin):
    """Read-only: rows are recomputed from the base tables (``analytics_rebuild``)."""

    list_display = ("day", "workspace", "dimension", "key", "step", "currency", "comments",
                    "triggered", "dms", "replies", "orders", "revenue")  # fmt: skip
    list_filter = ("dimension",)
    search_fields = ("workspace__public_id", "key")
    date_hierarchy = "day"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ("workspace", "refreshed_at")
    search_fields = ("workspace__public_id",)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False
