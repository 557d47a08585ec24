from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "chatsparks.users"
    label = "users"
    verbose_name = "Users"
