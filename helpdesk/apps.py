from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    name = "helpdesk"
    verbose_name = "Helpdesk forwarding"

    def ready(self) -> None:
        from anymail.signals import inbound

        from helpdesk import forwarding, replies, views
        from inbox import hooks, panels

        hooks.on_message_received(forwarding.message_received)
        panels.register(views.conversation_helpdesk_panel)
        # Any inbound view of django-anymail delivers here; helpdesk/urls.py mounts one.
        inbound.connect(replies.anymail_inbound, dispatch_uid="helpdesk.replies")
