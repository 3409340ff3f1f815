from nongan.core import audit
from nongan.credit.models import CreditEvent


def record_event(producer, *, kind: str, occurred_on, summary: str, source: str,
                 link: str = "", serious: bool = False, actor=None) -> CreditEvent:
    """Append one event to the producer's credit file; the same source and kind records
    once (a case closed twice by a retried request adds nothing). Call inside a transaction."""
    event, created = CreditEvent.objects.get_or_create(
        source=source, kind=kind,
        defaults={"producer": producer, "occurred_on": occurred_on, "summary": summary[:300],
                  "serious": serious, "link": link, "recorded_by": actor})
    if created:
        audit.record("credit.event", event, actor=actor, region_code=producer.village_id,
                     after={"kind": kind, "source": source, "serious": serious})
    return event
