from django.urls import path

from chatsparks.workspaces.api import views

urlpatterns = [
    path("workspaces/", views.MyWorkspacesView.as_view(), name="api-my-workspaces"),
    path("w/<str:workspace_id>/", views.WorkspaceDetailView.as_view(), name="api-workspace"),
    path("w/<str:workspace_id>/members/", views.MemberListView.as_view(), name="api-members"),
    path(
        "w/<str:workspace_id>/invitations/",
        views.InvitationListCreateView.as_view(),
        name="api-invitations",
    ),
]
