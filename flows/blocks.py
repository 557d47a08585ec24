"""The blocks a DM flow is made of: their shape, checking a flow before it is saved or
published, and rendering a block for the door that carries it.

A flow is a list of blocks, each a dict with an ``id`` and a ``type``; a run goes through them
in order unless a block names ``goto`` (another block's id, or ``"end"``). Types and fields:

- ``message``: ``text``; optional ``sku_id`` (placeholders render from it) and ``card`` (the
  SKU's product goes along as a shop card: at most one per message).
- ``question``: ``text``, ``field`` (the reply is saved to the contact's field).
- ``quick_replies``: ``text``, ``options`` (up to 4 ``{"label"}``), ``field`` (the choice).
- ``branch``: ``field``, ``cases`` (``{"equals", "goto"}``), ``else_goto``.
- ``shop_link``: ``sku_id``, optional ``text``: a product card from the synced catalog.
- ``handoff``: optional ``reason``. ``wait``: ``seconds``. ``tag``: ``tag``.

Placeholders in texts: ``{name}``, ``{price}``, ``{stock}`` (the block's SKU), ``{handle}``
("there" while unknown)
and ``{field:<name>}`` (what the contact answered).
"""

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from integrations.models import Sku

TYPES = (
    "message", "question", "quick_replies", "branch", "shop_link", "handoff", "wait", "tag",
)  # fmt: skip
WAITS_FOR_REPLY = ("question", "quick_replies")
MAX_OPTIONS = 4
MAX_OPTION_LABEL = 20
MAX_TEXT = 1000
MAX_WAIT_SECONDS = 7 * 24 * 3600
MAX_ID = 32  # runs store the block they are at
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
PLACEHOLDER = re.compile(r"\{(name|price|stock|handle|field:[a-z][a-z0-9_]*)\}")
URL = re.compile(r"https?://\S+")

_SYMBOLS = {
    "USD": "$", "GBP": "£", "EUR": "€", "THB": "฿", "VND": "₫", "IDR": "Rp", "MYR": "RM",
    "PHP": "₱", "SGD": "S$", "JPY": "¥", "MXN": "MX$", "BRL": "R$",
}  # fmt: skip


def money(amount: Decimal, currency: str) -> str:
    """``฿390.00``, ``Rp 150,000``: the store's currency, never a float."""
    digits = 0 if currency in ("IDR", "VND", "JPY") else 2
    number = f"{amount:,.{digits}f}"
    symbol = _SYMBOLS.get(currency)
    if symbol is None:
        return f"{number} {currency}"
    return f"{symbol} {number}" if len(symbol) > 1 and symbol.isalpha() else f"{symbol}{number}"


def product_url(product_id: str) -> str:
    return str(settings.TIKTOK_SHOP_PRODUCT_URL).format(product_id=product_id)


def skus_named(blocks: list[dict[str, Any]]) -> set[str]:
    return {str(b["sku_id"]) for b in blocks if b.get("sku_id")}


def catalog_for(workspace_id: int, sku_ids: set[str]) -> dict[str, Sku]:
    """The named SKUs that are still for sale (their product not deleted)."""
    if not sku_ids:
        return {}
    skus = (
        Sku.objects.for_workspace(workspace_id)
        .filter(external_id__in=sku_ids)
        .exclude(product__status__in=["DELETED", "deleted"])
        .select_related("product")
    )
    return {sku.external_id: sku for sku in skus}


def validate(blocks: Any, *, workspace_id: int, for_publish: bool = False) -> list[str]:
    """Everything wrong with ``blocks``, as sentences a creator can act on ("Block 3: …").
    Publishing also needs at least one block and every named SKU still in the catalog."""
    if not isinstance(blocks, list):
        return ["A flow is a list of blocks."]
    errors: list[str] = []
    ids = [str(b.get("id")) for b in blocks if isinstance(b, dict)]
    if len(set(ids)) != len(ids):
        errors.append("Two blocks share an id.")
    known = set(ids) | {"end", ""}
    for n, block in enumerate(blocks, start=1):
        if not isinstance(block, dict) or not isinstance(block.get("id"), str) or not block["id"]:
            errors.append(f"Block {n}: every block needs an id.")
            continue
        if len(block["id"]) > MAX_ID or block["id"] == "end":
            errors.append(f"Block {n}: a block id is 1 to {MAX_ID} characters and not “end”.")
            continue
        errors += [f"Block {n}: {e}" for e in _block_errors(block, known)]
    if for_publish:
        if not blocks:
            errors.append("Add at least one block before publishing.")
        named = skus_named([b for b in blocks if isinstance(b, dict)])
        live = catalog_for(workspace_id, named)
        for n, block in enumerate(blocks, start=1):
            sku = isinstance(block, dict) and block.get("sku_id")
            if sku and str(sku) not in live:
                errors.append(
                    f"Block {n}: the SKU {sku} is no longer in the synced catalog. "
                    "Pick another product, or sync the catalog if it was just added."
                )
    return errors


def _jump_ok(target: Any, known_ids: set[str]) -> bool:
    return isinstance(target, str) and target in known_ids


def _block_errors(block: dict[str, Any], known_ids: set[str]) -> list[str]:
    kind = block.get("type")
    if kind not in TYPES:
        return [f"unknown block type {kind!r}."]
    errors = []
    text = block.get("text", "")
    if not isinstance(text, str) or len(text) > MAX_TEXT:
        errors.append(f"the text is limited to {MAX_TEXT} characters.")
    elif kind in ("message", "question", "quick_replies") and not text.strip():
        errors.append("write the text the contact will read.")
    if not _jump_ok(block.get("goto", ""), known_ids):
        errors.append("it jumps to a block that does not exist.")
    if kind in ("question", "branch") and not FIELD_NAME.match(str(block.get("field", ""))):
        errors.append("name the field with lowercase letters, digits and _ (e.g. shade).")
    if kind == "quick_replies":
        options = block.get("options")
        if not isinstance(options, list) or not 1 <= len(options) <= MAX_OPTIONS:
            errors.append(f"offer 1 to {MAX_OPTIONS} quick replies.")
        else:
            for option in options:
                label = option.get("label") if isinstance(option, dict) else None
                if not isinstance(label, str) or not 1 <= len(label.strip()) <= MAX_OPTION_LABEL:
                    errors.append(
                        f"each quick reply needs a label of 1 to {MAX_OPTION_LABEL} characters."
                    )
                    break
        if block.get("field") and not FIELD_NAME.match(str(block["field"])):
            errors.append("name the field with lowercase letters, digits and _.")
    if kind == "branch":
        cases = block.get("cases")
        if not isinstance(cases, list) or not all(isinstance(c, dict) for c in cases):
            errors.append("a branch needs its cases.")
        elif (
            any(c.get("goto", "") not in known_ids for c in cases)
            or block.get("else_goto", "") not in known_ids
        ):
            errors.append("a case jumps to a block that does not exist.")
    if kind == "shop_link" and not block.get("sku_id"):
        errors.append("pick the product to link.")
    if kind == "wait":
        seconds = block.get("seconds")
        if type(seconds) is not int or not 1 <= seconds <= MAX_WAIT_SECONDS:
            errors.append("wait between 1 second and 7 days.")
    if kind == "tag" and not str(block.get("tag", "")).strip():
        errors.append("name the tag.")
    return errors


@dataclass
class Outgoing:
    """One DM as a door will carry it, and what had to give way to fit."""

    text: str
    payload: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


@dataclass
class Context:
    handle: str
    fields: dict[str, Any]
    catalog: dict[str, Sku]


def render(text: str, *, sku: Sku | None, context: Context) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("field:"):
            return str(context.fields.get(name[6:], ""))
        if name == "handle":
            # Comments name no handle: until the contact writes to us, they are "there".
            return f"@{context.handle}" if context.handle else "there"
        if sku is None:
            return match.group(0)
        if name == "name":
            return sku.product.title + (f" ({sku.name})" if sku.name else "")
        if name == "price":
            return money(sku.price, sku.currency)
        return str(sku.stock) if sku.stock > 0 else "sold out"

    return PLACEHOLDER.sub(value, text)


def product_card(sku: Sku) -> dict[str, Any]:
    return {
        "product_id": sku.product.external_id,
        "sku_id": sku.external_id,
        "title": sku.product.title + (f" ({sku.name})" if sku.name else ""),
        "price": str(sku.price),
        "currency": sku.currency,
        "stock": sku.stock,
        "url": product_url(sku.product.external_id),
    }


def _card_as_text(card: dict[str, Any], *, links: bool) -> str:
    price = money(Decimal(card["price"]), card["currency"])
    line = f"🛍 {card['title']} · {price}"
    return f"{line}\n{card['url']}" if links else line


def compose(block: dict[str, Any], *, door: str, context: Context) -> list[Outgoing]:
    """The DMs a block turns into through ``door`` (``window``, ``comment_to_message`` or
    ``shop_chat``); empty for blocks that send nothing. Where the door cannot carry the block
    as built, it degrades visibly and says how in ``notes``."""
    kind = block["type"]
    if kind not in ("message", "question", "quick_replies", "shop_link"):
        return []
    sku = context.catalog.get(str(block.get("sku_id", "")))
    text = render(block.get("text", ""), sku=sku, context=context).strip()
    out = Outgoing(text=text)
    card = (
        product_card(sku)
        if sku is not None and (kind == "shop_link" or block.get("card"))
        else None
    )
    if kind == "quick_replies":
        labels = [o["label"].strip() for o in block.get("options", [])]
        if door == "window" and len(labels) <= 3:
            out.payload["buttons"] = labels
        else:
            numbered = "\n".join(f"{n}. {label}" for n, label in enumerate(labels, start=1))
            out.text = f"{text}\n{numbered}\nReply with a number."
            why = {
                "window": f"{len(labels)} options (TikTok DMs carry at most 3 buttons)",
                "comment_to_message": "Comment-to-Message carries text only",
                "shop_chat": "TikTok Shop chat has no reply buttons",
            }[door]
            out.notes.append(f"quick replies sent as a numbered list: {why}")
    messages = [out] if out.text or out.payload else []
    if card is not None:
        if door == "shop_chat":
            messages.append(Outgoing(text=card["title"], payload={"product": card}))
        else:
            suffix = _card_as_text(card, links=True)
            if messages:
                messages[0].text = f"{messages[0].text}\n{suffix}"
            else:
                messages.append(Outgoing(text=suffix))
            # Keep the card on the DM for the inbox and attribution, even though TikTok
            # shows it as a line of text.
            messages[0].payload["product"] = card
            messages[0].notes.append(
                "shop card sent as a text link: TikTok DMs have no product cards"
            )
    if door == "shop_chat":
        for message in messages:
            if URL.search(message.text):
                message.text = URL.sub("", message.text).strip()
                message.notes.append("link removed: TikTok Shop chat does not carry hyperlinks")
            message.text = message.text[:2000]
    return messages
