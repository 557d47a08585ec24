from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from inbox import active_contacts


def usage(request: HttpRequest) -> dict[str, Any]:
    """``workspace_usage``: the current workspace's Monthly Active Contacts this cycle, for
    the usage banner and the Billing page. Same source as ``current_workspace`` (the scope
    ``workspace_view`` resolved); nothing outside a workspace.

    Lazy, so a page costs one COUNT only if it shows the usage, however often it reads it,
    and an htmx fragment or a page without a workspace costs none.
    """
    workspace = getattr(request, "workspace", None)
    if workspace is None:
        return {}
    return {"workspace_usage": SimpleLazyObject(lambda: active_contacts.usage(workspace))}
