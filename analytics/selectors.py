"""Reads for the analytics pages: what counts as a ChatSparks order, and the rollups added up
over a date range. Every page read is a few GROUP BY queries over ``DailyStat`` through its
(workspace, dimension, day) index, plus one lookup of the page's posts, triggers or flows;
nothing here runs a query per row."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import DecimalField, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from analytics.models import DailyStat, RollupState
from attribution.models import Attribution, Order
from chatsparks.workspaces.models import Workspace
from flows.models import Flow, Trigger
from integrations.models import Post

Dim = DailyStat.Dimension
COUNTS = ("comments", "triggered", "dms", "replies", "reached", "stopped", "orders")
# The columns a table sorts by (``?sort=orders``, ``?sort=-orders``); revenue sorts by the
# workspace's main currency.
SORTS = ("comments", "triggered", "dms", "replies", "orders", "revenue")
DEFAULT_SORT = "-revenue"


def attributions_counted(*, workspace: Workspace | int) -> QuerySet[Attribution]:
    """The orders ChatSparks counts as its own, the one definition every figure uses.

    An order counts when its attribution is ``attributed`` (and no person rejected it) or
    ``soft`` and a person confirmed it, and the order is neither cancelled nor refunded. This
    is ``Attribution.counts`` less ``Order.reversed``, so exactly the attributions whose
    ``revenue`` is the order's total; organic, unconfirmed soft, rejected, cancelled and
    refunded orders count for nothing, neither as an order nor as revenue.
    """
    return (
        Attribution.objects.for_workspace(workspace)
        .filter(
            Q(outcome=Attribution.Outcome.ATTRIBUTED) & ~Q(decision=Attribution.Decision.REJECTED)
            | Q(outcome=Attribution.Outcome.SOFT, decision=Attribution.Decision.CONFIRMED)
        )
        .exclude(order__refunded=True)
        .exclude(order__status=Order.Status.CANCELLED)
    )


@dataclass(frozen=True)
class Period:
    """Calendar days in the workspace's time zone, both ends included."""

    first: date
    last: date

    @property
    def days(self) -> list[date]:
        return [self.first + timedelta(days=n) for n in range((self.last - self.first).days + 1)]

    def __str__(self) -> str:
        return f"{self.first.isoformat()}-to-{self.last.isoformat()}"


@dataclass
class Money:
    currency: str
    orders: int = 0
    revenue: Decimal = Decimal(0)


@dataclass
class Figures:
    """Counts added up over a period, and orders and revenue one currency at a time."""

    comments: int = 0
    triggered: int = 0
    dms: int = 0
    replies: int = 0
    reached: int = 0
    stopped: int = 0
    orders: int = 0
    money: list[Money] = field(default_factory=list)

    def add(self, values: dict[str, Any]) -> None:
        for name in COUNTS:
            setattr(self, name, getattr(self, name) + (values.get(name) or 0))
        if values.get("currency"):
            self.money.append(
                Money(
                    values["currency"],
                    values.get("orders") or 0,
                    values.get("revenue") or Decimal(0),
                )
            )

    def revenue_in(self, currency: str) -> Decimal:
        return next((m.revenue for m in self.money if m.currency == currency), Decimal(0))


@dataclass
class DayFigures(Figures):
    day: date = date.min


@dataclass
class Overview:
    total: Figures
    days: list[DayFigures]
    currencies: list[str]


@dataclass
class Row(Figures):
    """One post, trigger or flow: ``key`` as stored, ``item`` the object (None once deleted,
    or for a post not synced yet)."""

    key: str = ""
    item: Any = None


@dataclass
class Table:
    rows: list[Row]
    currencies: list[str]
    page: Page[Any] | None = None


def rollup_state(*, workspace: Workspace) -> RollupState | None:
    return RollupState.objects.for_workspace(workspace).first()


def _stats(workspace: Workspace, dimension: str, period: Period) -> QuerySet[DailyStat]:
    return DailyStat.objects.for_workspace(workspace).filter(
        dimension=dimension, day__gte=period.first, day__lte=period.last
    )


def _sums(*names: str) -> dict[str, Any]:
    """``Sum`` of each column, under an alias (an annotation may not reuse a field's name)."""
    return {f"sum_{name}": Sum(name) for name in names or (*COUNTS, "revenue")}


def _unsum(values: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix("sum_"): v for k, v in values.items()}


def _dicts(queryset: QuerySet[Any, Any]) -> list[dict[str, Any]]:
    """The rows of a ``values()`` query whose annotations are named in a loop (``_sums``),
    which the type stubs cannot follow."""
    return list(queryset)


def _order_currencies(money: dict[str, tuple[int, Decimal]]) -> list[str]:
    """The currency with most orders first (then most revenue): the one tables sort by."""
    return sorted(money, key=lambda c: (-money[c][0], -money[c][1], c))


def overview_get(*, workspace: Workspace, period: Period) -> Overview:
    """The funnel over the period and each day's figures (one query)."""
    by_day = {d: DayFigures(day=d) for d in period.days}
    total = Figures()
    money: dict[str, tuple[int, Decimal]] = {}
    for values in (
        _stats(workspace, Dim.TOTAL, period)
        .values("day", "currency", *COUNTS, "revenue")
        .order_by("day", "currency")
    ):
        by_day[values["day"]].add(values)
        total.add({**values, "currency": ""})
        if values["currency"]:
            orders, revenue = money.get(values["currency"], (0, Decimal(0)))
            money[values["currency"]] = (orders + values["orders"], revenue + values["revenue"])
    currencies = _order_currencies(money)
    total.money = [Money(c, *money[c]) for c in currencies]
    rank = {c: n for n, c in enumerate(currencies)}
    for day in by_day.values():
        day.money.sort(key=lambda m: rank[m.currency])
    return Overview(total=total, days=list(by_day.values()), currencies=currencies)


def currencies_in(*, workspace: Workspace, period: Period) -> list[str]:
    """The currencies the period's counted orders were in, main currency first."""
    found = _dicts(
        _stats(workspace, Dim.TOTAL, period)
        .exclude(currency="")
        .values("currency")
        .annotate(**_sums("orders", "revenue"))
        .order_by()
    )
    return _order_currencies({v["currency"]: (v["sum_orders"], v["sum_revenue"]) for v in found})


def _ranked(
    workspace: Workspace, dimension: str, period: Period, order: list[str], main_currency: str
) -> QuerySet[DailyStat, Any]:
    """One row per key with its counts and its revenue in the main currency, ordered by
    ``order`` (names from ``SORTS``, ``-`` for descending), then by key for a stable page."""
    revenue_main = Coalesce(
        Sum("revenue", filter=Q(currency=main_currency)),
        Value(Decimal(0)),
        output_field=DecimalField(max_digits=18, decimal_places=2),
    )
    ordering = []
    for name in order:
        column = F("revenue_main" if name.lstrip("-") == "revenue" else f"sum_{name.lstrip('-')}")
        ordering.append(column.desc() if name.startswith("-") else column.asc())
    return (
        _stats(workspace, dimension, period)
        .values("key")
        .annotate(**_sums(*COUNTS), revenue_main=revenue_main)
        .order_by(*ordering, "key")
    )


def _rows(
    workspace: Workspace,
    dimension: str,
    period: Period,
    ranked: list[dict[str, Any]],
    currencies: list[str],
) -> list[Row]:
    """Rows for the ranked keys, each with its money per currency (one query)."""
    keys = [r["key"] for r in ranked]
    money: dict[str, dict[str, Money]] = {}
    for v in _dicts(
        _stats(workspace, dimension, period)
        .filter(key__in=keys)
        .exclude(currency="")
        .values("key", "currency")
        .annotate(**_sums("orders", "revenue"))
        .order_by()
    ):
        money.setdefault(v["key"], {})[v["currency"]] = Money(
            v["currency"], v["sum_orders"], v["sum_revenue"]
        )
    rows = []
    for r in ranked:
        row = Row(key=r["key"])
        row.add(_unsum(r))
        found = money.get(r["key"], {})
        row.money = [found[c] for c in currencies if c in found]
        rows.append(row)
    return rows


def _sort(sort: str) -> str:
    return sort if sort.lstrip("-") in SORTS else DEFAULT_SORT


def _table(
    *,
    workspace: Workspace,
    dimension: str,
    period: Period,
    order: list[str],
    page_number: int | str | None,
    per_page: int,
) -> Table:
    currencies = currencies_in(workspace=workspace, period=period)
    ranked_qs = _ranked(workspace, dimension, period, order, currencies[0] if currencies else "")
    page = None
    if page_number is None:
        ranked = list(ranked_qs)
    else:
        page = Paginator(ranked_qs, per_page).get_page(page_number)
        ranked = list(page.object_list)
    return Table(
        rows=_rows(workspace, dimension, period, ranked, currencies),
        currencies=currencies,
        page=page,
    )


def post_table(
    *,
    workspace: Workspace,
    period: Period,
    sort: str = DEFAULT_SORT,
    page_number: int | str | None = None,
    per_page: int = 25,
) -> Table:
    """Videos and LIVEs by ``sort``; a page of them, or all (``page_number=None``, CSV)."""
    table = _table(
        workspace=workspace,
        dimension=Dim.POST,
        period=period,
        order=[_sort(sort)],
        page_number=page_number,
        per_page=per_page,
    )
    posts: dict[str, Post] = {
        p.external_id: p
        for p in Post.objects.for_workspace(workspace).filter(
            external_id__in=[r.key for r in table.rows]
        )
    }
    for row in table.rows:
        row.item = posts.get(row.key)
    return table


def flow_table(*, workspace: Workspace, period: Period, sort: str = DEFAULT_SORT) -> Table:
    """Every flow that ran in the period (a workspace has a handful, so no pages)."""
    table = _table(
        workspace=workspace,
        dimension=Dim.FLOW,
        period=period,
        order=[_sort(sort)],
        page_number=None,
        per_page=0,
    )
    flows = Flow.objects.for_workspace(workspace).filter(pk__in=_int_keys(table.rows))
    by_pk = {str(f.pk): f for f in flows.select_related("live_version")}
    for row in table.rows:
        row.item = by_pk.get(row.key)
    return table


def trigger_table(*, workspace: Workspace, period: Period) -> Table:
    """Every trigger that fired in the period, ranked by orders, then revenue (in the main
    currency), then comments fired."""
    table = _table(
        workspace=workspace,
        dimension=Dim.TRIGGER,
        period=period,
        order=["-orders", "-revenue", "-triggered"],
        page_number=None,
        per_page=0,
    )
    by_pk = {
        str(t.pk): t
        for t in Trigger.objects.for_workspace(workspace).filter(pk__in=_int_keys(table.rows))
    }
    for row in table.rows:
        row.item = by_pk.get(row.key)
    return table


def _int_keys(rows: list[Row]) -> list[int]:
    return [int(r.key) for r in rows if r.key.isdigit()]


@dataclass
class Step(Figures):
    """One block of a flow: ``number`` is its place in the live version (None once removed)."""

    block_id: str = ""
    number: int | None = None
    block: dict[str, Any] = field(default_factory=dict)

    @property
    def stopped_share(self) -> float | None:
        return self.stopped / self.reached if self.reached else None


def flow_steps(
    *, workspace: Workspace, period: Period, flow: Flow, currencies: list[str]
) -> list[Step]:
    """How far the flow's runs got, block by block in the live version's order; blocks the
    live version no longer has (runs of older versions went through them) come last."""
    blocks = flow.live_version.blocks if flow.live_version is not None else []
    steps = {
        str(b.get("id")): Step(block_id=str(b.get("id")), number=n, block=b)
        for n, b in enumerate(blocks, start=1)
    }
    for values in _dicts(
        _stats(workspace, Dim.STEP, period)
        .filter(key=str(flow.pk))
        .values("step", "currency")
        .annotate(**_sums())
        .order_by()
    ):
        step = steps.setdefault(values["step"], Step(block_id=values["step"]))
        step.add(_unsum(values))
    rank = {c: n for n, c in enumerate(currencies)}
    for step in steps.values():
        step.money.sort(key=lambda m: (rank.get(m.currency, len(rank)), m.currency))
    numbered = [s for s in steps.values() if s.number is not None]
    removed = sorted(
        (s for s in steps.values() if s.number is None), key=lambda s: (-s.reached, s.block_id)
    )
    return numbered + removed
