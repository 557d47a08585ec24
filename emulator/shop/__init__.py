"""The TikTok Shop Partner API side of the emulator (wire notes sections 1–4).

Paths are the real ones, each real host folded into the emulator's one origin:
services.tiktokshop.com ``/open/authorize``; auth.tiktok-shops.com ``/api/v2/token/*``;
open-api.tiktokglobalshop.com ``/authorization``, ``/product``, ``/order``,
``/return_refund``, ``/customer_service`` and ``/event``."""

import itertools
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from starlette.routing import BaseRoute

from emulator.shop import auth, control, customer_service, events, orders, products, returns
from emulator.shop.api import RateLimiter, fault_response
from emulator.shop.seed import seed
from emulator.shop.store import Image, ShopStore

if TYPE_CHECKING:
    from emulator.state import Emulator

DEFAULT_QPS_LIMIT = 50  # per API per (app, shop), wire notes 1.7
API_PREFIXES = (
    "/authorization/",
    "/seller/",
    "/product/",
    "/order/",
    "/return_refund/",
    "/customer_service/",
    "/event/",
    "/api/v2/token/",
)


class ShopPlatform:
    name = "shop"

    def __init__(self, emulator: "Emulator") -> None:
        self.config = emulator.config
        self.clock = emulator.clock
        self.outbox = emulator.outbox
        self.faults = emulator.faults
        self.store = ShopStore()
        self.limiter = RateLimiter()
        self.qps_limit = DEFAULT_QPS_LIMIT
        self._requests = itertools.count(1)
        self.faults.register(
            lambda path: path.startswith(API_PREFIXES), lambda rule: fault_response(self, rule)
        )

    def routes(self) -> list[BaseRoute]:
        return [
            *auth.routes(self),
            *products.routes(self),
            *orders.routes(self),
            *returns.routes(self),
            *customer_service.routes(self),
            *events.routes(self),
        ]

    def control_routes(self) -> list[BaseRoute]:
        return control.routes(self)

    def seed(self) -> None:
        self.store = ShopStore()
        self.limiter = RateLimiter()
        self.qps_limit = DEFAULT_QPS_LIMIT
        self._requests = itertools.count(1)
        seed(self.store, self.clock.now_int())

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        return self.store.snapshot_rows()

    def request_id(self) -> str:
        """Like ``202203070749000101890810281E8C70B7``: UTC time, then 20 hex digits."""
        stamp = datetime.fromtimestamp(self.clock.now(), UTC).strftime("%Y%m%d%H%M%S")
        return f"{stamp}{next(self._requests):020X}"

    def store_image(self, data: bytes, content_type: str, width: int, height: int) -> Image:
        key = f"im{len(self.store.images) + 1:06d}"
        image = Image(key=key, data=data, content_type=content_type, width=width, height=height)
        self.store.images[key] = image
        return image
