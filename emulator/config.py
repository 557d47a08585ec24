"""The emulator's app credentials and knobs. Defaults are deterministic so that the product's
local settings, the demo and the tests agree without configuration."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    host: str = "127.0.0.1"
    port: int = 8100
    # Webhook retry schedules and classifier delays are divided by this: 3600 turns TikTok
    # Shop's 2 min / 30 min / 3 h / 12 h retries into 0.03 s / 0.5 s / 3 s / 12 s.
    time_scale: float = 1.0

    # API for Business / Login Kit app (client_key on the authorize page, client_id in token
    # calls, app_id in webhook config: the same value under three names, as on TikTok).
    business_client_key: str = "cs_demo_business_app"
    business_client_secret: str = "cs_demo_business_secret"  # noqa: S105 - public demo value
    business_access_token_lifetime: int = 24 * 3600
    business_refresh_token_lifetime: int = 365 * 24 * 3600
    # Seconds after a purchase-intent comment before TikTok's classifier flags it high intent.
    high_intent_delay: float = 5.0

    # TikTok Shop Partner app.
    shop_app_key: str = "cs_demo_shop_app"
    shop_app_secret: str = "cs_demo_shop_secret"  # noqa: S105 - public demo value
    shop_service_id: str = "7100000000000000001"
    shop_access_token_lifetime: int = 7 * 24 * 3600
    shop_refresh_token_lifetime: int = 365 * 24 * 3600
    # Partner Center's app-wide webhook URL and redirect URL; the product's settings name them.
    shop_webhook_url: str = ""
    shop_redirect_url: str = ""

    # Origins allowed as OAuth redirect_uri for the business app (TikTok checks registration).
    allowed_redirect_prefixes: tuple[str, ...] = field(
        default=("http://127.0.0.1", "http://localhost", "https://")
    )

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"
