from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from flows import engine, runner, services
        from inbox import hooks
        from integrations import hooks as connection_hooks

        hooks.on_comment_stored(engine.comment_stored)
        hooks.on_comment_flagged(runner.comment_flagged)
        hooks.on_message_received(runner.message_received)
        hooks.on_conversation_handed_back(runner.conversation_handed_back)
        connection_hooks.on_connection_paused(services.triggers_pause_for_connection)
        connection_hooks.on_connection_resumed(services.triggers_resume_for_connection)
