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

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from attribution.models import Attribution, Order
from flows.models import Run
from inbox.models import Contact, Message, Send

WINDOW = timedelta(days=14)
MATCH_KEY = "shop_buyer_id"


def _links(order: Order) -> list[Message]:
    """Delivered DMs with a product to this buyer's contacts, in the 14 days before the
    order, newest first."""
    ordered_at = order.created_at_platform
    if not order.buyer_user_id or ordered_at is None:
        return []
    return list(
        Message.objects.for_workspace(order.workspace_id)
        .filter(
            conversation__contact__shop_buyer_id=order.buyer_user_id,
            direction=Message.Direction.OUTBOUND,
            payload__has_key="product",
            sent_at__gte=ordered_at - WINDOW,
            sent_at__lte=ordered_at,
        )
        .filter(Q(send__isnull=True) | Q(send__state=Send.State.SENT))
        .select_related("conversation")
        .order_by("-sent_at", "-id")
    )


def _credit(attribution: Attribution, link: Message) -> None:
    """The run and step that sent ``link``, and the comment and post that started the run."""
    attribution.link_message = link
    attribution.link_sent_at = link.sent_at
    attribution.conversation = link.conversation
    attribution.contact_id = link.conversation.contact_id
    attribution.block_id = str(link.payload.get("block", ""))[:32]
    run_id = link.payload.get("run")
    run = (
        Run.objects.for_workspace(attribution.workspace_id)
        .select_related("flow_version", "comment")
        .filter(pk=run_id)
        .first()
        if isinstance(run_id, int)
        else None
    )
    attribution.run = run
    attribution.trigger_id = run.trigger_id if run else None
    attribution.flow_version = run.flow_version if run else None
    attribution.flow_id = run.flow_version.flow_id if run else None
    comment = run.comment if run else None
    attribution.comment = comment
    attribution.post_id = comment.post_id if comment else None
    ordered_at = attribution.order.created_at_platform
    attribution.time_to_order = (
        ordered_at - comment.commented_at if comment is not None and ordered_at else None
    )


def _clear_credit(attribution: Attribution) -> None:
    for name in (
        "link_message", "link_sent_at", "conversation", "run", "trigger", "flow",
        "flow_version", "comment", "post", "time_to_order",
    ):  # fmt: skip
        setattr(attribution, name, None)
    attribution.block_id = ""


def order_match(*, order: Order) -> Attribution:
    """Decide (again) what produced ``order``; idempotent."""
    with transaction.atomic():
        order = Order.objects.for_workspace(order.workspace_id).select_for_update().get(pk=order.pk)
        attribution = (
            Attribution.objects.for_workspace(order.workspace_id)
            .select_for_update()
            .filter(order=order)
            .first()
        ) or Attribution(workspace_id=order.workspace_id, order=order)
        attribution.order = order
        links = _links(order)
        buyer = (
            Contact.objects.for_workspace(order.workspace_id)
            .filter(shop_buyer_id=order.buyer_user_id)
            .order_by("-last_seen_at")
            .first()
            if order.buyer_user_id
            else None
        )
        attribution.contact = buyer
        attribution.match_key = MATCH_KEY if buyer else ""
        if not links:
            _clear_credit(attribution)
            attribution.outcome = Attribution.Outcome.ORGANIC
            attribution.reason = (
                "the buyer got no shop link from us in the 14 days before ordering"
                if buyer
                else "the buyer is not a known contact"
            )
        else:
            # The most recent shop link before the order decides the conversation.
            chosen = links[0].conversation_id
            in_conversation = [link for link in links if link.conversation_id == chosen]
            ordered = set(order.lines.values_list("sku_id", flat=True))
            matching = [
                link for link in in_conversation
                if str(link.payload["product"].get("sku_id", "")) in ordered
            ]  # fmt: skip
            _credit(attribution, (matching or in_conversation)[0])
            if matching:
                attribution.outcome = Attribution.Outcome.ATTRIBUTED
                attribution.reason = "a shop link to an ordered SKU, sent in this conversation"
            else:
                attribution.outcome = Attribution.Outcome.SOFT
                attribution.reason = "a shop link within 14 days, but to other products"
        if attribution.outcome != Attribution.Outcome.SOFT:
            # A person's choice is about a soft match; a firmer or no match supersedes it.
            attribution.decision, attribution.decided_by, attribution.decided_at = "", None, None
        attribution.ordered_at = order.created_at_platform or order.updated_at_platform
        attribution.currency = order.currency
        attribution.revenue = order.total if attribution.counts and not order.reversed else 0
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
