"""Platform events this app owns, registered with integrations' handler map."""

from inbox import services, shop_chat
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


# TikTok Shop notification types (tiktok-wire.md §2.4, §4.5).
SHOP_NEW_CONVERSATION = "13"
SHOP_NEW_MESSAGE = "14"


@register(Provider.TIKTOK_SHOP, SHOP_NEW_CONVERSATION)
def shop_conversation_changed(event: PlatformEvent) -> str:
    return shop_chat.shop_conversation_changed(connection=event.connection, data=event.data)


@register(Provider.TIKTOK_SHOP, SHOP_NEW_MESSAGE)
def shop_message(event: PlatformEvent) -> str:
    return shop_chat.shop_message_received(connection=event.connection, data=event.data)
