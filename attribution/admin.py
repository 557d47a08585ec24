"""Support's view of orders and what they were credited to. Read-only: both are derived
from TikTok's data and the matching rules, and editing them by hand would hide a bug."""

from django.contrib import admin

from attribution.models import Attribution, Order, OrderLine


class OrderLineInline(admin.TabularInline):
    model = OrderLine
    extra = 0
    fields = ("sku_id", "product_name", "sku_name", "unit_price", "quantity", "currency")
    readonly_fields = fields
    can_delete = False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = (
        "external_id",
        "workspace",
        "status",
        "total",
        "currency",
        "created_at_platform",
    )
    list_filter = ("status", "refunded", "details_missing")
    search_fields = ("external_id", "buyer_user_id", "workspace__public_id")
    list_select_related = ("workspace",)
    readonly_fields = (
        "workspace", "connection", "external_id", "status", "buyer_user_id", "currency", "total",
        "created_at_platform", "updated_at_platform", "refunded", "details_missing",
    )  # fmt: skip
    inlines = (OrderLineInline,)


@admin.register(Attribution)
class AttributionAdmin(admin.ModelAdmin):
    list_display = (
        "order",
        "workspace",
        "outcome",
        "decision",
        "revenue",
        "currency",
        "ordered_at",
    )
    list_filter = ("outcome", "decision")
    search_fields = ("order__external_id", "workspace__public_id")
    list_select_related = ("order", "workspace")
    readonly_fields = [f.name for f in Attribution._meta.fields]
