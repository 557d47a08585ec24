from django.contrib import admin

from inbox.models import Comment, Contact, Conversation, Message


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
    fields = ("sent_at", "direction", "kind", "text", "source")
    readonly_fields = fields


@admin.register(Conversation)
class ConversationAdmin(admin.ModelAdmin):
    list_display = ("__str__", "workspace", "channel", "state", "assignee", "last_message_at")
    search_fields = ("external_id", "contact__handle", "workspace__public_id")
    list_filter = ("channel", "state")
    list_select_related = ("contact", "workspace", "assignee")
    raw_id_fields = ("contact", "connection", "assignee")
    inlines = (MessageInline,)
