"""Everything the emulator knows, in memory, seeded deterministically."""

from typing import Any, Protocol

from starlette.routing import BaseRoute

from emulator.clock import Clock
from emulator.config import Config
from emulator.faults import Faults
from emulator.webhooks import Outbox


class Platform(Protocol):
    """What ``business/`` and ``shop/`` each provide."""

    name: str  # "business" or "shop"; also its control prefix: /_control/<name>/

    def routes(self) -> list[BaseRoute]:
        """The platform's own API and pages, at the platform's real paths."""
        ...

    def control_routes(self) -> list[BaseRoute]:
        """Control endpoints, mounted under /_control/<name>/."""
        ...

    def seed(self) -> None:
        """Forget everything and load the deterministic demo data."""
        ...

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Tables for the control page and GET /_control/state: title → rows."""
        ...


class Emulator:
    def __init__(self, config: Config) -> None:
        from emulator.business import BusinessPlatform
        from emulator.shop import ShopPlatform

        self.config = config
        self.clock = Clock(config.time_scale)
        self.outbox = Outbox(self.clock)
        self.faults = Faults()
        self.business = BusinessPlatform(self)
        self.shop = ShopPlatform(self)
        self.platforms: list[Platform] = [self.business, self.shop]
        self.reset()

    def reset(self) -> None:
        self.clock.offset = 0.0
        self.outbox.deliveries.clear()
        self.outbox.drop_next = self.outbox.duplicate_next = 0
        self.faults.clear()
        for platform in self.platforms:
            platform.seed()
