"""Emitting events to partners (事件推送): `emit` is called by the write that made the
record, inside its transaction; `emit_many` by bulk writes (a city-wide grade recomputation).

Each event is fanned out at once to the subscriptions that want it — one `Delivery` per
active subscription of an active agency whose kinds include the event's and whose regions
hold its district — and the delivery task is queued in the same transaction. The task
backend is django-tasks' database backend, which writes the task row on the caller's
connection: the event, its deliveries and their tasks commit together or vanish together
(a write that rolls back leaves no event to push, and a committed event is never left
without its delivery task)."""

import uuid
from collections import defaultdict

from django.db import transaction
from django.utils import timezone

from .datasets import DATASETS
from .models import Delivery, Event, Subscription

CITY = "310000000000"
IN_BATCH = 500  # ids per `pk__in` (under SQLite's oldest parameter limit) and per bulk insert
TASK_BATCH = 100  # deliveries of one subscription per `deliver_batch` task


def _fresh(dataset, obj):
    """`obj` as its dataset reads it (annotations, related rows), so a pushed event and a
    pulled record read the same."""
    return dataset.records().filter(pk=obj.pk).first() or obj


def emit(kind: str, obj, *, dataset: str, district_code: str | None) -> Event:
    """Record that `obj` (a record of `dataset`) did `kind`; its payload is the dataset's
    row. Call inside the write's transaction."""
    ds = DATASETS[dataset]
    event = Event.objects.create(kind=kind, dataset=dataset, object_id=str(obj.pk),
                                 district_id=district_code, payload=ds.row(_fresh(ds, obj)),
                                 occurred_at=timezone.now())
    fan_out([event])
    return event


def emit_many(kind: str, objs, *, dataset: str) -> int:
    """`emit` for many records of one dataset in few queries (rows read a chunk at a time,
    events and deliveries inserted in bulk, delivery tasks queued per subscription in
    batches); each record's district is read through the dataset's `district` path.
    Answers how many events were written."""
    ds = DATASETS[dataset]
    pks = [obj.pk for obj in objs]
    model = ds.records().model
    now, written = timezone.now(), 0
    for start in range(0, len(pks), IN_BATCH):
        chunk = pks[start:start + IN_BATCH]
        districts = dict(model.objects.filter(pk__in=chunk).values_list("pk", ds.district))
        events = [Event(kind=kind, dataset=dataset, object_id=str(record.pk),
                        district_id=districts.get(record.pk), payload=ds.row(record),
                        occurred_at=now)
                  for record in ds.records().filter(pk__in=chunk).order_by("pk")]
        Event.objects.bulk_create(events, batch_size=IN_BATCH)
        fan_out(events)
        written += len(events)
    return written


def _wants(subscription, event, regions) -> bool:
    return event.kind in subscription.kinds and (CITY in regions or event.district_id in regions)


def fan_out(events: list[Event]) -> list[Delivery]:
    """One pending delivery per matching subscription, with its task queued (see above)."""
    from .tasks import deliver, deliver_batch

    assert transaction.get_connection().in_atomic_block, "events are emitted inside a write"
    subscriptions = [(s, {r.pk for r in s.regions.all()}) for s in
                     Subscription.objects.filter(active=True, agency__active=True)
                     .prefetch_related("regions")]
    if not subscriptions:
        return []
    now = timezone.now()
    deliveries = [Delivery(event=event, subscription=sub, uuid=uuid.uuid4(), status="pending",
                           round_started_at=now, next_attempt_at=now)
                  for event in events for sub, regions in subscriptions
                  if _wants(sub, event, regions)]
    Delivery.objects.bulk_create(deliveries, batch_size=IN_BATCH)
    if len(events) == 1:
        for delivery in deliveries:
            deliver.enqueue(delivery.pk)
        return deliveries
    by_subscription = defaultdict(list)
    for delivery in deliveries:
        by_subscription[delivery.subscription_id].append(delivery.pk)
    for ids in by_subscription.values():
        for start in range(0, len(ids), TASK_BATCH):
            deliver_batch.enqueue(ids[start:start + TASK_BATCH])
    return deliveries
