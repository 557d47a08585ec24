from django.urls import path

from inbox.api import views

_base = "w/<str:workspace_id>/inbox/"
_conversation = _base + "conversations/<int:conversation_id>/"

urlpatterns = [
    path(
        _base + "conversations/",
        views.ConversationListView.as_view(),
        name="api-inbox-conversations",
    ),
    path(_conversation, views.ConversationDetailView.as_view(), name="api-inbox-conversation"),
    path(
        _conversation + "take/",
        views.ConversationTakeView.as_view(),
        name="api-inbox-conversation-take",
    ),
    path(
        _conversation + "assign/",
        views.ConversationAssignView.as_view(),
        name="api-inbox-conversation-assign",
    ),
    path(
        _conversation + "hand-back/",
        views.ConversationHandBackView.as_view(),
        name="api-inbox-conversation-hand-back",
    ),
    path(
        _conversation + "close/",
        views.ConversationCloseView.as_view(),
        name="api-inbox-conversation-close",
    ),
    path(
        _conversation + "reply/",
        views.ConversationReplyView.as_view(),
        name="api-inbox-conversation-reply",
    ),
    path(
        _conversation + "notes/",
        views.ConversationNoteView.as_view(),
        name="api-inbox-conversation-notes",
    ),
    path(_base + "contacts/", views.ContactListView.as_view(), name="api-inbox-contacts"),
    path(
        _base + "saved-replies/",
        views.SavedReplyListView.as_view(),
        name="api-inbox-saved-replies",
    ),
    path(
        _base + "routing-rules/",
        views.RoutingRuleListView.as_view(),
        name="api-inbox-routing-rules",
    ),
]
