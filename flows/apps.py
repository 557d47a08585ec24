from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "flows"
    verbose_name = "Flows"

    def ready(self) -> None:
        from flows import engine
        from inbox import hooks

        hooks.on_comment_stored(engine.comment_stored)
