from django.urls import path

from chatsparks.dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.home, name="home"),
    path("w/<str:workspace_id>/", views.overview, name="overview"),
]
