"""Platform events this app owns, registered with integrations' handler map."""

from inbox import services
from integrations.models import Provider
from integrations.webhooks.handlers import PlatformEvent, register


@register(Provider.TIKTOK, "comment.update")
def comment_update(event: PlatformEvent) -> str:
    return services.comment_record(connection=event.connection, data=event.data)


@register(Provider.TIKTOK, "im_receive_high_intent_comment")
def high_intent_comment(event: PlatformEvent) -> str:
    return services.comment_high_intent(connection=event.connection, data=event.data)


@register(Provider.TIKTOK, "im_receive_msg")
def message_received(event: PlatformEvent) -> str:
    return services.message_record(connection=event.connection, data=event.data, inbound=True)


@register(Provider.TIKTOK, "im_send_msg")
def message_sent(event: PlatformEvent) -> str:
    return services.message_record(connection=event.connection, data=event.data, inbound=False)
