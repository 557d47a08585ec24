"""The manager that makes an unscoped query of tenant data an error instead of a leak."""

from typing import TYPE_CHECKING, Any

from django.db import models

if TYPE_CHECKING:
    from chatsparks.workspaces.models import Workspace


class UnscopedQueryError(RuntimeError):
    """Tenant-owned rows were queried without naming the workspace."""


class WorkspaceScopedManager(models.Manager[Any]):
    """``Model.objects`` for tenant-owned models.

    ``Model.objects.filter(...)`` raises; ``Model.objects.for_workspace(ws)`` is the way in.
    Code that must cross tenants (admin, beat sweeps, webhooks resolving an account) uses
    ``Model.unscoped`` and says so in its own name. Creating rows is allowed: a new row names
    its workspace explicitly.
    """

    def get_queryset(self) -> models.QuerySet[Any]:
        raise UnscopedQueryError(
            f"{self.model.__name__}.objects must be scoped: use "
            f".for_workspace(workspace), or .unscoped where crossing tenants is the point."
        )

    def for_workspace(self, workspace: "Workspace | int") -> models.QuerySet[Any]:
        """Rows of one workspace; tasks pass the ``workspace_id`` they were given."""
        return super().get_queryset().filter(workspace=workspace)

    def create(self, **kwargs: Any) -> Any:
        if "workspace" not in kwargs and "workspace_id" not in kwargs:
            raise UnscopedQueryError(f"A new {self.model.__name__} must name its workspace.")
        return super().get_queryset().create(**kwargs)


class TenantModel(models.Model):
    """Base of every workspace-owned model: ``objects`` is scoped (see above) and ``unscoped``
    is the default manager, which the admin, migrations and related lookups use."""

    unscoped = models.Manager()
    objects = WorkspaceScopedManager()

    class Meta:
        abstract = True
        default_manager_name = "unscoped"
