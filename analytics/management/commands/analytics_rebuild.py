from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics import services
from chatsparks.workspaces.models import Workspace


class Command(BaseCommand):
    help = (
        "Recompute a workspace's daily analytics rollups for the last N days (today included), "
        "e.g. after a deploy that changed what they count."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--workspace", help="the workspace ID (ws_…)")
        which.add_argument("--all", action="store_true", help="every workspace")
        parser.add_argument("--days", type=int, default=30, help="how many days (default 30)")

    def handle(self, *args: Any, **options: Any) -> None:
        days: int = options["days"]
        if days < 1:
            raise CommandError("--days must be at least 1.")
        if options["all"]:
            workspaces = list(Workspace.objects.order_by("pk"))
        else:
            workspace = Workspace.objects.filter(public_id=options["workspace"]).first()
            if workspace is None:
                raise CommandError(f"No workspace {options['workspace']}.")
            workspaces = [workspace]
        for workspace in workspaces:
            written = services.rollup_rebuild(workspace_id=workspace.pk, days=days)
            self.stdout.write(f"{workspace.public_id}: {days} days, {written} rows")
