"""Analytics: Overview (the funnel and a chart), Posts, Flows (with drop-off per step) and
Keywords, over a date range in the workspace's time zone; each table also as CSV
(``?format=csv``). Every role may see them. The pages read the daily rollups only."""

import csv
from collections.abc import Iterable, Iterator
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from analytics import customer_service as service
from analytics import selectors
from analytics.forms import PRESETS, PeriodForm, period_last
from analytics.selectors import Figures, Period, Step, Table
from analytics.services import workspace_today
from chatsparks.workspaces.scope import WorkspaceRequest, workspace_view
from flows.models import Flow
from support.selectors import WEEKDAYS

BLOCK_LABELS = {
    "message": "Message",
    "question": "Question",
    "quick_replies": "Quick replies",
    "branch": "Branch",
    "shop_link": "Shop link",
    "handoff": "Hand off",
    "wait": "Wait",
    "tag": "Tag",
}
SORT_LABELS = {
    "comments": "Comments",
    "triggered": "Triggered",
    "dms": "DMs delivered",
    "replies": "Replies",
    "orders": "Orders",
    "revenue": "Revenue",
}


def _query(request: WorkspaceRequest, **changes: Any) -> str:
    """This page's query string with ``changes`` (None drops a parameter)."""
    params = {k: v for k, v in request.GET.items() if k not in ("page", "format")}
    params.update({k: v for k, v in changes.items() if v is not None})
    for k, v in changes.items():
        if v is None:
            params.pop(k, None)
    return "?" + urlencode(params) if params else "?"


def _period(request: WorkspaceRequest) -> tuple[Period, dict[str, Any]]:
    """The chosen days (the last 30 by default) and what every page shows about them."""
    today = workspace_today(request.workspace)
    form = PeriodForm(request.GET, today=today)
    period = form.period
    presets = []
    for days in PRESETS:
        preset = period_last(days, today=today)
        presets.append(
            {
                "label": f"{days} days",
                "url": _query(
                    request, **{"from": preset.first.isoformat(), "to": today.isoformat()}
                ),
                "current": preset == period,
            }
        )
    state = selectors.rollup_state(workspace=request.workspace)
    context = {
        # The date form keeps the page's other choices; the tabs keep the dates.
        "hidden_params": {k: v for k, v in request.GET.items() if k in ("sort", "flow")},
        "period_query": "?" + urlencode({"from": period.first, "to": period.last}),
        "period_form": form,
        "period": period,
        "presets": presets,
        "refreshed_at": state.refreshed_at if state else None,
        "tz_name": request.workspace.timezone,
        "csv_url": _query(request, format="csv"),
    }
    return period, context


def _wants_csv(request: WorkspaceRequest) -> bool:
    return request.GET.get("format") == "csv"


def _cell(value: Any) -> Any:
    """A cell a spreadsheet will not run: text starting like a formula is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _csv(name: str, period: Period, header: list[str], rows: Iterable[list[Any]]) -> HttpResponse:
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="chatsparks-{name}-{period}.csv"'
    writer = csv.writer(response)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(v) for v in row])
    return response


def _money_rows(figures: Figures, main_currency: str) -> Iterator[list[Any]]:
    """Orders, revenue and currency: one line per currency, money as a decimal string."""
    if not figures.money:
        yield [figures.orders, "0.00", main_currency]
    for money in figures.money:
        yield [money.orders, f"{money.revenue:.2f}", money.currency]


def _sort_headers(
    request: WorkspaceRequest, sort: str, names: Iterable[str], **labels: str
) -> list[dict[str, Any]]:
    """Column headers that sort: descending first, and the other way on a second click."""
    headers = []
    for name in names:
        current = sort.lstrip("-") == name
        descending = sort.startswith("-")
        headers.append(
            {
                "name": name,
                "label": labels.get(name, SORT_LABELS[name]),
                "url": _query(request, sort=name if current and descending else f"-{name}"),
                "aria_sort": ("descending" if descending else "ascending") if current else "",
            }
        )
    return headers


# -- Overview ----------------------------------------------------------------------------------


def _funnel(total: Figures) -> list[dict[str, Any]]:
    """Each stage with its share of the stage it follows from. Orders are set against DMs
    delivered, not replies: a buyer can order from the shop link without writing back."""
    stages = [
        ("Comments", total.comments, "on your videos and LIVEs", None),
        ("Triggered", total.triggered, "comments a trigger fired on", 0),
        ("DMs delivered", total.dms, "triggered comments whose flow delivered a DM", 1),
        ("Replies", total.replies, "of those, the commenter wrote back", 2),
        ("Orders", total.orders, "placed in these days and credited to ChatSparks", 2),
    ]
    funnel: list[dict[str, Any]] = []
    for label, value, help_text, base in stages:
        before = funnel[base] if base is not None else None
        funnel.append(
            {
                "label": label,
                "value": value,
                "help": help_text,
                "of": "DMs delivered" if base == 2 else before["label"].lower() if before else "",
                "share": value / before["value"] if before and before["value"] else None,
            }
        )
    return funnel


@workspace_view()
@require_GET
def overview(request: WorkspaceRequest) -> HttpResponse:
    period, context = _period(request)
    data = selectors.overview_get(workspace=request.workspace, period=period)
    main = data.currencies[0] if data.currencies else ""
    if _wants_csv(request):
        return _csv(
            "daily",
            period,
            ["day", "comments", "triggered", "dms_delivered", "replies", "orders", "revenue",
             "currency"],
            (
                [d.day.isoformat(), d.comments, d.triggered, d.dms, d.replies, *money]
                for d in data.days
                for money in _money_rows(d, main)
            ),
        )  # fmt: skip
    chart = {
        "days": [d.day.isoformat() for d in data.days],
        "comments": [d.comments for d in data.days],
        "dms": [d.dms for d in data.days],
        "orders": [d.orders for d in data.days],
        "revenue": {c: [f"{d.revenue_in(c):.2f}" for d in data.days] for c in data.currencies},
    }
    has_data = any(d.comments or d.orders or d.money for d in data.days)
    return render(
        request,
        "analytics/overview.html",
        {
            **context,
            "overview": data,
            "funnel": _funnel(data.total),
            "chart": chart,
            "has_data": has_data,
        },
    )


# -- Posts -------------------------------------------------------------------------------------


@workspace_view()
@require_GET
def posts(request: WorkspaceRequest) -> HttpResponse:
    period, context = _period(request)
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort.lstrip("-") not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    if _wants_csv(request):
        table = selectors.post_table(workspace=request.workspace, period=period, sort=sort)
        main = table.currencies[0] if table.currencies else ""
        return _csv(
            "posts",
            period,
            ["post_id", "kind", "caption", "comments", "triggered", "dms_delivered", "replies",
             "orders", "revenue", "currency"],
            (
                [r.key, r.item.kind if r.item else "", r.item.caption if r.item else "",
                 r.comments, r.triggered, r.dms, r.replies, *money]
                for r in table.rows
                for money in _money_rows(r, main)
            ),
        )  # fmt: skip
    table = selectors.post_table(
        workspace=request.workspace,
        period=period,
        sort=sort,
        page_number=request.GET.get("page") or 1,
    )
    return render(
        request,
        "analytics/posts.html",
        {
            **context,
            "table": table,
            "headers": _sort_headers(
                request, sort, ("comments", "triggered", "dms", "orders", "revenue")
            ),
            "page_query": _query(request).removeprefix("?"),
        },
    )


# -- Flows -------------------------------------------------------------------------------------


def block_label(block: dict[str, Any]) -> str:
    """ "Message: Hi {handle}!", "Wait 3600 s", "Tag vip": a step as the editor names it."""
    kind = str(block.get("type", ""))
    label = BLOCK_LABELS.get(kind, kind.replace("_", " ").capitalize() or "Step")
    detail = {
        "wait": f"{block.get('seconds', '')} s",
        "tag": str(block.get("tag", "")),
        "branch": f"on {block.get('field', '')}",
    }.get(kind) or str(block.get("text", "") or "")
    detail = " ".join(detail.split())
    return f"{label}: {detail[:60]}{'…' if len(detail) > 60 else ''}" if detail else label


def _chosen_flow(request: WorkspaceRequest, table: Table) -> Flow | None:
    """``?flow=`` names one of the workspace's flows (404 otherwise); by default the table's
    first flow."""
    raw = request.GET.get("flow")
    if raw is None:
        return next((r.item for r in table.rows if r.item is not None), None)
    flow = None
    if raw.isdigit():
        flow = (
            Flow.objects.for_workspace(request.workspace)
            .select_related("live_version")
            .filter(pk=int(raw))
            .first()
        )
    if flow is None:
        raise Http404("No such flow.")
    return flow


def _step_rows(steps: list[Step], runs: int) -> list[dict[str, Any]]:
    return [
        {
            "step": s,
            "label": block_label(s.block) if s.block else f"Removed step {s.block_id}",
            "reached_share": s.reached / runs if runs else None,
        }
        for s in steps
    ]


@workspace_view()
@require_GET
def flows(request: WorkspaceRequest) -> HttpResponse:
    period, context = _period(request)
    sort = request.GET.get("sort", selectors.DEFAULT_SORT)
    if sort.lstrip("-") not in selectors.SORTS:
        sort = selectors.DEFAULT_SORT
    table = selectors.flow_table(workspace=request.workspace, period=period, sort=sort)
    main = table.currencies[0] if table.currencies else ""
    if _wants_csv(request) and request.GET.get("table") != "steps":
        return _csv(
            "flows",
            period,
            ["flow_id", "flow", "runs", "dms_delivered", "replies", "orders", "revenue",
             "currency"],
            (
                [r.key, r.item.name if r.item else "", r.triggered, r.dms, r.replies, *money]
                for r in table.rows
                for money in _money_rows(r, main)
            ),
        )  # fmt: skip
    flow = _chosen_flow(request, table)
    steps: list[Step] = []
    runs = 0
    if flow is not None:
        steps = selectors.flow_steps(
            workspace=request.workspace, period=period, flow=flow, currencies=table.currencies
        )
        runs = next((r.triggered for r in table.rows if r.key == str(flow.pk)), 0)
    if _wants_csv(request):
        if flow is None:
            raise Http404("No flow ran in these days.")
        return _csv(
            f"flow-{flow.pk}-steps",
            period,
            ["flow_id", "flow", "step_number", "block_id", "block_type", "block", "reached",
             "went_no_further", "orders", "revenue", "currency"],
            (
                [flow.pk, flow.name, s.number or "", s.block_id, s.block.get("type", ""),
                 block_label(s.block) if s.block else "", s.reached, s.stopped, *money]
                for s in steps
                for money in _money_rows(s, main)
            ),
        )  # fmt: skip
    return render(
        request,
        "analytics/flows.html",
        {
            **context,
            "table": table,
            "flow_rows": [
                (row, _query(request, flow=row.key, table=None) + "#drop-off") for row in table.rows
            ],
            "headers": _sort_headers(
                request,
                sort,
                ("triggered", "dms", "replies", "orders", "revenue"),
                triggered="Runs",
            ),
            "flow": flow,
            "runs": runs,
            "steps": _step_rows(steps, runs),
            "steps_csv_url": _query(request, format="csv", table="steps", flow=flow.pk)
            if flow
            else "",
            "flow_choices": [r.item for r in table.rows if r.item is not None],
        },
    )


# -- Keywords and triggers ---------------------------------------------------------------------


@workspace_view()
@require_GET
def keywords(request: WorkspaceRequest) -> HttpResponse:
    period, context = _period(request)
    table = selectors.trigger_table(workspace=request.workspace, period=period)
    main = table.currencies[0] if table.currencies else ""
    if _wants_csv(request):
        return _csv(
            "keywords",
            period,
            ["trigger_id", "trigger", "keywords", "comments_fired", "dms_delivered", "replies",
             "orders", "revenue", "currency"],
            (
                [r.key, r.item.name if r.item else "",
                 "; ".join(r.item.keywords) if r.item else "",
                 r.triggered, r.dms, r.replies, *money]
                for r in table.rows
                for money in _money_rows(r, main)
            ),
        )  # fmt: skip
    return render(request, "analytics/keywords.html", {**context, "table": table})


# -- Customer service --------------------------------------------------------------------------


def _seconds(value: float | None) -> str:
    return "" if value is None else f"{value:.0f}"


def _service_csv_row(scope: str, row: service.ServiceFigures) -> list[Any]:
    rate, satisfaction = row.response_rate, row.satisfaction
    return [
        scope,
        row.key if row.key is not None and row.key not in (service.AUTOMATION, service.REMOVED)
        else "",
        row.name, row.sessions, _seconds(row.first_median), _seconds(row.first_p90),
        _seconds(row.all_median), _seconds(row.all_p90), row.stretches, row.answered,
        row.answered_in_time, "" if rate is None else f"{rate:.4f}",
        row.ratings_requested, row.ratings_received, row.ratings_satisfied,
        "" if satisfaction is None else f"{satisfaction:.4f}",
    ]  # fmt: skip


def _service_chart(report: service.ServiceReport) -> dict[str, Any]:
    """What the charts draw: sessions per day, and the day's median first response in minutes
    (null on a day nothing was answered: a gap in the line, not a zero)."""
    return {
        "days": [d.day.isoformat() for d in report.days],
        "sessions": [d.sessions for d in report.days],
        "first_median_minutes": [
            None if d.first_median is None else round(d.first_median / 60, 1) for d in report.days
        ],
    }


@workspace_view()
@require_GET
def customer_service(request: WorkspaceRequest) -> HttpResponse:
    """Sessions, response times, response rate and customer satisfaction of TikTok Shop chat,
    per Shop account, per teammate and per day (definitions: ``analytics.customer_service``)."""
    period, context = _period(request)
    report = service.service_report(workspace=request.workspace, period=period)
    if _wants_csv(request):
        return _csv(
            "customer-service",
            period,
            ["scope", "id", "name", "sessions", "first_response_median_seconds",
             "first_response_p90_seconds", "response_median_seconds", "response_p90_seconds",
             "buyer_messages_waiting", "answered", "answered_within_24h", "response_rate",
             "ratings_requested", "ratings_received", "ratings_4_or_5",
             "customer_satisfaction"],
            [
                _service_csv_row("total", report.total),
                *(_service_csv_row("shop_account", r) for r in report.accounts),
                *(_service_csv_row("teammate", r) for r in report.teammates),
            ],
        )  # fmt: skip
    hours = report.hours
    return render(
        request,
        "analytics/customer_service.html",
        {
            **context,
            "report": report,
            "live_figures": True,
            "chart": _service_chart(report),
            "has_sessions": any(d.sessions for d in report.days),
            "working_hours": [(name, hours.days.get(weekday)) for weekday, name in WEEKDAYS.items()]
            if hours.counting
            else [],
        },
    )
