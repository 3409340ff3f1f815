"""Factories of the dashboard tests: a small world made through the real services, whose
every figure can be counted by hand."""

import datetime as dt
from types import SimpleNamespace

from nongan.commitments import services as commitment_services
from nongan.commitments.tests.factories import sign
from nongan.enforcement.tests.case_factories import open_case
from nongan.inspections.schedules import SHANGHAI, shanghai_today
from nongan.monitoring.models import MonitoringPlan
from nongan.monitoring.services import record_results
from nongan.regions.services import assign_grid_member
from nongan.risk.findings import Finding
from nongan.risk.services import acknowledge, close, issue_or_update
from nongan.testing import make_plan, make_plot, make_producer, make_sample, make_standard

FOODS = [("蔬菜", None), ("叶菜类蔬菜", "蔬菜"), ("青菜", "叶菜类蔬菜"), ("菠菜", "叶菜类蔬菜")]
# 毒死蜱 is banned on vegetables (any detection fails), 啶虫脒 has a 1 mg/kg limit.
LIMITS = [("毒死蜱", "蔬菜", 0.02, True), ("啶虫脒", "叶菜类蔬菜", 1, False)]
PASSED = [{"analyte": "毒死蜱", "value": None}, {"analyte": "啶虫脒", "value": "0.3"}]
BANNED = [{"analyte": "毒死蜱", "value": "0.05"}, {"analyte": "啶虫脒", "value": None}]
OVER = [{"analyte": "毒死蜱", "value": None}, {"analyte": "啶虫脒", "value": "3"}]


def access_targets(side) -> dict:
    """Nothing for the access matrix: the dashboard's paths carry no record (a figure's
    records are at a fixed path per figure, scoped by `?region=`)."""
    return {}


def shanghai(year, month, day, hour=10, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def this_year_period() -> dict:
    today = shanghai_today()
    return {"from": today.replace(month=1, day=1).isoformat(), "to": today.isoformat()}


def limits():
    return make_standard("2021", dt.date(2021, 1, 1), foods=FOODS, limits=LIMITS)


def plan(world):
    """A city routine-monitoring plan for the city lab, open from 2021 to next year."""
    return make_plan(actor=world.city_admin, lab=world.lab.org, starts_on=dt.date(2021, 1, 1),
                     ends_on=shanghai_today() + dt.timedelta(days=365))


def sample(world, producer, at, results=None, *, product="青菜", task=None):
    """A routine sample taken at `at` by the city lab (under `task`, a plan) and tested."""
    task = task or MonitoringPlan.objects.filter(lab=world.lab.org).first() or plan(world)
    taken = make_sample(producer, actor=world.lab, plan=task.pk, sampled_at=at,
                        product=product)
    if results:
        record_results(taken, results, actor=world.lab)
        taken.refresh_from_db()
    return taken


def warning(side, level: str, key: str, *, town=True):
    """An open warning of `side`'s district, about its town (or the whole district)."""
    finding = Finding(key=key, kind="spatial", level=level,
                      region=side.town if town else side.district, district=side.district,
                      town=side.town if town else None, explanation=f"测试预警 {key}",
                      figures={"key": key}, districts=(side.district,))
    return issue_or_update(finding)[0]


def scene(world) -> SimpleNamespace:
    """Pudong: three producers (two scale), plots, a manned grid in one village of two, a
    commitment campaign of this year with one of three signed, samples this year (one
    passing, one with a banned pesticide, one over a limit on 菠菜, one waiting), two open
    warnings in its town and one about the whole district, one closed; a case opened
    today. Chongming: a
    producer with a failing sample and a warning, which Pudong's officers never count."""
    pudong, chongming = world.pudong, world.chongming
    limits()
    enterprise = make_producer(pudong.village2, actor=world.city_admin, kind="enterprise",
                               name="浦东蔬菜企业", area_mu="120")
    grower = make_producer(pudong.village2, actor=world.city_admin, kind="grower",
                           name="浦东种植户", area_mu="5")
    plots = [make_plot(enterprise, actor=world.city_admin),
             make_plot(enterprise, actor=world.city_admin)]
    grid = pudong.the_producer.grid
    assign_grid_member(grid, user=pudong.grid_worker, name="网格员甲", duty="巡查",
                       actor=pudong.district_officer)
    campaign = commitment_services.start_campaign(
        {"year": shanghai_today().year}, actor=pudong.district_officer)
    sign(pudong.district_officer, enterprise)
    now = dt.datetime.now(SHANGHAI)
    start = now.replace(month=1, day=1, hour=9, minute=0, second=0, microsecond=0)
    samples = SimpleNamespace(
        passed=sample(world, pudong.the_producer, start, PASSED),
        banned=sample(world, enterprise, start + dt.timedelta(hours=1), BANNED),
        over=sample(world, enterprise, start + dt.timedelta(hours=2), OVER, product="菠菜"),
        waiting=sample(world, grower, now - dt.timedelta(hours=2)),
        other=sample(world, chongming.the_producer, start, BANNED),
    )
    closed = warning(pudong, "red", "pudong-closed")
    acknowledge(closed, actor=pudong.district_officer)
    close(closed, "已处置", actor=pudong.district_officer)
    warnings = [warning(pudong, "orange", "pudong-1"), warning(pudong, "yellow", "pudong-2"),
                warning(pudong, "blue", "pudong-district", town=False),
                warning(chongming, "red", "chongming-1")]
    case = open_case(pudong, opened_on=shanghai_today())
    return SimpleNamespace(enterprise=enterprise, grower=grower, plots=plots, grid=grid,
                           campaign=campaign, samples=samples, warnings=warnings,
                           closed=closed, case=case)
