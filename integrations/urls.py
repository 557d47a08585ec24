from django.urls import path

from integrations import views

app_name = "integrations"

_base = "w/<str:workspace_id>/settings/integrations/"

urlpatterns = [
    path(_base, views.index, name="index"),
    path(_base + "cards/", views.cards, name="cards"),
    path(_base + "<str:provider>/connect/", views.connect, name="connect"),
    path(_base + "<int:connection_id>/disconnect/", views.disconnect, name="disconnect"),
]
