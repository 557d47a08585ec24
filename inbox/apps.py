from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from chatsparks.workspaces import hooks as workspace_hooks
        from inbox import handlers  # noqa: F401 - registers the platform event handlers
        from inbox.panels import register as register_panel
        from inbox.routing_views import conversation_routing_panel
        from inbox.sends import sends_cancel_for_connection
        from inbox.services import member_removed
        from integrations import hooks as connection_hooks

        connection_hooks.on_connection_paused(sends_cancel_for_connection)
        workspace_hooks.on_member_removed(member_removed)
        register_panel(conversation_routing_panel)
