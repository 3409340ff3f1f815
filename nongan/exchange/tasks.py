"""Background work of data sharing (run by `nongan worker`): pushing deliveries.

This module imports nothing of the other apps at the top: exchange.events imports it to
queue deliveries from inside the writes of monitoring, enforcement and credit."""

from collections import Counter

from django_tasks import task


@task()
def deliver(delivery_id: int) -> str:
    """推送一条事件: one attempt; a failed one queues the next on the retry schedule."""
    from .delivery import attempt

    return attempt(delivery_id)


@task()
def deliver_batch(delivery_ids: list[int]) -> dict:
    """Deliveries of one subscription written together (a bulk emit), tried in order. When
    the receiver fails one, the failed one follows its own schedule and the rest wait for
    that same moment, so a receiver that is down costs one timeout per round, not one per
    delivery."""
    from .delivery import attempt
    from .models import Delivery

    outcome = Counter()
    for n, pk in enumerate(delivery_ids):
        status = attempt(pk)
        outcome[status] += 1
        rest = delivery_ids[n + 1:]
        if status == "pending" and rest:
            due = Delivery.objects.get(pk=pk).next_attempt_at
            deliver_batch.using(run_after=due).enqueue(rest)
            outcome["postponed"] += len(rest)
            break
    return dict(outcome)
