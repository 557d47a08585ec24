"""The shop platform served on its own, with the core's control API, fault middleware and
webhook dispatcher: what the shop's tests run against, and a way to work on the shop while the
creator side is elsewhere. ``emulator.app.create_app`` remains the real entry point."""

from starlette.applications import Starlette

from emulator.app import create_app
from emulator.clock import Clock
from emulator.config import Config
from emulator.faults import Faults
from emulator.shop import ShopPlatform
from emulator.state import Emulator
from emulator.webhooks import Outbox


class ShopOnlyEmulator(Emulator):
    def __init__(self, config: Config) -> None:  # no super(): it would build every platform
        self.config = config
        self.clock = Clock(config.time_scale)
        self.outbox = Outbox(self.clock)
        self.faults = Faults()
        self.shop = ShopPlatform(self)
        self.platforms = [self.shop]
        self.reset()


def create_shop_app(config: Config | None = None) -> Starlette:
    return create_app(emulator=ShopOnlyEmulator(config or Config()))
