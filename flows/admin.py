"""Support's view of automations: what a workspace built and what the bot did, read-only
where changing it by hand would rewrite history (evaluations, runs, published versions)."""

from django.contrib import admin

from flows.models import Evaluation, Flow, FlowVersion, Run, RunStep, SensitiveKeyword, Trigger


@admin.register(Trigger)
class TriggerAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "status", "priority", "flow", "updated_at")
    list_filter = ("status",)
    search_fields = ("name", "workspace__public_id", "keywords")
    list_select_related = ("workspace", "flow")
    raw_id_fields = ("connection", "flow")


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ("created_at", "workspace", "outcome", "trigger", "reason")
    list_filter = ("outcome",)
    search_fields = ("workspace__public_id", "comment__external_id", "reason")
    list_select_related = ("workspace", "trigger")
    readonly_fields = ("workspace", "comment", "contact", "trigger", "outcome", "reason", "notes")


class FlowVersionInline(admin.TabularInline):
    model = FlowVersion
    extra = 0
    fields = ("number", "published_at", "published_by")
    readonly_fields = fields
    can_delete = False


@admin.register(Flow)
class FlowAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "live_version", "updated_at")
    search_fields = ("name", "workspace__public_id")
    list_select_related = ("workspace", "live_version")
    raw_id_fields = ("live_version",)
    inlines = (FlowVersionInline,)


class RunStepInline(admin.TabularInline):
    model = RunStep
    extra = 0
    fields = ("at", "block_id", "block_type", "note")
    readonly_fields = fields
    can_delete = False


@admin.register(Run)
class RunAdmin(admin.ModelAdmin):
    list_display = ("started_at", "workspace", "contact", "state", "door", "position", "wake_at")
    list_filter = ("state", "door")
    search_fields = ("workspace__public_id", "contact__handle", "comment__external_id")
    list_select_related = ("workspace", "contact")
    readonly_fields = (
        "workspace", "connection", "flow_version", "trigger", "comment", "contact",
        "conversation", "door", "position", "intent_checks", "free_text_count",
    )  # fmt: skip
    inlines = (RunStepInline,)


@admin.register(SensitiveKeyword)
class SensitiveKeywordAdmin(admin.ModelAdmin):
    list_display = ("phrase", "workspace", "action", "tag")
    search_fields = ("phrase", "workspace__public_id")
