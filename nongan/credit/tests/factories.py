"""Factories of the credit tests: the records that make credit events, written through
their own services (so the feeders run), with dates counted back from today."""

import datetime as dt

from django.utils import timezone

from nongan.enforcement.tests.case_factories import (
    days_ago,
    decided,
    investigated,
    noticed,
    open_case,
    step,
)
from nongan.inspections.models import ChecklistTemplate
from nongan.monitoring.services import record_results
from nongan.monitoring.tests.helpers import small_standard
from nongan.producers.services import add_certification, change_certification_status
from nongan.testing import make_inspection, make_plan, make_sample, make_template


def visit(side, result="pass", *, days=0, deadline_in=15):
    """An inspection of `side`'s producer finished `days` ago; a 限期整改 one orders a
    rectification due `deadline_in` days after the visit."""
    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    finished = timezone.now() - dt.timedelta(days=days, minutes=5)
    extra = {}
    if result == "rectify":
        extra["rectification"] = {"items": ["补全农药使用记录"],
                                  "deadline": timezone.localdate(finished)
                                  + dt.timedelta(days=deadline_in)}
    return make_inspection(side.the_producer, actor=side.grid_worker, result=result,
                           started_at=(finished - dt.timedelta(minutes=20)).isoformat(),
                           finished_at=finished.isoformat(), **extra)


def failed_sample(world, side, *, banned=False, kind="routine"):
    """A sample of `side`'s producer judged non-compliant: 啶虫脒 over its limit, or the
    banned 毒死蜱 detected (the test limit table of the monitoring tests)."""
    from nongan.monitoring.models import Standard

    if not Standard.objects.exists():
        small_standard()
    if kind == "rapid":
        sample = make_sample(side.the_producer, actor=side.district_officer, kind=kind,
                             lab=world.lab.org.pk)
        rows = [{"analyte": "毒死蜱", "outcome": "positive"},
                {"analyte": "啶虫脒", "outcome": "negative"}]
    else:
        plan = make_plan(actor=world.city_admin, lab=world.lab.org)
        sample = make_sample(side.the_producer, actor=world.lab, plan=plan.pk)
        rows = [{"analyte": "毒死蜱", "value": "0.001" if banned else None},
                {"analyte": "啶虫脒", "value": "0.3" if banned else "1.5"}]
    return record_results(sample, rows, actor=world.lab)


def closed_case(side, *, serious=False):
    """A penalty case against `side`'s producer, decided (serious: a banned pesticide, Art.
    70), served, paid and closed 19 days ago."""
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    decided(case, side, serious=serious)
    step(case, side, "service", days_ago(28), method="直接送达", recipient="张三")
    step(case, side, "payment", days_ago(20), amount="50000")
    step(case, side, "closed", days_ago(19))
    case.refresh_from_db()
    return case


def revoked_certificate(side, *, reason="抽检不合格，撤销绿色食品标志使用权"):
    cert = add_certification(side.the_producer, {
        "kind": "green", "cert_no": f"LB-31-2401{side.the_producer.pk:06d}", "products": "青菜",
        "valid_from": dt.date(2025, 1, 1), "valid_to": dt.date(2027, 12, 31)},
        actor=side.district_officer)
    return change_certification_status(cert, "revoked", reason=reason,
                                       actor=side.district_officer)
