from django.contrib import admin

from inbox.models import (
    Comment,
    Contact,
    Conversation,
    Message,
    RoutingApplication,
    RoutingRule,
    SavedReply,
    Send,
    ShopChatSettings,
)


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "workspace", "platform", "first_seen_at", "last_seen_at")
    search_fields = ("handle", "external_id", "workspace__public_id")
    list_filter = ("platform",)
    list_select_related = ("workspace",)
    readonly_fields = ("first_seen_at", "last_seen_at")


@admin.register(Comment)
class CommentAdmin(admin.ModelAdmin):
    list_display = ("text", "contact", "post_external_id", "status", "high_intent", "commented_at")
    search_fields = ("external_id", "text", "workspace__public_id")
    list_filter = ("status", "high_intent")
    list_select_related = ("contact",)
    raw_id_fields = ("contact", "post", "connection")


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    fields = ("sent_at", "direction", "kind", "text", "source", "send")
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = (
        "__str__", "workspace", "channel", "state", "assignee", "handoff_reason", "last_message_at",
    )  # fmt: skip
    search_fields = ("external_id", "contact__handle", "workspace__public_id")
    list_filter = ("channel", "state")
    list_select_related = ("contact", "workspace", "assignee")
    raw_id_fields = ("contact", "connection", "assignee")
    inlines = (MessageInline,)


@admin.register(Send)
class SendAdmin(admin.ModelAdmin):
    """Every reply and DM with its state; support reads why one failed, never edits it."""

    list_display = ("created_at", "workspace", "kind", "door", "state", "attempts", "error")
    list_filter = ("kind", "state", "door")
    search_fields = ("workspace__public_id", "provider_id", "comment__external_id")
    list_select_related = ("workspace",)
    readonly_fields = (
        "workspace", "connection", "kind", "door", "comment", "conversation", "contact", "text",
        "payload", "author", "state", "provider_id", "error", "attempts", "sending_since",
    )  # fmt: skip


@admin.register(SavedReply)
class SavedReplyAdmin(admin.ModelAdmin):
    list_display = ("shortcut", "workspace")
    search_fields = ("shortcut", "workspace__public_id")


@admin.register(ShopChatSettings)
class ShopChatSettingsAdmin(admin.ModelAdmin):
    """Who answers in each Shop account's chat; the workspace switches it, support reads it."""

    list_display = ("connection", "workspace", "bot_enabled", "synced_at", "updated_by")
    list_filter = ("bot_enabled",)
    search_fields = ("workspace__public_id", "connection__external_id")
    list_select_related = ("connection", "workspace", "updated_by")
    readonly_fields = ("workspace", "connection", "bot_enabled", "synced_at", "updated_by")


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """The workspace's routing rules, in order; the workspace edits them (assignees must be its
    members, accounts its own), support reads them."""

    list_display = ("name", "workspace", "position", "is_active", "combine", "assignee")
    list_filter = ("is_active", "combine")
    search_fields = ("name", "workspace__public_id")
    list_select_related = ("workspace", "assignee")
    ordering = ("workspace", "position", "id")
    readonly_fields = (
        "workspace", "name", "is_active", "position", "combine", "connections", "message_types",
        "keywords", "contact_tags", "field_name", "field_value", "add_tag", "assignee",
        "created_at", "updated_at",
    )  # fmt: skip


@admin.register(RoutingApplication)
class RoutingApplicationAdmin(admin.ModelAdmin):
    """What each rule did on which message: why a conversation was tagged or assigned."""

    list_display = ("applied_at", "workspace", "rule_name", "conversation", "changes")
    search_fields = ("rule_name", "workspace__public_id")
    list_select_related = ("workspace", "conversation__contact")
    readonly_fields = (
        "workspace", "rule", "rule_name", "conversation", "message", "changes", "applied_at",
    )  # fmt: skip
