from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from flows import engine, services
        from inbox import hooks
        from integrations import hooks as connection_hooks

        hooks.on_comment_stored(engine.comment_stored)
        connection_hooks.on_connection_paused(services.triggers_pause_for_connection)
        connection_hooks.on_connection_resumed(services.triggers_resume_for_connection)
