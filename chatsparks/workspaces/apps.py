from django.apps import AppConfig


class WorkspacesConfig(AppConfig):
    name = "chatsparks.workspaces"
    label = "workspaces"
    verbose_name = "Workspaces"
