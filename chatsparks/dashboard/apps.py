from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "chatsparks.dashboard"
    label = "dashboard"
