from typing import ClassVar

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from chatsparks.workspaces.managers import TenantModel
from chatsparks.workspaces.models import Workspace
from integrations import crypto


class Provider(models.TextChoices):
    TIKTOK = "tiktok", "TikTok"
    TIKTOK_SHOP = "tiktok_shop", "TikTok Shop"


class Connection(TenantModel):
    """A workspace's link to one TikTok business account or one TikTok Shop.

    The row outlives a disconnect (status ``disconnected``, tokens wiped) so that reconnecting
    the same account finds its history again instead of making a duplicate. An account can be
    live in one workspace at a time: a partial unique index says so.
    """

    class Status(models.TextChoices):
        CONNECTED = "connected", "Connected"
        NEEDS_ATTENTION = "needs_attention", "Needs attention"
        REAUTHORIZATION_NEEDED = "reauthorization_needed", "Reauthorization needed"
        DISCONNECTED = "disconnected", "Disconnected"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    # TikTok: the business account's open_id (business_id). TikTok Shop: the shop id.
    external_id = models.CharField(max_length=64)
    display_name = models.CharField(max_length=200, blank=True)
    handle = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=8, blank=True)
    # TikTok Shop only: the cipher every shop-scoped call carries, and the seller's open_id.
    shop_cipher = models.CharField(max_length=128, blank=True)
    seller_open_id = models.CharField(max_length=64, blank=True)

    status = models.CharField(max_length=24, choices=Status.choices, default=Status.CONNECTED)
    granted_scopes = ArrayField(models.CharField(max_length=100), default=list, blank=True)
    access_token_encrypted = models.TextField(blank=True, editable=False)
    refresh_token_encrypted = models.TextField(blank=True, editable=False)
    access_token_expires_at = models.DateTimeField(null=True, blank=True)
    refresh_token_expires_at = models.DateTimeField(null=True, blank=True)
    # TikTok Shop's own authorization end (webhook 7), distinct from token lifetimes.
    authorization_expires_at = models.DateTimeField(null=True, blank=True)

    connected_at = models.DateTimeField(null=True, blank=True)
    disconnected_at = models.DateTimeField(null=True, blank=True)
    last_sync_at = models.DateTimeField(null=True, blank=True)
    last_event_at = models.DateTimeField(null=True, blank=True)
    # The running or last sync: {"posts": {"fetched": n, "total": m|None}, "products": …,
    # "running": bool, "error": str}. The card reads it to show first-sync progress.
    sync_state = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(
                fields=["workspace", "provider", "external_id"],
                name="connection_unique_per_workspace",
            ),
            models.UniqueConstraint(
                fields=["provider", "external_id"],
                condition=~Q(status="disconnected"),
                name="connection_live_in_one_workspace",
            ),
        ]

    def __str__(self) -> str:
        name = f"@{self.handle}" if self.handle else self.display_name or self.external_id
        return f"{self.get_provider_display()} {name}"

    @property
    def access_token(self) -> str:
        return crypto.decrypt(self.access_token_encrypted)

    @property
    def refresh_token(self) -> str:
        return crypto.decrypt(self.refresh_token_encrypted)

    def set_tokens(self, *, access_token: str, refresh_token: str) -> None:
        self.access_token_encrypted = crypto.encrypt(access_token)
        self.refresh_token_encrypted = crypto.encrypt(refresh_token)

    def wipe_tokens(self) -> None:
        self.access_token_encrypted = self.refresh_token_encrypted = ""
        self.access_token_expires_at = self.refresh_token_expires_at = None


class WebhookEvent(models.Model):
    """A platform notification exactly as it arrived, committed before we answer 200.

    Unique on (provider, event_id), so a retried or duplicated delivery is one row. TikTok's
    events carry no id of their own; their id is the SHA-256 of the raw body, which is what a
    retry repeats. TikTok Shop's is ``tts_notification_id``. Rows are kept at least as long as
    the platforms retry (72 hours, 30 days for the Shop) and then purged.

    Workers claim ``pending`` rows in batches with ``FOR UPDATE SKIP LOCKED``.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        PROCESSED = "processed", "Processed"
        FAILED = "failed", "Failed"
        # No connection owns the account it names: stored apart, touching no workspace.
        UNROUTED = "unrouted", "Unrouted"

    class Source(models.TextChoices):
        WEBHOOK = "webhook", "Webhook"
        # Found by the reconciliation poll because its webhook never arrived.
        RECONCILIATION = "reconciliation", "Reconciliation"

    provider = models.CharField(max_length=16, choices=Provider.choices)
    event_id = models.CharField(max_length=100)
    source = models.CharField(max_length=16, choices=Source.choices, default=Source.WEBHOOK)
    event_type = models.CharField(max_length=64)
    # The account the event is about (TikTok: user_openid; Shop: shop_id), read at ingest.
    account_id = models.CharField(max_length=64, blank=True)
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True, db_index=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    processed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=200, blank=True)
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )

    class Meta:
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="webhook_event_once"),
        ]
        indexes: ClassVar = [
            models.Index(
                fields=["received_at"],
                condition=Q(status="pending"),
                name="webhook_event_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_type} {self.event_id[:12]}"


class OAuthState(TenantModel):
    """A connect attempt in flight: single use, ten minutes, and bound to the user, their
    session and the workspace, so a callback can only finish what that person started.

    Only a hash of the ``state`` value is stored; the PKCE verifier is encrypted.
    """

    LIFETIME_SECONDS = 10 * 60

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    provider = models.CharField(max_length=16, choices=Provider.choices)
    user = models.ForeignKey("users.User", on_delete=models.CASCADE, related_name="+")
    session_hash = models.CharField(max_length=64)
    state_hash = models.CharField(max_length=64, unique=True)
    code_verifier_encrypted = models.TextField(blank=True)
    redirect_uri = models.URLField(max_length=500)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.provider} connect for {self.workspace_id}"


class Post(TenantModel):
    """A video or Live on a connected TikTok account, as last synced."""

    class Kind(models.TextChoices):
        VIDEO = "video", "Video"
        LIVE = "live", "LIVE"

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="posts")
    external_id = models.CharField(max_length=32)
    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.VIDEO)
    caption = models.TextField(blank=True)
    share_url = models.URLField(max_length=500, blank=True)
    thumbnail_url = models.URLField(max_length=500, blank=True)
    published_at = models.DateTimeField()
    synced_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="post_once"),
        ]
        indexes: ClassVar = [models.Index(fields=["workspace", "-published_at"])]

    def __str__(self) -> str:
        return self.caption[:60] or self.external_id


class Product(TenantModel):
    """A TikTok Shop product, as last synced."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.CASCADE, related_name="products")
    external_id = models.CharField(max_length=32)
    title = models.CharField(max_length=500)
    status = models.CharField(max_length=32, blank=True)
    updated_at_platform = models.DateTimeField(null=True, blank=True)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["connection", "external_id"], name="product_once"),
        ]

    def __str__(self) -> str:
        return self.title


class Sku(TenantModel):
    """One sellable variant. Money is a Decimal with its currency, never a float."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="skus")
    external_id = models.CharField(max_length=32)
    seller_sku = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True)
    price = models.DecimalField(max_digits=14, decimal_places=2)
    currency = models.CharField(max_length=3)
    stock = models.IntegerField(default=0)
    synced_at = models.DateTimeField(auto_now=True)

    class Meta(TenantModel.Meta):
        constraints: ClassVar = [
            models.UniqueConstraint(fields=["product", "external_id"], name="sku_once"),
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.name}".strip()
