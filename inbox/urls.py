from django.urls import path

from inbox import views

app_name = "inbox"

_base = "w/<str:workspace_id>/"

urlpatterns = [
    path(_base + "inbox/", views.inbox, name="inbox"),
    path(_base + "inbox/<int:conversation_id>/", views.conversation, name="conversation"),
    path(
        _base + "inbox/<int:conversation_id>/<slug:action>/",
        views.conversation_action,
        name="conversation_action",
    ),
    path(_base + "contacts/", views.contacts, name="contacts"),
]
