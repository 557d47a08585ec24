from django.urls import path

from bench import views
from chatsparks.urls import urlpatterns as product_urlpatterns

urlpatterns = [
    path("bench/empty/", views.empty),
    path("bench/bare-ingest/", views.bare_ingest),
    *product_urlpatterns,
]
