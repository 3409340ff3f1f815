"""What risk warnings ask of a person, for the to-do page (待办): the open warnings
assigned to them when they may handle warnings (an issued one due to be acknowledged
within `acknowledge_working_days`), and the producers of their area named in an inspection
measure and not yet inspected since (due on the measure's date)."""

import datetime as dt

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from nongan.core.permissions import allowed
from nongan.core.scoping import visible
from nongan.core.workdays import add_working_days_to_each
from nongan.inspections.models import Inspection
from nongan.inspections.schedules import shanghai_today
from nongan.producers.models import Producer

from . import rules
from .models import Measure, RiskWarning
from .queries import OPEN

ROLES = ("city_admin", "district_officer", "town_officer", "grid_worker", "enforcement_officer")


def _item(text, label, link, due, today) -> dict:
    return {"text": text, "label": label, "link": link, "due": due,
            "days_overdue": max(0, (today - due).days) if due else 0}


def items(user, today: dt.date | None = None) -> list[dict]:
    if user.role not in ROLES:
        return []
    today = today or shanghai_today()
    days = rules.current()["lifecycle"]["acknowledge_working_days"]
    out = []
    assigned = visible(RiskWarning, user) if allowed(user, "warning.handle") else \
        RiskWarning.objects.none()
    warnings = list(assigned.filter(assignees=user, status__in=OPEN).select_related("region"))
    due_on = add_working_days_to_each(
        [timezone.localdate(w.issued_at) for w in warnings if w.status == "issued"], days)
    for w in warnings:
        link = reverse("warning", args=[w.pk])
        label = f"{w.get_level_display()}{w.get_kind_display()}预警 #{w.pk} · {w.region.name}"
        if w.status == "issued":
            due = due_on[timezone.localdate(w.issued_at)]
            out.append(_item("风险预警待签收", label, link, due, today))
        else:
            out.append(_item("风险预警处置中，待办结", label, link, None, today))
    out += inspections_due(user, today)
    return sorted(out, key=lambda i: (-i["days_overdue"], i["due"] or dt.date.max))


def inspections_due(user, today) -> list[dict]:
    """Per inspection measure of an open warning, the named producers the user may see and
    not inspected since the measure was taken: one query, the database keeping the pairs
    inspected since out (a city account sees every producer, and this runs on every to-do
    page)."""
    named = (Measure.producers.through.objects
             .filter(measure__in=visible(Measure, user).filter(kind="inspection",
                                                               warning__status__in=OPEN),
                     producer__in=visible(Producer, user))
             .exclude(Exists(Inspection.objects.filter(
                 producer=OuterRef("producer_id"), finished_at__gte=OuterRef("measure__created_at"))))
             .select_related("measure", "producer")
             .order_by("measure__created_at", "measure_id", "producer__name", "producer_id"))
    return [_item(f"风险预警 #{pair.measure.warning_id} 巡查核查", pair.producer.name,
                  reverse("warning", args=[pair.measure.warning_id]), pair.measure.due_on, today)
            for pair in named]
