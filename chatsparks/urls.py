from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from chatsparks import health
from chatsparks.workspaces import views as workspace_views
from integrations import views as integration_views
from integrations.webhooks import views as webhook_views

admin.site.site_header = "ChatSparks support"
admin.site.site_title = "ChatSparks support"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("healthz", health.healthz, name="healthz"),
    path("webhooks/tiktok/", webhook_views.tiktok, name="webhook_tiktok"),
    path("webhooks/tiktok-shop/", webhook_views.tiktok_shop, name="webhook_tiktok_shop"),
    path(
        "integrations/<str:provider>/callback/",
        integration_views.callback,
        name="integrations_callback",
    ),
    path("join/<str:token>/", workspace_views.invitation_join, name="invitation_join"),
    path("api/v1/", include("chatsparks.workspaces.api.urls")),
    path("api/v1/", include("inbox.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("", include("integrations.urls")),
    path("", include("inbox.urls")),
    path("", include("flows.urls")),
    path("", include("attribution.urls")),
    path("", include("helpdesk.urls")),
    path("", include("support.urls")),
    path("", include("analytics.urls")),
    path("", include("chatsparks.workspaces.urls")),
    path("", include("chatsparks.dashboard.urls")),
]
