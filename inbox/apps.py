from django.apps import AppConfig


class InboxConfig(AppConfig):
    name = "inbox"
    verbose_name = "Inbox"

    def ready(self) -> None:
        from inbox import handlers  # noqa: F401 - registers the platform event handlers
        from inbox.sends import sends_cancel_for_connection
        from integrations import hooks

        hooks.on_connection_paused(sends_cancel_for_connection)
