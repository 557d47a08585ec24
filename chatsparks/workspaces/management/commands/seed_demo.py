from typing import Any

from allauth.account.models import EmailAddress
from django.core.management.base import BaseCommand

from chatsparks.users.models import User
from chatsparks.workspaces.models import Membership
from chatsparks.workspaces.services import workspace_create

DEMO_EMAIL = "demo@chatsparks.test"
DEMO_PASSWORD = "chatsparks-demo"  # noqa: S105 - a published demo login for local runs only
DEMO_WORKSPACE = "Demo Shop"


class Command(BaseCommand):
    help = "Create the demo owner and workspace `make run` prints (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email=DEMO_EMAIL).first()
        if user is None:
            user = User.objects.create_user(DEMO_EMAIL, DEMO_PASSWORD, display_name="Demo Owner")
        EmailAddress.objects.update_or_create(
            user=user, email=DEMO_EMAIL, defaults={"verified": True, "primary": True}
        )
        if not Membership.unscoped.filter(user=user).exists():
            workspace_create(name=DEMO_WORKSPACE, owner=user, timezone_name="Europe/London")
        self.stdout.write(f"Demo login: {DEMO_EMAIL} / {DEMO_PASSWORD}")
