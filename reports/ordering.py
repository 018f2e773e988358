"""Lists the consultant orders (the roadmap, an assessment's findings): positions 1…n stored
in one pass."""

from collections.abc import Iterable, Sequence

from django.db import models


def positions_store(*, items: Sequence[models.Model], fields: Iterable[str] = ()) -> None:
    """Number `items` 1…n in the order given and store them: new rows created, existing rows'
    position and `fields` updated, one query each."""
    if not items:
        return
    for position, item in enumerate(items, 1):
        item.position = position
    model = type(items[0])
    model.objects.bulk_create([item for item in items if item.pk is None])
    model.objects.bulk_update([item for item in items if item.pk is not None], ["position", *fields])


def order_moved_first(*, items: dict[int, models.Model], order: list[int]) -> list[models.Model]:
    """`items` (by id) with those named in `order` first, in that order, the rest after them in
    their current order."""
    named = set(order)
    return [items[pk] for pk in order] + sorted(
        (item for pk, item in items.items() if pk not in named), key=lambda item: item.position
    )
