from django.urls import path

from analytics import views

app_name = "analytics"

_base = "w/<str:workspace_id>/analytics/"

urlpatterns = [
    path(_base, views.overview, name="overview"),
    path(_base + "posts/", views.posts, name="posts"),
    path(_base + "flows/", views.flows, name="flows"),
    path(_base + "keywords/", views.keywords, name="keywords"),
    path(_base + "customer-service/", views.customer_service, name="customer_service"),
]
