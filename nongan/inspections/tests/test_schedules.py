"""Inspection frequencies (实施方案 四.(四).2) in Shanghai's calendar."""

import datetime as dt
import uuid
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nongan.core.errors import FieldErrors
from nongan.inspections.models import Inspection, Rectification
from nongan.inspections.schedules import parse_period, reminders_for, schedule, summarise
from nongan.producers.models import Certification, Producer
from nongan.testing import make_producer

SH = ZoneInfo("Asia/Shanghai")
UTC = dt.UTC


def sh(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=SH)


def visit(producer, template, at, inspector, result="pass") -> Inspection:
    """One inspection finished at `at` (an aware datetime), placed where the producer is."""
    inspection = Inspection(
        uuid=uuid.uuid4(), producer=producer, grid=producer.grid, template=template,
        inspector=inspector, started_at=at - dt.timedelta(minutes=20), finished_at=at,
        lon=121.7, lat=31.19, result=result, payload_hash="0" * 64)
    inspection.place_in(producer.village)
    inspection.save()
    return inspection


def certify(producer, kind="green", valid_from=dt.date(2025, 1, 1),
            valid_to=dt.date(2028, 12, 31), status="valid") -> Certification:
    return Certification.objects.create(
        producer=producer, kind=kind, cert_no=f"{kind.upper()}-{uuid.uuid4().hex[:10]}",
        products="青菜", valid_from=valid_from, valid_to=valid_to, status=status)


def scale(producer, is_scale=True):
    Producer.objects.filter(pk=producer.pk).update(is_scale=is_scale)
    producer.is_scale = is_scale
    return producer


def small(producer):
    """A producer below the register's scale (the world's cooperative is a scale one)."""
    return scale(producer, False)


def rows_of(producer, period, today, obligation=None):
    rows = schedule(Producer.objects.filter(pk=producer.pk), period, today=today)
    return [r for r in rows if obligation is None or r["obligation"] == obligation]


def by_label(rows):
    return {r["label"]: r["status"] for r in rows}


# --- periods ---------------------------------------------------------------------------


def test_periods_are_parsed():
    assert parse_period("2026") == (dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    assert parse_period("2026-Q3") == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert parse_period("2026-q1") == (dt.date(2026, 1, 1), dt.date(2026, 3, 31))
    assert parse_period("2026-02") == (dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert parse_period("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    for bad in ("2026-13", "2026-Q5", "26", "2026-7", "", "2026-Q3-01"):
        with pytest.raises(FieldErrors):
            parse_period(bad)


# --- boundaries in Shanghai time ---------------------------------------------------------


def test_quarter_boundary_is_shanghai_midnight(world, templates):
    producer = scale(world.pudong.the_producer)
    worker = world.pudong.grid_worker
    visit(producer, templates["daily"], sh(2026, 3, 31, 23, 59), worker)
    visit(producer, templates["daily"], sh(2026, 4, 1, 0, 1), worker)
    rows = rows_of(producer, "2026", dt.date(2026, 11, 29), "quarterly")
    assert by_label(rows) == {"2026-Q1": "done", "2026-Q2": "done", "2026-Q3": "overdue",
                              "2026-Q4": "due"}
    assert [r["done"] for r in rows] == [1, 1, 0, 0]


def test_late_evening_counts_in_the_shanghai_quarter_not_the_utc_one(world, templates):
    producer = scale(world.pudong.the_producer)
    # 2026-06-30 23:30 in Shanghai is 15:30 UTC the same day: Q2 either way, and 2026-09-30
    # 16:30 UTC is already 2026-10-01 00:30 in Shanghai: Q4, not Q3.
    visit(producer, templates["daily"], dt.datetime(2026, 6, 30, 15, 30, tzinfo=UTC),
          world.pudong.grid_worker)
    visit(producer, templates["daily"], dt.datetime(2026, 9, 30, 16, 30, tzinfo=UTC),
          world.pudong.grid_worker)
    rows = rows_of(producer, "2026", dt.date(2026, 12, 31), "quarterly")
    assert by_label(rows) == {"2026-Q1": "overdue", "2026-Q2": "done", "2026-Q3": "overdue",
                              "2026-Q4": "done"}


def test_month_boundary_is_shanghai_midnight(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "gi")
    visit(producer, templates["daily"], sh(2026, 7, 31, 23, 59), world.pudong.grid_worker)
    visit(producer, templates["daily"], sh(2026, 9, 1, 0, 1), world.pudong.grid_worker)
    rows = rows_of(producer, "2026-Q3", dt.date(2026, 10, 15), "monthly")
    assert by_label(rows) == {"2026-07": "done", "2026-08": "overdue", "2026-09": "done"}


def test_year_boundary_is_shanghai_midnight(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "green")
    # 2027-01-01 00:30 Shanghai is 2026-12-31 16:30 UTC: it is the 2027 annual inspection.
    visit(producer, templates["green_annual"], dt.datetime(2026, 12, 31, 16, 30, tzinfo=UTC),
          world.pudong.grid_worker)
    today = dt.date(2027, 3, 1)
    assert by_label(rows_of(producer, "2026", today, "annual")) == {"2026": "overdue"}
    assert by_label(rows_of(producer, "2027", today, "annual")) == {"2027": "done"}


# --- due, done, overdue ------------------------------------------------------------------


def test_due_until_the_window_ends_then_overdue(world, templates):
    producer = scale(world.pudong.the_producer)
    assert by_label(rows_of(producer, "2026-Q3", dt.date(2026, 9, 30), "quarterly")) == {
        "2026-Q3": "due"}
    assert by_label(rows_of(producer, "2026-Q3", dt.date(2026, 10, 1), "quarterly")) == {
        "2026-Q3": "overdue"}
    assert by_label(rows_of(producer, "2026-Q3", dt.date(2026, 7, 1), "quarterly")) == {
        "2026-Q3": "due"}


def test_a_month_view_shows_the_quarter_and_year_it_lies_in(world, templates):
    producer = scale(world.pudong.the_producer)
    certify(producer, "green")
    rows = rows_of(producer, "2026-08", dt.date(2026, 8, 10))
    assert sorted((r["obligation"], r["window"]) for r in rows) == [
        ("annual", (dt.date(2026, 1, 1), dt.date(2026, 12, 31))),
        ("monthly", (dt.date(2026, 8, 1), dt.date(2026, 8, 31))),
        ("quarterly", (dt.date(2026, 7, 1), dt.date(2026, 9, 30))),
    ]


def test_a_producer_neither_scale_nor_certified_owes_nothing(world, templates):
    assert rows_of(small(world.pudong.the_producer), "2026", dt.date(2026, 11, 29)) == []


# --- obligations -------------------------------------------------------------------------


def test_a_scale_green_producer_has_quarterly_monthly_and_annual_obligations(world, templates):
    producer = scale(world.pudong.the_producer)
    certify(producer, "green")
    rows = rows_of(producer, "2026", dt.date(2026, 11, 29))
    counts = {o: sum(1 for r in rows if r["obligation"] == o)
              for o in ("quarterly", "monthly", "annual")}
    assert counts == {"quarterly": 4, "monthly": 12, "annual": 1}
    annual = next(r for r in rows if r["obligation"] == "annual")
    assert annual["template_kinds"] == ("green_annual",) and annual["certification"] == "green"
    assert all(r["required"] == 1 for r in rows)
    assert all("四.(四).2" in r["clause"] for r in rows)


def test_one_visit_serves_every_obligation_it_can(world, templates):
    producer = scale(world.pudong.the_producer)
    certify(producer, "green")
    visit(producer, templates["green_annual"], sh(2026, 8, 12, 10, 0), world.pudong.grid_worker)
    rows = rows_of(producer, "2026-08", dt.date(2026, 8, 20))
    assert {r["obligation"]: r["status"] for r in rows} == {
        "quarterly": "done", "monthly": "done", "annual": "done"}


def test_an_expired_certificate_drops_the_monthly_obligation(world, templates):
    producer = small(world.pudong.the_producer)
    certify(producer, "organic", valid_from=dt.date(2023, 7, 1), valid_to=dt.date(2026, 6, 30),
            status="expired")
    today = dt.date(2026, 11, 29)
    assert rows_of(producer, "2026-Q3", today, "monthly") == []
    june = rows_of(producer, "2026-06", today)
    # Certified for half of 2026: the year's annual inspection is still owed.
    assert {(r["obligation"], r["status"]) for r in june} == {("monthly", "overdue"),
                                                              ("annual", "due")}
    assert rows_of(producer, "2027", dt.date(2027, 1, 2)) == []
    months = by_label(rows_of(producer, "2026", today, "monthly"))
    assert sorted(months) == [f"2026-{m:02d}" for m in range(1, 7)]


def test_a_certificate_valid_for_part_of_a_month_makes_that_month_due(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "gi", valid_from=dt.date(2026, 8, 20), valid_to=dt.date(2029, 8, 19))
    months = by_label(rows_of(producer, "2026-Q3", dt.date(2026, 8, 25), "monthly"))
    assert months == {"2026-08": "due", "2026-09": "due"}


def test_a_suspended_certificate_stops_current_obligations_but_not_past_ones(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "green", status="suspended")
    months = by_label(rows_of(producer, "2026-Q3", dt.date(2026, 8, 15), "monthly"))
    assert months == {"2026-07": "overdue"}


def test_the_annual_needs_the_appendix_2_form_of_the_certificate(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "green")
    worker = world.pudong.grid_worker
    visit(producer, templates["daily"], sh(2026, 5, 6, 9, 0), worker)
    visit(producer, templates["organic_annual"], sh(2026, 5, 7, 9, 0), worker)
    today = dt.date(2027, 1, 5)
    assert by_label(rows_of(producer, "2026", today, "annual")) == {"2026": "overdue"}
    visit(producer, templates["green_annual"], sh(2026, 12, 31, 23, 0), worker)
    assert by_label(rows_of(producer, "2026", today, "annual")) == {"2026": "done"}


def test_green_and_organic_certificates_each_need_their_annual_inspection(world, templates):
    producer = world.pudong.the_producer
    certify(producer, "green")
    certify(producer, "organic")
    visit(producer, templates["organic_annual"], sh(2026, 4, 2, 9, 0), world.pudong.grid_worker)
    rows = rows_of(producer, "2026", dt.date(2026, 11, 29), "annual")
    assert {r["certification"]: r["status"] for r in rows} == {"green": "due",
                                                               "organic": "done"}


def test_a_geographic_indication_alone_has_no_annual_inspection(world, templates):
    producer = small(world.pudong.the_producer)
    certify(producer, "gi")
    rows = rows_of(producer, "2026", dt.date(2026, 11, 29))
    assert {r["obligation"] for r in rows} == {"monthly"}


# --- cost ---------------------------------------------------------------------------------


def _queries(district, period, today):
    with CaptureQueriesContext(connection) as ctx:
        rows = schedule(Producer.objects.filter(district_id=district), period, today=today)
        summarise(rows, by="town")
        summarise(rows, by="grid")
    return len(ctx.captured_queries), rows


def test_the_query_count_does_not_grow_with_the_producers(world, templates):
    worker, village = world.pudong.grid_worker, world.pudong.village
    today = dt.date(2026, 11, 29)

    def add(n):
        for _ in range(n):
            producer = scale(make_producer(village, actor=world.city_admin))
            certify(producer, "green")
            visit(producer, templates["daily"], sh(2026, 8, 3, 10, 0), worker)
            visit(producer, templates["green_annual"], sh(2026, 9, 3, 10, 0), worker)

    add(2)
    few, rows_few = _queries(world.pudong.district, "2026", today)
    add(6)
    many, rows_many = _queries(world.pudong.district, "2026", today)
    assert few == many <= 6  # producers, their grids, towns, districts; visits; certificates
    assert len(rows_many) > len(rows_few)


# --- summaries ----------------------------------------------------------------------------


def test_summaries_count_per_area(world, templates):
    pudong = scale(world.pudong.the_producer)
    other = scale(make_producer(world.pudong.village2, actor=world.city_admin))
    visit(pudong, templates["daily"], sh(2026, 2, 1, 9, 0), world.pudong.grid_worker)
    rows = schedule(Producer.objects.filter(pk__in=[pudong.pk, other.pk]), "2026",
                    today=dt.date(2026, 11, 29))
    towns = summarise(rows, by="town")
    assert towns == [{"area": world.pudong.town, "name": towns[0]["name"], "due": 2,
                      "done": 1, "overdue": 5, "total": 8, "producers_behind": 2}]
    grids = {g["area"]: g for g in summarise(rows, by="grid")}
    assert len(grids) == 2
    assert grids[pudong.grid_id]["done"] == 1 and grids[other.grid_id]["done"] == 0
    district = summarise(rows, by="district")
    assert [d["area"] for d in district] == [world.pudong.district]
    with pytest.raises(ValueError):
        summarise(rows, by="village")


# --- to-do list -----------------------------------------------------------------------------


def test_the_grid_persons_todo_list(world, templates):
    producer = scale(world.pudong.the_producer)
    certify(producer, "green")
    worker = world.pudong.grid_worker
    today = dt.date(2026, 11, 10)
    visit(producer, templates["green_annual"], sh(2026, 3, 3, 9, 0), worker)
    ordered = visit(producer, templates["daily"], sh(2026, 10, 20, 9, 0), worker,
                    result="rectify")
    Rectification.objects.create(producer=producer, ordered_by=ordered, items=["补记录"],
                                 deadline=dt.date(2026, 11, 5), district=producer.district,
                                 town=producer.town, village=producer.village)
    scale(world.chongming.the_producer)

    items = reminders_for(worker, today)
    assert [i["kind"] for i in items] == ["rectification", "inspection"]
    order, todo = items
    assert order["days_overdue"] == 5 and order["producer"] == producer
    # October's visit covers October and Q4, March's the annual: November is due.
    assert todo["status"] == "due"
    assert [(o["obligation"], o["label"], o["status"]) for o in todo["obligations"]] == [
        ("monthly", "2026-11", "due")]

    # A month that ended without a visit stays on the list as overdue for a while.
    items = reminders_for(worker, dt.date(2026, 12, 2))
    todo = next(i for i in items if i["kind"] == "inspection")
    assert todo["status"] == "overdue"
    assert ("monthly", "2026-11", "overdue") in {
        (o["obligation"], o["label"], o["status"]) for o in todo["obligations"]}
    # Another district's producers never appear.
    assert all(i["producer"].district_id == world.pudong.district for i in items)
    assert reminders_for(world.chongming.grid_worker, today)[0]["producer"] == \
        world.chongming.the_producer


def test_send_reminders_uses_the_configured_hook(world, templates, settings):
    from nongan.inspections import tasks

    sent.clear()
    settings.NONGAN_SMS_HOOK = "nongan.inspections.tests.test_schedules.fake_sms"
    world.pudong.grid_worker.phone = "13900000001"
    world.pudong.grid_worker.save(update_fields=["phone"])
    scale(world.pudong.the_producer)
    summary = tasks.send_reminders.call()
    assert summary["users"] == 4 and summary["sms"] == 1
    assert [phone for phone, _ in sent] == ["13900000001"]
    assert "pudong合作社" in sent[0][1] and "季度巡查" in sent[0][1]


def test_without_a_channel_nothing_is_sent(world, templates, settings):
    from nongan.inspections import tasks

    sent.clear()
    settings.NONGAN_SMS_HOOK = ""
    scale(world.pudong.the_producer)
    summary = tasks.send_reminders.call()
    assert summary["with_items"] >= 1 and summary["sms"] == summary["email"] == 0
    assert sent == []


sent: list = []


def fake_sms(phone, text):
    sent.append((phone, text))
