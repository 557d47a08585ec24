from django.urls import path

from support import views

app_name = "support"

_base = "w/<str:workspace_id>/"

urlpatterns = [
    path(_base + "settings/working-hours/", views.working_hours, name="working_hours"),
    path(
        _base + "support/conversations/<int:conversation_id>/close-with-rating/",
        views.close_with_rating,
        name="close_with_rating",
    ),
]
