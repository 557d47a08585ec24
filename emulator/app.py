import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.middleware import Middleware

from emulator import control
from emulator.config import Config
from emulator.faults import FaultMiddleware
from emulator.state import Emulator


def create_app(config: Config | None = None, *, emulator: Emulator | None = None) -> Starlette:
    """The ASGI app serving every platform of ``emulator`` (by default, all of them)."""
    emulator = emulator or Emulator(config or Config())

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        dispatcher = asyncio.create_task(emulator.outbox.run())
        try:
            yield
        finally:
            dispatcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await dispatcher

    routes = [route for platform in emulator.platforms for route in platform.routes()]
    app = Starlette(
        routes=[*control.routes(emulator), *routes],
        middleware=[Middleware(FaultMiddleware, faults=emulator.faults)],
        lifespan=lifespan,
    )
    app.state.emulator = emulator
    return app
