from collections import defaultdict

from celery import shared_task

from attribution import orders
from integrations.models import Connection


@shared_task(name="sync.orders_complete")
def orders_complete() -> str:
    """Beat: read the details of orders known only from a webhook (TikTok was unreachable)."""
    by_connection: dict[tuple[int, int], list[str]] = defaultdict(list)
    for workspace_id, connection_id, order_id in orders.orders_incomplete_unscoped():
        by_connection[(workspace_id, connection_id)].append(order_id)
    read = 0
    for (workspace_id, connection_id), order_ids in by_connection.items():
        connection = Connection.objects.for_workspace(workspace_id).get(pk=connection_id)
        read += orders.order_details_fetch(connection=connection, order_ids=order_ids)
    return f"read {read}"
