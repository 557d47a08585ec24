"""DM flows and the synced catalog they name. Every object takes its workspace from its
parent (a SKU from its product, a product from its Shop connection)."""

import factory

from flows.models import Flow, SensitiveKeyword
from integrations.models import Product, Sku
from tests.factories.integrations import ShopConnectionFactory
from tests.factories.workspaces import WorkspaceFactory


def message(block_id: str = "b1", text: str = "Hi {handle}!", **extra: object) -> dict[str, object]:
    return {"id": block_id, "type": "message", "text": text, **extra}


class FlowFactory(factory.django.DjangoModelFactory):
    """A flow with a one-message draft, never published."""

    class Meta:
        model = Flow

    workspace = factory.SubFactory(WorkspaceFactory)
    name = factory.Sequence(lambda n: f"Flow {n}")
    draft = factory.LazyFunction(lambda: [message()])


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    connection = factory.SubFactory(ShopConnectionFactory)
    workspace = factory.SelfAttribute("connection.workspace")
    external_id = factory.Sequence(lambda n: f"17295553{n:08d}")
    title = "Velvet Matte Lipstick"
    status = "ACTIVATE"


class SkuFactory(factory.django.DjangoModelFactory):
    """A Thai-baht SKU in stock."""

    class Meta:
        model = Sku

    product = factory.SubFactory(ProductFactory)
    workspace = factory.SelfAttribute("product.workspace")
    external_id = factory.Sequence(lambda n: f"17295559{n:08d}")
    seller_sku = factory.Sequence(lambda n: f"VML-{n:03d}")
    name = "Rose 01"
    price = "390.00"
    currency = "THB"
    stock = 12


class SensitiveKeywordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SensitiveKeyword

    workspace = factory.SubFactory(WorkspaceFactory)
    phrase = factory.Sequence(lambda n: f"wrong colour {n}")
    action = SensitiveKeyword.Action.HANDOFF
