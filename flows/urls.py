from django.urls import path

from flows import views

app_name = "flows"

_base = "w/<str:workspace_id>/automations/"

urlpatterns = [
    path(_base, views.automations, name="automations"),
    path(_base + "triggers/new/", views.trigger_new, name="trigger_new"),
    path(_base + "triggers/<int:trigger_id>/", views.trigger_edit, name="trigger_edit"),
    path(_base + "triggers/<int:trigger_id>/status/", views.trigger_status, name="trigger_status"),
]
