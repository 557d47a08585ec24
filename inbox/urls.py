from django.urls import path

from inbox import views

app_name = "inbox"

_base = "w/<str:workspace_id>/"
_conversation = _base + "inbox/<int:conversation_id>/"

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
