from django.urls import path

from attribution import views

app_name = "attribution"

_base = "w/<str:workspace_id>/"

urlpatterns = [
    path(
        _base + "attributions/<int:attribution_id>/decide/",
        views.attribution_decide,
        name="attribution_decide",
    ),
]
