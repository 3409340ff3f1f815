"""Factories of the penalty-case tests: cases opened and worked through the services, with
dates counted back from today (a step is never dated in the future)."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from nongan.enforcement.legal import load_legal_bases
from nongan.enforcement.services import cases as services
from nongan.testing import id_number, make_producer

FACTS = "2026年3月对当事人种植的青菜抽样检测，毒死蜱含量超过食品安全国家标准限量。"


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def officers(side) -> list[str]:
    return [side.enforcement_officer.username, side.enforcement_officer2.username]


def open_case(side, *, actor=None, **fields):
    """A case against `side`'s producer (source "other"), opened 60 days ago."""
    load_legal_bases()
    data = {"source": "other", "party": side.the_producer.pk,
            "title": "涉嫌销售农药残留超标农产品案", "facts": FACTS,
            "officers": officers(side), "opened_on": days_ago(60)} | fields
    return services.open_case(data, actor=actor or side.enforcement_officer)


def step(case, side, kind, on, **fields):
    """Record a step as `side`'s first enforcement officer."""
    return services.record_step(case, {"kind": kind, "occurred_on": on} | fields,
                                actor=side.enforcement_officer)


CHARGES = {"legal_bases": ["NCPAQ-71"],
           "penalties": [{"kind": "warning", "text": ""},
                         {"kind": "fine", "amount": "50000", "text": ""}]}


def investigated(case, side, on=None):
    return step(case, side, "investigation", on or days_ago(55),
                evidence=["抽样单", "检测报告", "询问笔录"],
                site_check="当事人青菜种植基地，现场有待售青菜约200公斤。")


def noticed(case, side, on=None, **charges):
    return step(case, side, "notice", on or days_ago(50), **({"facts": FACTS} | CHARGES
                                                              | charges))


def decided(case, side, on=None, **charges):
    return step(case, side, "decision", on or days_ago(30), **({"facts": FACTS} | CHARGES
                                                                | charges))


def decided_case(side, *, actor=None, **fields):
    """A case taken to its decision: opened 60 days ago, investigated, notified, decided
    30 days ago with a warning and a fine of 50,000 yuan."""
    case = open_case(side, actor=actor, **fields)
    investigated(case, side)
    noticed(case, side)
    decided(case, side)
    case.refresh_from_db()
    return case


def served_case(side, *, served=None, **fields):
    case = decided_case(side, **fields)
    step(case, side, "service", served or days_ago(28), method="直接送达",
         recipient="张三")
    case.refresh_from_db()
    return case


def grower(side, **fields):
    """An individual grower, whose name, ID and phone are personal data."""
    return make_producer(side.village, kind="grower", **{
        "name": "王小明", "legal_rep": "王小明", "id_number": id_number(7),
        "phone": "13912345678", "address": "泥城镇公平村8组"} | fields)


def money(text: str) -> Decimal:
    return Decimal(text)


def refer_target(side, *, result="refer", concluded_on=None):
    """A target of a drawn spot check of `side`'s district whose check found `result`
    (立案查处 by default); `concluded_on` dates the result in the past."""
    from nongan.enforcement.models import Target
    from nongan.enforcement.services import spot_checks
    from nongan.enforcement.tests.spot_check_factories import drawn, matter

    producer = side.the_producer
    check = drawn(side.enforcement_officer, matter(region=side.district), share="1",
                  population={"region": producer.village_id})
    target = check.targets.get(producer=producer)
    spot_checks.record_check_result(target, {"result": result, "note": "现场发现使用禁用农药"},
                                    actor=side.enforcement_officer)
    if concluded_on:
        Target.objects.filter(pk=target.pk).update(concluded_on=concluded_on)
    return Target.objects.get(pk=target.pk)


def failed_sample(world, side, *, propose=True):
    """A non-compliant sample at `side`'s producer; its follow-up handed to enforcement."""
    from nongan.monitoring import services as monitoring
    from nongan.monitoring.tests.helpers import small_standard
    from nongan.testing import make_plan, make_sample

    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(side.the_producer, actor=world.lab, plan=plan.pk)
    monitoring.record_results(sample, [{"analyte": "毒死蜱", "value": "0.5"},
                                       {"analyte": "啶虫脒", "value": None}], actor=world.lab)
    sample.refresh_from_db()
    if propose:
        monitoring.propose_case(sample.follow_up, "涉嫌使用禁用农药", actor=side.district_officer)
    return sample


def refer_inspection(side, *, result="refer"):
    from nongan.inspections.models import ChecklistTemplate
    from nongan.testing import make_inspection, make_template

    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    return make_inspection(side.the_producer, actor=side.grid_worker, result=result)
