from datetime import timedelta

import factory
from django.utils import timezone

from integrations.models import Connection, Provider
from tests.factories.workspaces import WorkspaceFactory


class ConnectionFactory(factory.django.DjangoModelFactory):
    """A healthy TikTok business account connection with every scope granted."""

    class Meta:
        model = Connection
        skip_postgeneration_save = True

    workspace = factory.SubFactory(WorkspaceFactory)
    provider = Provider.TIKTOK
    external_id = factory.Sequence(lambda n: f"73012345678901{n:05d}")
    display_name = "Glow Beauty"
    handle = "glowbeauty"
    status = Connection.Status.CONNECTED
    granted_scopes = factory.LazyFunction(
        lambda: [
            "comment.list",
            "comment.list.manage",
            "message.list.read",
            "message.list.send",
            "user.info.basic",
            "video.list",
        ]
    )
    access_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(hours=24))
    refresh_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=365))
    connected_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def tokens(self, create: bool, extracted: tuple[str, str] | None, **kwargs: object) -> None:
        access, refresh = extracted or ("act.example-access-token", "rft.example-refresh-token")
        self.set_tokens(access_token=access, refresh_token=refresh)
        if create:
            self.save()


class ShopConnectionFactory(ConnectionFactory):
    provider = Provider.TIKTOK_SHOP
    external_id = factory.Sequence(lambda n: f"74940496426424{n:05d}")
    display_name = "Glow Beauty UK"
    handle = ""
    region = "GB"
    shop_cipher = factory.Sequence(lambda n: f"ROW_cipher{n}")
    granted_scopes = factory.LazyFunction(
        lambda: ["seller.product.basic", "seller.order.info", "seller.customer_service"]
    )
