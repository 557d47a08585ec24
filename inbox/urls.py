from django.urls import path

from inbox import routing_views, views

app_name = "inbox"

_base = "w/<str:workspace_id>/"
_conversation = _base + "inbox/<int:conversation_id>/"
_routing = _base + "inbox/settings/routing/"

urlpatterns = [
    path(_base + "inbox/", views.inbox, name="inbox"),
    path(_base + "inbox/views/", views.saved_view_create, name="saved_view_create"),
    path(
        _base + "inbox/views/<int:view_id>/delete/",
        views.saved_view_delete,
        name="saved_view_delete",
    ),
    path(_base + "inbox/settings/replies/", views.saved_replies, name="saved_replies"),
    path(
        _base + "inbox/settings/replies/<int:reply_id>/delete/",
        views.saved_reply_delete,
        name="saved_reply_delete",
    ),
    path(_base + "inbox/settings/shop-chat/", views.shop_chat_settings, name="shop_chat_settings"),
    path(_routing, routing_views.routing_rules, name="routing_rules"),
    path(_routing + "new/", routing_views.routing_rule_new, name="routing_rule_new"),
    path(_routing + "order/", routing_views.routing_rules_reorder, name="routing_rules_reorder"),
    path(_routing + "<int:rule_id>/", routing_views.routing_rule_edit, name="routing_rule_edit"),
    path(
        _routing + "<int:rule_id>/active/",
        routing_views.routing_rule_active,
        name="routing_rule_active",
    ),
    path(
        _routing + "<int:rule_id>/move/", routing_views.routing_rule_move, name="routing_rule_move"
    ),
    path(
        _routing + "<int:rule_id>/delete/",
        routing_views.routing_rule_delete,
        name="routing_rule_delete",
    ),
    path(_conversation, views.conversation, name="conversation"),
    # Before the actions: "send" and "product-preview" are not actions.
    path(_conversation + "send/", views.conversation_send, name="conversation_send"),
    path(_conversation + "product-preview/", views.product_preview, name="product_preview"),
    path(_conversation + "shop/card/", views.shop_card, name="shop_card"),
    path(_conversation + "shop/image/", views.shop_image, name="shop_image"),
    path(_conversation + "shop/start/", views.shop_start, name="shop_start"),
    path(_conversation + "<slug:action>/", views.conversation_action, name="conversation_action"),
    path(_base + "contacts/", views.contacts, name="contacts"),
]
