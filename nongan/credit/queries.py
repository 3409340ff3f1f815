"""Reads of the credit file: what a user sees of one producer's credit (its page, the
producer's portal and `GET /api/v1/producers/{id}/credit`)."""

from django.utils import timezone

from nongan.core.scoping import visible

from . import grading
from .models import CreditEvent, GradeChange
from .rules import rules_in_force

HISTORY = 50


def credit_file(user, producer, *, today=None) -> dict:
    """The grade as stored (what supervision and draws use), the score and the reasons as
    of today, every event with the last day it counts, and the history of grade changes.
    `producer` must already be one the user may see."""
    today = today or timezone.localdate()
    rules = rules_in_force()
    events = list(visible(CreditEvent, user).filter(producer=producer))
    result = grading.grade(events, rules, today)
    gone = grading.withdrawn(events)
    for event in events:
        event.counts_until = grading.last_day(event, rules, gone)
    return {"grade": producer.credit_grade, "grade_label": producer.get_credit_grade_display(),
            "score": result.score, "reasons": result.reasons, "events": events,
            "history": list(visible(GradeChange, user).filter(producer=producer)[:HISTORY]),
            "rules_version": rules.version, "today": today}


def event_dict(event) -> dict:
    return {"id": event.pk, "kind": event.kind, "label": event.get_kind_display(),
            "occurred_on": event.occurred_on, "summary": event.summary, "source": event.source,
            "link": event.link, "serious": event.serious, "settled_on": event.settled_on,
            "counts_until": getattr(event, "counts_until", None)}


def change_dict(change) -> dict:
    return {"at": change.at, "from": change.from_grade, "to": change.to_grade,
            "score": change.score, "cause": change.cause, "cause_label": change.get_cause_display(),
            "note": change.note, "reasons": change.reasons, "rules_version": change.rules_version}
