from django.urls import path
from django.views.generic import RedirectView

from chatsparks.workspaces import views

app_name = "workspaces"

_settings = "w/<str:workspace_id>/settings/"

urlpatterns = [
    path("workspaces/new/", views.workspace_create, name="create"),
    path(
        _settings,
        RedirectView.as_view(pattern_name="workspaces:settings_general"),
        name="settings",
    ),
    path(_settings + "general/", views.settings_general, name="settings_general"),
    path(_settings + "members/", views.members, name="members"),
    path(_settings + "members/invite/", views.invitation_create, name="invitation_create"),
    path(
        _settings + "members/<int:membership_id>/role/",
        views.member_change_role,
        name="member_change_role",
    ),
    path(
        _settings + "members/<int:membership_id>/remove/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        _settings + "invitations/<int:invitation_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        _settings + "invitations/<int:invitation_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path(_settings + "billing/", views.billing, name="billing"),
]
