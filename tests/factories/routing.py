"""Routing rules of the inbox. A rule's accounts come from its workspace: pass connections
created for the same workspace (``connections=[shop]``)."""

from collections.abc import Sequence
from typing import Any

import factory

from inbox.models import RoutingRule
from tests.factories.workspaces import WorkspaceFactory


class RoutingRuleFactory(factory.django.DjangoModelFactory):
    """An active rule tagging contacts who say "refund"."""

    class Meta:
        model = RoutingRule
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Rule {n}")
    position = factory.Sequence(lambda n: (n + 1) * 10)
    keywords = factory.LazyFunction(lambda: ["refund"])
    add_tag = "refund"

    @factory.post_generation
    def connections(self, create: bool, extracted: Sequence[Any] | None, **kwargs: Any) -> None:
        if create and extracted:
            self.connections.set(extracted)
