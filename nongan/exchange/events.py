"""Emitting events to partners (事件推送): `emit` is called by the write that made the
record, inside its transaction."""

from django.utils import timezone

from .datasets import DATASETS
from .models import Event


def emit(kind: str, obj, *, dataset: str, district_code: str | None) -> Event:
    """Record that `obj` (a record of `dataset`) did `kind`; its payload is the dataset's
    row, so a pushed event and a pulled record read the same."""
    return Event.objects.create(kind=kind, dataset=dataset, object_id=str(obj.pk),
                                district_id=district_code, payload=DATASETS[dataset].row(obj),
                                occurred_at=timezone.now())
