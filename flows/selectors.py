"""Reads of triggers, the evaluation log, DM flows and the catalog the flow editor picks from."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet

from chatsparks.workspaces.models import Workspace
from flows import blocks as flow_blocks
from flows.handoff import DEFAULTS as SENSITIVE_DEFAULTS
from flows.models import AutomationSettings, Evaluation, Flow, SensitiveKeyword, Trigger
from inbox.selectors import shop_chat_connections
from integrations.models import Connection, Provider, Sku

DELETED_PRODUCT = ("DELETED", "deleted")  # as flows.blocks.catalog_for leaves them out
LOCALE_NAMES = {"en": "English", "th": "Thai", "vi": "Vietnamese", "id": "Indonesian"}


def tiktok_connection(*, workspace: Workspace) -> Connection | None:
    """The TikTok account triggers watch (one per workspace), live or not."""
    return (
        Connection.objects.for_workspace(workspace)
        .filter(provider=Provider.TIKTOK)
        .exclude(status=Connection.Status.DISCONNECTED)
        .first()
    )


def shop_connections(*, workspace: Workspace) -> QuerySet[Connection]:
    """The TikTok Shops whose chat a Shop chat trigger may watch, live or not."""
    return (
        shop_chat_connections(workspace=workspace)
        .exclude(status=Connection.Status.DISCONNECTED)
        .order_by("display_name", "id")
    )


def trigger_list(*, workspace: Workspace) -> QuerySet[Trigger]:
    return (
        Trigger.objects.for_workspace(workspace)
        .select_related("flow__live_version", "connection")
        .order_by("priority", "id")
    )


def trigger_get(*, workspace: Workspace, trigger_id: int) -> Trigger | None:
    return trigger_list(workspace=workspace).filter(pk=trigger_id).first()


def evaluations_recent(*, workspace: Workspace, limit: int = 50) -> QuerySet[Evaluation]:
    return (
        Evaluation.objects.for_workspace(workspace)
        .select_related("comment", "contact", "trigger")
        .order_by("-created_at", "-id")[:limit]
    )


# -- flows -------------------------------------------------------------------------------------


def flow_list(*, workspace: Workspace) -> QuerySet[Flow]:
    """The workspace's flows with their live version and ``trigger_count`` (triggers that
    start them)."""
    return (
        Flow.objects.for_workspace(workspace)
        .select_related("live_version")
        .annotate(trigger_count=Count("triggers"))
        .order_by("name", "id")
    )


def flow_get(*, workspace: Workspace, flow_id: int) -> Flow | None:
    """The flow, or None for missing and another workspace's alike."""
    return (
        Flow.objects.for_workspace(workspace)
        .select_related("live_version")
        .filter(pk=flow_id)
        .first()
    )


def flow_trigger_names(*, workspace: Workspace) -> dict[int, list[str]]:
    """Flow id → the names of the triggers that start it, in priority order."""
    names: dict[int, list[str]] = {}
    rows = (
        Trigger.objects.for_workspace(workspace)
        .filter(flow__isnull=False)
        .order_by("priority", "id")
        .values_list("flow_id", "name")
    )
    for flow_id, name in rows:
        names.setdefault(flow_id, []).append(name)
    return names


def flow_triggers(*, flow: Flow) -> QuerySet[Trigger]:
    return (
        Trigger.objects.for_workspace(flow.workspace_id)
        .filter(flow=flow)
        .order_by("priority", "id")
    )


@dataclass(frozen=True)
class SkuRow:
    """A SKU as the flow editor's picker shows it."""

    sku_id: str
    product_id: str
    product_title: str
    sku_name: str
    seller_sku: str
    price: str
    currency: str
    price_display: str
    stock: int

    @classmethod
    def of(cls, sku: Sku) -> "SkuRow":
        return cls(
            sku_id=sku.external_id,
            product_id=sku.product.external_id,
            product_title=sku.product.title,
            sku_name=sku.name,
            seller_sku=sku.seller_sku,
            price=str(sku.price),
            currency=sku.currency,
            price_display=flow_blocks.money(sku.price, sku.currency),
            stock=sku.stock,
        )


def sku_search(*, workspace: Workspace, q: str, limit: int = 20) -> list[SkuRow]:
    """SKUs still for sale whose product title, SKU name or seller SKU contains ``q`` (any
    case); with no ``q``, the first ``limit`` of the catalog."""
    skus = (
        Sku.objects.for_workspace(workspace)
        .select_related("product")
        .exclude(product__status__in=DELETED_PRODUCT)
    )
    q = q.strip()
    if q:
        skus = skus.filter(
            Q(product__title__icontains=q) | Q(name__icontains=q) | Q(seller_sku__icontains=q)
        )
    return [SkuRow.of(sku) for sku in skus.order_by("product__title", "name", "id")[:limit]]


def sku_rows_for(*, workspace: Workspace, blocks: Any) -> dict[str, SkuRow]:
    """The SKUs a draft names that are still in the catalog, for the editor to show them."""
    named = (
        flow_blocks.skus_named([b for b in blocks if isinstance(b, dict)])
        if isinstance(blocks, list)
        else set()
    )
    return {
        sku_id: SkuRow.of(sku)
        for sku_id, sku in flow_blocks.catalog_for(workspace.pk, named).items()
    }


# -- preview -----------------------------------------------------------------------------------

DOORS = {
    "window": "Open messaging window",
    "comment_to_message": "Comment-to-Message",
    "shop_chat": "TikTok Shop chat",
}
PREVIEW_HANDLE = "buyer"


@dataclass
class PreviewItem:
    """One line of the preview: a DM as the buyer sees it, or what a silent block does."""

    kind: str  # "dm", "step" (a block that sends nothing), "door" (the door changes), "error"
    text: str = ""
    block: int = 0  # the block's number in the flow (1-based); 0 for the first-DM bundle
    buttons: list[str] = field(default_factory=list)
    card: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


def _step_text(block: dict[str, Any]) -> str:
    kind = block.get("type")
    if kind == "wait":
        seconds = block.get("seconds")
        if isinstance(seconds, int) and seconds % 60 == 0 and seconds:
            minutes = seconds // 60
            return f"Waits {minutes} minute{'s' if minutes != 1 else ''}"
        return f"Waits {seconds} second{'s' if seconds != 1 else ''}"
    if kind == "tag":
        return f"Tags the contact “{block.get('tag', '')}”"
    if kind == "handoff":
        reason = str(block.get("reason") or "").strip()
        return "Hands the chat to a teammate" + (f": {reason}" if reason else "")
    if kind == "branch":
        return f"Branches on the field “{block.get('field', '')}”"
    return ""


def _dm(outgoing: flow_blocks.Outgoing, *, door: str, block: int) -> PreviewItem:
    product = outgoing.payload.get("product")
    # Only Shop chat carries a real product card; elsewhere the card is already a text line.
    card = None
    if door == "shop_chat" and product is not None:
        card = {
            **product,
            "price_display": flow_blocks.money(Decimal(product["price"]), product["currency"]),
        }
    return PreviewItem(
        kind="dm",
        text="" if card else outgoing.text,
        block=block,
        buttons=list(outgoing.payload.get("buttons", [])),
        card=card,
        notes=list(outgoing.notes),
    )


def flow_preview(*, workspace: Workspace, blocks: Any, door: str) -> list[PreviewItem]:
    """The DMs a buyer would receive, block by block in list order (branches and jumps are
    not followed), for a contact @buyer with no answers yet and the real synced catalog.

    Like the runner, Comment-to-Message carries the first DM only, as one text made of every
    message up to the first block that waits; the rest goes through the messaging window the
    buyer's reply opens."""
    if door not in DOORS:
        door = "window"
    if not isinstance(blocks, list):
        return [PreviewItem(kind="error", text="A flow is a list of blocks.")]
    usable = [b for b in blocks if isinstance(b, dict)]
    context = flow_blocks.Context(
        handle=PREVIEW_HANDLE,
        fields={},
        catalog=flow_blocks.catalog_for(workspace.pk, flow_blocks.skus_named(usable)),
    )
    items: list[PreviewItem] = []
    bundle: list[flow_blocks.Outgoing] = []
    current = door

    def flush() -> None:
        nonlocal current
        if current != "comment_to_message" or not bundle:
            return
        items.append(
            PreviewItem(
                kind="dm",
                text="\n\n".join(o.text for o in bundle if o.text),
                notes=[note for o in bundle for note in o.notes],
            )
        )
        bundle.clear()
        current = "window"
        items.append(
            PreviewItem(
                kind="door",
                text="Comment-to-Message sends one DM; the rest goes through the messaging "
                "window once the buyer replies.",
            )
        )

    for n, block in enumerate(blocks, start=1):
        if not isinstance(block, dict):
            items.append(PreviewItem(kind="error", text="This block cannot be read.", block=n))
            continue
        try:
            outgoing = flow_blocks.compose(block, door=current, context=context)
        except (KeyError, TypeError, AttributeError, ValueError, ArithmeticError):
            items.append(
                PreviewItem(kind="error", text="Finish this block to preview it.", block=n)
            )
            continue
        if current == "comment_to_message":
            bundle += outgoing
        else:
            items += [_dm(o, door=current, block=n) for o in outgoing]
        step = _step_text(block)
        if step:
            if block.get("type") in ("wait", "handoff"):
                flush()
            items.append(PreviewItem(kind="step", text=step, block=n))
        if block.get("type") in flow_blocks.WAITS_FOR_REPLY:
            flush()
    flush()
    return items


# -- automation settings -----------------------------------------------------------------------


def automation_settings_get(*, workspace: Workspace) -> AutomationSettings:
    """The workspace's settings, or the defaults (unsaved) when never changed."""
    return AutomationSettings.objects.for_workspace(workspace).first() or AutomationSettings(
        workspace=workspace
    )


def sensitive_keyword_list(*, workspace: Workspace) -> QuerySet[SensitiveKeyword]:
    return SensitiveKeyword.objects.for_workspace(workspace).order_by("phrase", "id")


def sensitive_keyword_get(*, workspace: Workspace, keyword_id: int) -> SensitiveKeyword | None:
    return sensitive_keyword_list(workspace=workspace).filter(pk=keyword_id).first()


def sensitive_defaults() -> list[tuple[str, tuple[str, ...]]]:
    """The built-in phrases by language, as (language name, phrases)."""
    return [(LOCALE_NAMES.get(code, code), phrases) for code, phrases in SENSITIVE_DEFAULTS.items()]
