"""The control surface: a page listing what the emulator holds, and a JSON API that makes
things happen (platform-specific actions live in each platform's ``control`` module)."""

from html import escape
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

if TYPE_CHECKING:
    from emulator.state import Emulator


async def read_json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body:
        return {}
    import json

    data = json.loads(body)
    if not isinstance(data, dict):
        raise ValueError("expected a JSON object")
    return data


def routes(emulator: "Emulator") -> list[BaseRoute]:
    async def page(request: Request) -> HTMLResponse:
        return HTMLResponse(_render_page(emulator))

    async def state(request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "clock": {"now": emulator.clock.now(), "offset": emulator.clock.offset},
                "platforms": {p.name: p.snapshot() for p in emulator.platforms},
                "webhooks": [d.summary() for d in emulator.outbox.deliveries],
                "webhooks_in_flight": emulator.outbox.in_flight,
                "faults": [r.summary() for r in emulator.faults.rules],
            }
        )

    async def reset(request: Request) -> JSONResponse:
        emulator.reset()
        return JSONResponse({"ok": True})

    async def advance(request: Request) -> JSONResponse:
        seconds = float((await read_json(request)).get("seconds", 0))
        emulator.clock.advance(seconds)
        return JSONResponse({"now": emulator.clock.now(), "offset": emulator.clock.offset})

    async def faults(request: Request) -> Response:
        if request.method == "DELETE":
            emulator.faults.clear()
            return JSONResponse({"ok": True})
        if request.method == "POST":
            try:
                rule = emulator.faults.add(**await read_json(request))
            except (TypeError, ValueError) as error:
                return JSONResponse({"error": str(error)}, status_code=400)
            return JSONResponse(rule.summary(), status_code=201)
        return JSONResponse([r.summary() for r in emulator.faults.rules])

    async def webhooks(request: Request) -> JSONResponse:
        return JSONResponse([d.summary() for d in emulator.outbox.deliveries])

    async def webhooks_drop(request: Request) -> JSONResponse:
        emulator.outbox.drop_next = int((await read_json(request)).get("count", 1))
        return JSONResponse({"drop_next": emulator.outbox.drop_next})

    async def webhooks_duplicate(request: Request) -> JSONResponse:
        emulator.outbox.duplicate_next = int((await read_json(request)).get("count", 1))
        return JSONResponse({"duplicate_next": emulator.outbox.duplicate_next})

    return [
        Route("/", page),
        Route("/_control/state", state),
        Route("/_control/reset", reset, methods=["POST"]),
        Route("/_control/clock/advance", advance, methods=["POST"]),
        Route("/_control/faults", faults, methods=["GET", "POST", "DELETE"]),
        Route("/_control/webhooks", webhooks),
        Route("/_control/webhooks/drop", webhooks_drop, methods=["POST"]),
        Route("/_control/webhooks/duplicate", webhooks_duplicate, methods=["POST"]),
        *(Mount(f"/_control/{p.name}", routes=p.control_routes()) for p in emulator.platforms),
    ]


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    if not rows:
        return f"<h3>{escape(title)}</h3><p>None.</p>"
    columns = list(rows[0])
    head = "".join(f"<th>{escape(str(c))}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{escape(str(row.get(c, '')))}</td>" for c in columns) + "</tr>"
        for row in rows
    )
    return f"<h3>{escape(title)}</h3><table><tr>{head}</tr>{body}</table>"


def _render_page(emulator: "Emulator") -> str:
    sections = []
    for platform in emulator.platforms:
        tables = "".join(_table(t, rows) for t, rows in platform.snapshot().items())
        sections.append(f"<section><h2>{escape(platform.name)}</h2>{tables}</section>")
    deliveries = [
        {
            "id": d.id,
            "platform": d.platform,
            "event": d.event,
            "status": d.status,
            "attempts": len(d.attempts),
            "last": d.attempts[-1].status if d.attempts else "",
            "url": d.url,
        }
        for d in emulator.outbox.deliveries
    ]
    sections.append(f"<section>{_table('Webhook deliveries', deliveries)}</section>")
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>TikTok emulator</title>"
        "<style>body{font:14px system-ui;margin:2rem}table{border-collapse:collapse;margin:.5rem 0}"
        "td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style></head><body>"
        "<h1>TikTok / TikTok Shop emulator</h1><p>JSON API under <code>/_control/</code>.</p>"
        + "".join(sections)
        + "</body></html>"
    )
