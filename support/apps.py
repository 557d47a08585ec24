from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "support"
    verbose_name = "Customer service"

    def ready(self) -> None:
        from inbox import hooks, panels
        from support import services, views

        # Before the flows and helpdesk see a message: a rating answer is not a question.
        hooks.on_inbound_claim(services.rating_answer_claim)
        panels.register(views.conversation_rating_panel)
