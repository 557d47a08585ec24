"""Support staff's view of working hours and ratings: read-only, as a rating is the buyer's
word and hours are the workspace's own setting."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from support.models import RatingRequest, WorkingDay, WorkingHours


class _ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WorkingHours)
class WorkingHoursAdmin(_ReadOnly):
    list_display = ("workspace", "enabled", "updated_at")


@admin.register(WorkingDay)
class WorkingDayAdmin(_ReadOnly):
    list_display = ("workspace", "weekday", "opens", "closes")


@admin.register(RatingRequest)
class RatingRequestAdmin(_ReadOnly):
    list_display = ("conversation", "requested_by", "requested_at", "rating", "rated_at")
    list_filter = ("rating",)
