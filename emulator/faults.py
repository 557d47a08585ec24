"""Faults the control API injects into the emulated APIs: throttling, server errors,
latency. Each platform renders a fault in its own wire format (TikTok Shop answers HTTP 429
with code 36009002; API for Business answers HTTP 200 with code 40100), so platforms register
a renderer for the paths they own."""

import asyncio
import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

KINDS = ("rate_limit", "server_error", "latency")


@dataclass
class FaultRule:
    id: int
    path: str  # a regular expression matched against the request path
    kind: str
    remaining: int | None = None  # None: until cleared
    status: int = 500  # server_error: 500 or 503
    latency_ms: int = 0
    retry_after: int | None = None

    def summary(self) -> dict[str, Any]:
        return self.__dict__.copy()


Renderer = Callable[[FaultRule], Response]


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []
        self.renderers: list[tuple[Callable[[str], bool], Renderer]] = []
        self._ids = itertools.count(1)

    def add(self, **spec: Any) -> FaultRule:
        if spec.get("kind") not in KINDS:
            raise ValueError(f"kind must be one of {', '.join(KINDS)}")
        re.compile(spec.get("path", ""))
        rule = FaultRule(id=next(self._ids), **spec)
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def register(self, owns: Callable[[str], bool], render: Renderer) -> None:
        self.renderers.append((owns, render))

    def take(self, path: str) -> FaultRule | None:
        """The first live rule for ``path``, counting it used."""
        for rule in self.rules:
            if re.search(rule.path, path):
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.rules.remove(rule)
                return rule
        return None

    def render(self, path: str, rule: FaultRule) -> Response:
        for owns, render in self.renderers:
            if owns(path):
                return render(rule)
        return Response(status_code=rule.status if rule.kind == "server_error" else 429)


class FaultMiddleware:
    """Applies injected faults before the emulated endpoint runs; control paths are exempt."""

    def __init__(self, app: ASGIApp, faults: Faults) -> None:
        self.app = app
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or path.startswith("/_control") or path == "/":
            await self.app(scope, receive, send)
            return
        rule = self.faults.take(path)
        if rule is None:
            await self.app(scope, receive, send)
            return
        if rule.kind == "latency":
            await asyncio.sleep(rule.latency_ms / 1000)
            await self.app(scope, receive, send)
            return
        response = self.faults.render(path, rule)
        await response(scope, receive, send)
