"""Which conversation produced an order: the rules, in one place (PRODUCT.md, Attribution).

1. **Who bought.** The order's buyer is TikTok Shop's ``user_id``. A contact is that buyer only
   if ``Contact.shop_buyer_id`` says so, which ``inbox.services.contact_link_buyer`` records
   where both identities are seen together (a Shop chat conversation carries the buyer's id
   beside the person writing). TikTok's creator-side user ids and Shop buyer ids are different
   namespaces and the platform documents no join between them (tiktok-wire.md §5.7), so a
   buyer is never guessed from a handle, a name or timing. The UI names this key.
2. **Which conversation.** Among that buyer's conversations, the one whose delivered shop link
   (a DM carrying a product) came last before the order, within 14 days of it. Nothing
   within 14 days: organic.
3. **How sure.** A link in that conversation, within the window, to a SKU the order contains:
   attributed. Only other products linked: soft-attributed, for a person to confirm or
   reject; the choice is kept however often the order is matched again.

Matching is a pure function of the stored order, contacts and messages, re-run whenever any
of them changes (the order arrives or moves, a shop link is delivered, a contact is linked),
so every arrival order of comment, DM and order events ends in the same attribution, and the
same order delivered five times is one row. Cancelled or refunded orders keep their match but
earn nothing.
"""

import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import psycopg
from django.db import connection, transaction
from django.utils import timezone

from attribution.models import Attribution, Order
from inbox.models import Contact, Message

WINDOW = timedelta(days=14)
MATCH_KEY = "shop_buyer_id"

# Matching runs for every order event, so it reads what it needs in two hand-written
# statements, prepared once per connection (an ORM query costs more to build, and a join more
# to plan, than PostgreSQL takes to answer it; bench/README.md has the figures). Both are
# indexed lookups: the order by primary key, the buyer by ``contact_by_shop_buyer``, their
# messages by (conversation, sent_at).
_ORDER_FIELDS = Order._meta.concrete_fields
_ATTRIBUTION_FIELDS = Attribution._meta.concrete_fields
_ORDER_FACTS = f"""
SELECT {", ".join(f"o.{f.column}" for f in _ORDER_FIELDS)},
       {", ".join(f"a.{f.column}" for f in _ATTRIBUTION_FIELDS)},
       (SELECT k.id FROM inbox_contact k
         WHERE k.workspace_id = o.workspace_id AND k.shop_buyer_id = o.buyer_user_id
           AND k.shop_buyer_id <> ''
         ORDER BY k.last_seen_at DESC LIMIT 1) AS buyer_contact_id,
       ARRAY(SELECT l.sku_id FROM attribution_orderline l WHERE l.order_id = o.id) AS skus
FROM attribution_order o
LEFT JOIN attribution_attribution a ON a.order_id = o.id
WHERE o.id = %(order)s AND o.workspace_id = %(workspace)s
FOR UPDATE OF o
"""  # noqa: S608 (column names come from the models, not from input)
# Rule 2's candidates: delivered DMs with a product to the buyer's contacts, in the 14 days
# before the order, newest first, each with the run that sent it and the comment behind it.
_SHOP_LINKS = """
SELECT m.id, m.conversation_id, c.contact_id, m.sent_at,
       coalesce(m.payload -> 'product' ->> 'sku_id', ''), coalesce(m.payload ->> 'block', ''),
       r.id, r.trigger_id, v.id, v.flow_id, cm.id, cm.post_id, cm.commented_at
FROM inbox_contact k
JOIN inbox_conversation c ON c.contact_id = k.id
JOIN inbox_message m ON m.conversation_id = c.id
LEFT JOIN inbox_send s ON s.id = m.send_id
LEFT JOIN flows_run r
       ON r.workspace_id = m.workspace_id
      AND r.id = CASE WHEN m.payload ->> 'run' ~ '^[0-9]{1,18}$'
                      THEN (m.payload ->> 'run')::bigint END
LEFT JOIN flows_flowversion v ON v.id = r.flow_version_id
LEFT JOIN inbox_comment cm ON cm.id = r.comment_id
WHERE k.workspace_id = %(workspace)s AND k.shop_buyer_id = %(buyer)s AND k.shop_buyer_id <> ''
  AND m.workspace_id = %(workspace)s AND m.direction = 'out' AND m.payload ? 'product'
  AND m.sent_at >= %(since)s AND m.sent_at <= %(until)s
  AND (m.send_id IS NULL OR s.state = 'sent')
ORDER BY m.sent_at DESC, m.id DESC
"""
# What ``order_match`` decides; a re-match that changes none of it writes nothing.
_DECIDED = [f.attname for f in _ATTRIBUTION_FIELDS if f.attname not in ("id", "matched_at")]
# What a shop link credits, and what an organic order clears; ``_Link`` names each field
# like Attribution does, less the ``link_`` prefix.
_CREDIT = (
    "link_message_id", "conversation_id", "link_sent_at", "run_id", "trigger_id",
    "flow_version_id", "flow_id", "comment_id", "post_id",
)  # fmt: skip


def _prepared(sql: str, params: dict[str, Any]) -> list[tuple[Any, ...]]:
    """One of matching's reads, as a statement prepared on the server once per connection:
    PostgreSQL takes several times longer to plan these joins than to run them (bench/
    README.md). Django's cursors bind parameters on the client and cannot prepare, so this goes
    to psycopg directly, inside Django's transaction, error translation and query log."""
    connection.ensure_connection()
    connection.validate_no_broken_transaction()
    start = time.monotonic()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params, prepare=True)
        rows = cursor.fetchall()
    if connection.queries_logged:  # DEBUG, or a test capturing queries
        shown = psycopg.ClientCursor(connection.connection).mogrify(sql, params)
        connection.queries_log.append({"sql": shown, "time": f"{time.monotonic() - start:.3f}"})
    return rows


@dataclass(frozen=True)
class _Link:
    message_id: int
    conversation_id: int
    contact_id: int
    sent_at: datetime
    sku_id: str
    block_id: str
    run_id: int | None
    trigger_id: int | None
    flow_version_id: int | None
    flow_id: int | None
    comment_id: int | None
    post_id: int | None
    commented_at: datetime | None


@dataclass(frozen=True)
class _Facts:
    order: Order
    attribution: Attribution
    buyer_contact_id: int | None
    skus: frozenset[str]


def _facts(order: Order) -> _Facts:
    """The order, locked against a concurrent match of it, with its attribution (a new one if
    none), the buyer's most recently seen contact and the SKUs it contains."""
    rows = _prepared(_ORDER_FACTS, {"order": order.pk, "workspace": order.workspace_id})
    row = rows[0] if rows else None
    if row is None:
        raise Order.DoesNotExist(f"order {order.pk} is gone")
    n, m = len(_ORDER_FIELDS), len(_ATTRIBUTION_FIELDS)
    locked = Order.from_db(connection.alias, [f.attname for f in _ORDER_FIELDS], row[:n])
    attribution = (
        Attribution.from_db(
            connection.alias, [f.attname for f in _ATTRIBUTION_FIELDS], row[n : n + m]
        )
        if row[n] is not None
        else Attribution(workspace_id=locked.workspace_id, order=locked)
    )
    return _Facts(locked, attribution, row[n + m], frozenset(row[n + m + 1]))


def _links(order: Order) -> list[_Link]:
    ordered_at = order.created_at_platform
    if not order.buyer_user_id or ordered_at is None:
        return []
    params = {
        "workspace": order.workspace_id,
        "buyer": order.buyer_user_id,
        "since": ordered_at - WINDOW,
        "until": ordered_at,
    }
    return [_Link(*row) for row in _prepared(_SHOP_LINKS, params)]


def _credit(attribution: Attribution, link: _Link | None, ordered_at: datetime | None) -> None:
    """The DM, run and step that sent the shop link, and the comment and post that started
    the run; all cleared when no link explains the order."""
    for name in _CREDIT:
        setattr(attribution, name, getattr(link, name.removeprefix("link_"), None))
    if link is None:
        attribution.block_id, attribution.time_to_order = "", None
        return
    attribution.contact_id = link.contact_id
    attribution.block_id = link.block_id[:32]
    attribution.time_to_order = (
        ordered_at - link.commented_at if link.commented_at is not None and ordered_at else None
    )


def _decided(attribution: Attribution) -> list[Any]:
    return [getattr(attribution, name) for name in _DECIDED]


def order_match(*, order: Order) -> Attribution:
    """Decide (again) what produced ``order``; idempotent. Two reads, and a write only when
    the decision changed."""
    with transaction.atomic():
        facts = _facts(order)
        order, attribution = facts.order, facts.attribution
        before = _decided(attribution) if attribution.pk else None
        links = _links(order)
        attribution.contact_id = facts.buyer_contact_id
        attribution.match_key = MATCH_KEY if facts.buyer_contact_id else ""
        if not links:
            _credit(attribution, None, None)
            attribution.outcome = Attribution.Outcome.ORGANIC
            attribution.reason = (
                "the buyer got no shop link from us in the 14 days before ordering"
                if facts.buyer_contact_id
                else "the buyer is not a known contact"
            )
        else:
            # The most recent shop link before the order decides the conversation.
            chosen = links[0].conversation_id
            in_conversation = [link for link in links if link.conversation_id == chosen]
            matching = [link for link in in_conversation if link.sku_id in facts.skus]
            _credit(attribution, (matching or in_conversation)[0], order.created_at_platform)
            if matching:
                attribution.outcome = Attribution.Outcome.ATTRIBUTED
                attribution.reason = "a shop link to an ordered SKU, sent in this conversation"
            else:
                attribution.outcome = Attribution.Outcome.SOFT
                attribution.reason = "a shop link within 14 days, but to other products"
        if attribution.outcome != Attribution.Outcome.SOFT:
            # A person's choice is about a soft match; a firmer or no match supersedes it.
            attribution.decision, attribution.decided_by_id, attribution.decided_at = "", None, None
        attribution.ordered_at = order.created_at_platform or order.updated_at_platform
        attribution.currency = order.currency
        attribution.revenue = order.total if attribution.counts and not order.reversed else 0
        if _decided(attribution) != before:
            attribution.save()
    return attribution


def orders_rematch(*, workspace_id: int, buyer_user_id: str, start: datetime, end: datetime) -> int:
    """Match again the buyer's orders placed between ``start`` and ``end``: those a new link
    or a newly linked contact could change."""
    if not buyer_user_id:
        return 0
    orders = Order.objects.for_workspace(workspace_id).filter(
        buyer_user_id=buyer_user_id, created_at_platform__range=(start, end)
    )
    count = 0
    for order in orders:
        order_match(order=order)
        count += 1
    return count


def shop_link_delivered(message: Message) -> None:
    """The inbox's hook: an order stored before its link (events cross on the way) is
    matched again; the link can only explain orders in the 14 days after it."""
    contact = Contact.unscoped.get(pk=message.conversation.contact_id)
    orders_rematch(
        workspace_id=message.workspace_id,
        buyer_user_id=contact.shop_buyer_id,
        start=message.sent_at,
        end=message.sent_at + WINDOW,
    )


def contact_linked(contact: Contact) -> None:
    """The inbox's hook: the buyer's recent orders may now meet their conversations."""
    now = timezone.now()
    orders_rematch(
        workspace_id=contact.workspace_id,
        buyer_user_id=contact.shop_buyer_id,
        start=now - 2 * WINDOW,
        end=now,
    )
