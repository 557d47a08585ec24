"""A person's word on a soft attribution."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from attribution.models import Attribution


def attribution_decide(*, attribution: Attribution, decision: str, user: Any) -> Attribution:
    """Confirm or reject a soft attribution; kept however often the order is matched again.
    Revenue follows at once: a confirmed one counts, a rejected one does not."""
    if decision not in (Attribution.Decision.CONFIRMED, Attribution.Decision.REJECTED):
        raise ValueError(f"not a decision: {decision!r}")
    with transaction.atomic():
        locked = (
            Attribution.objects.for_workspace(attribution.workspace_id)
            .select_for_update()
            .select_related("order")
            .get(pk=attribution.pk)
        )
        if locked.outcome != Attribution.Outcome.SOFT:
            raise ValueError("Only a soft attribution is confirmed or rejected.")
        locked.decision, locked.decided_by, locked.decided_at = decision, user, timezone.now()
        order = locked.order
        locked.revenue = order.total if locked.counts and not order.reversed else 0
        locked.save(update_fields=["decision", "decided_by", "decided_at", "revenue", "matched_at"])
    return locked
