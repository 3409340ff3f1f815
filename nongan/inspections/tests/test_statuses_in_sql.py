"""The database's statuses (`Standing`) say what the rules in Python (`schedule`,
`reminders_for`) say, on the cases where they could part: certificates at a window's edge,
suspended / expired / revoked certificates before and after `today`, credit grades C and D
with and without the seed's own obligations, inspections and samples minutes either side
of Shanghai's midnight, and `today` on the last and first day of a window."""

import datetime as dt
from collections import defaultdict

import pytest

from nongan.inspections.models import Rectification
from nongan.inspections.schedules import (
    STATUS_OF_RANK,
    STATUS_ORDER,
    owing,
    parse_period,
    per_producer,
    reminders_for,
    schedule,
    summarise,
    windows_between,
)
from nongan.inspections.standing import Standing, reminder_page, schedule_page
from nongan.monitoring.models import Sample
from nongan.producers.models import Producer
from nongan.testing import make_producer, make_sample

from .test_schedules import certify, scale, sh, small, visit

UTC = dt.UTC
TODAYS = [dt.date(2026, 5, 15), dt.date(2026, 8, 31), dt.date(2026, 9, 30),
          dt.date(2026, 10, 1), dt.date(2026, 12, 31), dt.date(2027, 1, 1)]
PERIODS = ["2026", "2026-Q3", "2026-08", "2026-Q4", "2027-01"]


def graded(producer, grade):
    Producer.objects.filter(pk=producer.pk).update(credit_grade=grade)
    producer.credit_grade = grade
    return producer


def sampled(producer, officer, lab, at):
    sample = make_sample(producer, actor=officer, kind="rapid", lab=lab)
    Sample.objects.filter(pk=sample.pk).update(sampled_at=at)


@pytest.fixture
def city(world, templates):
    """Producers in 浦东 whose obligations sit on every edge the rules draw."""
    side, admin = world.pudong, world.city_admin
    worker, daily = side.grid_worker, templates["daily"]

    def producer(name, village=side.village, **fields):
        return make_producer(village, actor=admin, name=name, **fields)

    edges = scale(producer("季度边界"))
    visit(edges, daily, sh(2026, 3, 31, 23, 59), worker)
    visit(edges, daily, sh(2026, 4, 1, 0, 1), worker)
    visit(edges, daily, dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC), worker)  # Q4 in Shanghai

    green = small(producer("绿色月度", kind="grower", area_mu="3"))
    certify(green, "green")
    for month in (1, 2, 3, 5, 8):
        visit(green, daily, sh(2026, month, 28, 10), worker)
    visit(green, daily, sh(2026, 7, 31, 23, 59), worker)
    visit(green, templates["green_annual"], dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
          worker)  # the 2027 annual inspection, in Shanghai

    both = scale(producer("绿色有机"))
    certify(both, "green")
    certify(both, "organic")
    visit(both, templates["organic_annual"], sh(2026, 4, 2, 9), worker)

    expired = small(producer("有机过期", kind="grower", area_mu="3"))
    certify(expired, "organic", valid_from=dt.date(2023, 7, 1), valid_to=dt.date(2026, 6, 30),
            status="expired")
    ended_in_window = small(producer("有机月中过期", kind="grower", area_mu="3"))
    certify(ended_in_window, "organic", valid_from=dt.date(2024, 1, 1),
            valid_to=dt.date(2026, 8, 31), status="expired")

    suspended = small(producer("证书暂停", kind="grower", area_mu="3"))
    certify(suspended, "green", status="suspended")
    revoked = scale(producer("证书撤销"))
    certify(revoked, "gi", valid_from=dt.date(2026, 2, 1), valid_to=dt.date(2026, 10, 1),
            status="revoked")

    starts = small(producer("月中认证", kind="grower", area_mu="3"))
    certify(starts, "gi", valid_from=dt.date(2026, 8, 31), valid_to=dt.date(2029, 8, 19))
    visit(starts, daily, sh(2026, 9, 1, 0, 0), worker)
    january = small(producer("一月认证", kind="grower", area_mu="3"))
    certify(january, "green", valid_from=dt.date(2026, 1, 1), valid_to=dt.date(2026, 1, 31))
    ends_before = small(producer("季初到期", kind="grower", area_mu="3"))
    certify(ends_before, "gi", valid_from=dt.date(2025, 1, 1), valid_to=dt.date(2026, 6, 30))

    c_small = graded(small(producer("信用C小户", kind="grower", area_mu="3")), "C")
    visit(c_small, daily, sh(2026, 12, 31, 23, 59), worker)
    graded(scale(producer("信用C规模")), "C")
    d_small = graded(small(producer("信用D小户", kind="grower", area_mu="3")), "D")
    visit(d_small, daily, sh(2026, 8, 31, 23, 59), worker)
    sampled(d_small, side.district_officer, world.lab.org.pk, sh(2026, 9, 30, 23, 59))
    sampled(d_small, side.district_officer, world.lab.org.pk,
            dt.datetime(2026, 12, 31, 16, 1, tzinfo=UTC))  # 2027-01-01 in Shanghai
    d_certified = graded(scale(producer("信用D认证", village=side.village2)), "D")
    certify(d_certified, "gi", valid_from=dt.date(2026, 9, 1), valid_to=dt.date(2027, 8, 31))
    visit(d_certified, daily, sh(2026, 10, 1, 0, 0), worker)

    small(producer("无义务", kind="grower", area_mu="3"))
    Rectification.objects.create(
        producer=green, ordered_by=visit(green, daily, sh(2026, 8, 1, 9), worker,
                                         result="rectify"),
        items=["补记录"], deadline=dt.date(2026, 9, 29), district=green.district,
        town=green.town, village=green.village)
    Rectification.objects.create(
        producer=edges, ordered_by=visit(edges, daily, sh(2026, 8, 2, 9), worker,
                                         result="rectify"),
        items=["清理"], deadline=dt.date(2026, 12, 30), district=edges.district,
        town=edges.town, village=edges.village)
    return Producer.objects.filter(district_id=side.district)


def in_python(producers, period, today) -> dict:
    found = defaultdict(dict)
    for r in schedule(producers, period, today=today):
        found[r["producer"].pk][r["obligation"], r["window"], r["certification"]] = (
            r["status"], r["done"])
    return dict(found)


def in_sql(producers, period, today) -> dict:
    standing = Standing(producers, windows_between(*parse_period(period)), today)
    found = defaultdict(dict)
    for record in standing.fetch("id")[0]:
        for slot, status, done in zip(standing.slots, record.statuses, record.done,
                                      strict=True):
            if status is not None:
                found[record.producer.pk][
                    slot.rule["obligation"], slot.window, slot.certification] = (
                    STATUS_OF_RANK[status], done)
    return dict(found)


@pytest.mark.parametrize("today", TODAYS)
def test_every_obligation_has_the_status_and_count_the_rules_give(city, today):
    for period in PERIODS:
        assert in_sql(city, period, today) == in_python(city, period, today), period


@pytest.mark.parametrize("today", TODAYS)
def test_the_schedule_page_lists_what_the_whole_list_would(city, today):
    for period in ("2026", "2026-Q3", "2026-08"):
        start, end = parse_period(period)
        # The page lists the producers `owing` keeps: in August, 一月认证 owes the year's
        # annual inspection but is not among them.
        rows = schedule(owing(city, start, end), period, today=today)
        items = sorted(per_producer(rows), key=lambda i: (-STATUS_ORDER[i["status"]],
                                                          i["producer"].name))
        for status in ("", "due", "done", "overdue", "nonsense"):
            shown = [i for i in items if not status or i["status"] == status]
            pages = [schedule_page(city, start, end, status=status, page=n, page_size=3,
                                   today=today) for n in range(1, 8)]
            assert pages[0]["count"] == len(shown)
            assert [(i["producer"].pk, i["producer"].name, i["producer"].grid, i["required"],
                     i["done"], i["status"], i["rows"])
                    for page in pages for i in page["items"]] == [
                (i["producer"].pk, i["producer"].name, i["producer"].grid, i["required"],
                 i["done"], i["status"], i["rows"]) for i in shown]
        assert pages[0]["totals"] == {s: sum(i["status"] == s for i in items)
                                      for s in STATUS_ORDER}
        for by in ("grid", "town", "district"):
            areas = schedule_page(city, start, end, by=by, today=today)["areas"]
            assert areas == summarise(rows, by), (period, by)


@pytest.mark.parametrize("today", TODAYS)
def test_the_todo_page_lists_what_the_whole_list_would(world, city, today):
    for user in (world.pudong.grid_worker, world.city_admin, world.chongming.grid_worker):
        whole = reminders_for(user, today)
        pages = [reminder_page(user, n, 2, today) for n in range(1, 13)]
        assert pages[0]["count"] == len(whole)
        assert pages[0]["overdue"] == sum(i["status"] == "overdue" for i in whole)
        assert pages[0]["due"] == sum(i["status"] == "due" for i in whole)
        paged = [i for page in pages for i in page["items"]]
        assert [(i["kind"], i["producer"].pk, i["producer"].name, i["status"], i["due_by"],
                 i.get("obligations"), i.get("rectification")) for i in paged] == [
            (i["kind"], i["producer"].pk, i["producer"].name, i["status"], i["due_by"],
             i.get("obligations"), i.get("rectification")) for i in whole]

