"""Lists a workspace puts in order by hand (comment triggers, routing rules): set the whole
order at once (dragging), or move one row a place (the arrows without JavaScript).

A row's rank is ``step`` times its place, so the order reads the same in the database and on
the page. The whole list is named every time: a page showing a stale list is refused rather
than silently dropping a row from the order.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet


def ranks_set(*, rows: QuerySet[Any], ids: list[int], field: str, step: int, stale: str) -> None:
    """Rank ``rows`` (one workspace's, all of them) in the order of ``ids``. Locks them in
    primary-key order, so two reorders never deadlock; raises ``ValidationError(stale)`` when
    ``ids`` does not name each of them exactly once."""
    with transaction.atomic():
        found = {row.pk: row for row in rows.select_for_update().order_by("pk")}
        if sorted(ids) != sorted(found):
            raise ValidationError(stale)
        for place, pk in enumerate(ids, start=1):
            row = found[pk]
            if getattr(row, field) != place * step:
                setattr(row, field, place * step)
                row.save(update_fields=[field, "updated_at"])


def ranks_moved(*, rows: QuerySet[Any], pk: int, offset: int, field: str) -> list[int]:
    """The ids of ``rows`` in their order once ``pk`` moved ``offset`` places (-1 up, +1 down),
    staying within the list."""
    ordered = list(rows.order_by(field, "id").values_list("pk", flat=True))
    at = ordered.index(pk)
    ordered.insert(max(0, min(len(ordered) - 1, at + offset)), ordered.pop(at))
    return ordered
