"""Reads of connections, shaped for the Integrations cards."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from chatsparks.workspaces.models import Workspace
from integrations import capabilities
from integrations.models import Connection, Post, Provider

# After this long without a single event, the card shows the troubleshooting checklist.
WAITING_GRACE = timedelta(minutes=10)


def connection_list(*, workspace: Workspace) -> QuerySet[Connection]:
    return Connection.objects.for_workspace(workspace).order_by("provider", "created_at")


def connection_get(*, workspace: Workspace, connection_id: int) -> Connection | None:
    return connection_list(workspace=workspace).filter(pk=connection_id).first()


@dataclass(frozen=True)
class Card:
    provider: str
    title: str
    connection: Connection | None
    status: str  # connected | needs_attention | reauthorization_needed | disconnected
    status_label: str
    missing_scopes: list[str]
    receiving: bool
    show_checklist: bool
    capabilities: list[str]
    token_expires_at: datetime | None
    authorization_expires_at: datetime | None

    @property
    def tone(self) -> str:
        return {"connected": "green", "needs_attention": "amber"}.get(self.status, "red")

    @property
    def progress(self) -> list[tuple[str, dict[str, int | None]]]:
        """What the running sync has fetched so far: [("posts", {"fetched", "total"}), …]."""
        state = self.connection.sync_state if self.connection else {}
        return [(name, state[name]) for name in ("posts", "products") if name in state]

    @property
    def recovered(self) -> int:
        """Events the reconciliation poll found after their webhook was lost."""
        return int(self.connection.sync_state.get("recovered", 0)) if self.connection else 0

    @property
    def can_reconnect(self) -> bool:
        return self.status != "connected"


def _card(provider: str, connection: Connection | None, now: datetime) -> Card:
    title = Provider(provider).label
    if connection is None or connection.status == Connection.Status.DISCONNECTED:
        return Card(provider, title, connection, "disconnected", "Disconnected", [], False,
                    False, [], None, None)  # fmt: skip
    granted = set(connection.granted_scopes)
    missing = capabilities.missing_scopes(provider, granted)
    status = connection.status
    if status == Connection.Status.CONNECTED and missing:
        status = Connection.Status.NEEDS_ATTENTION
    waiting_since = connection.connected_at or connection.created_at
    receiving = connection.last_event_at is not None
    return Card(
        provider=provider,
        title=title,
        connection=connection,
        status=status,
        status_label=Connection.Status(status).label,
        missing_scopes=missing,
        receiving=receiving,
        show_checklist=not receiving and now - waiting_since > WAITING_GRACE,
        capabilities=sorted(c.value for c in capabilities.capabilities_for(provider, granted)),
        token_expires_at=connection.refresh_token_expires_at,
        authorization_expires_at=connection.authorization_expires_at,
    )


def integration_cards(*, workspace: Workspace) -> list[Card]:
    """One card per platform, in a fixed order, whether connected or not."""
    now = timezone.now()
    by_provider: dict[str, Connection] = {}
    for connection in connection_list(workspace=workspace):
        current = by_provider.get(connection.provider)
        live = connection.status != Connection.Status.DISCONNECTED
        if current is None or (live and current.status == Connection.Status.DISCONNECTED):
            by_provider[connection.provider] = connection
    return [_card(p, by_provider.get(p), now) for p in (Provider.TIKTOK, Provider.TIKTOK_SHOP)]


def posts_recent(*, workspace: Workspace, limit: int = 50) -> list[Post]:
    """The newest videos and Lives, for pickers."""
    return list(Post.objects.for_workspace(workspace).order_by("-published_at")[:limit])
