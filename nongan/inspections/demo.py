"""Synthetic inspection history for the demo: years of visits that mostly keep the
frequency rules, with some gaps, rectification orders and a few referrals, so schedules,
overdue lists and later analyses have realistic material. Same seed, same history."""

import datetime as dt
import hashlib
import random
import uuid
from zoneinfo import ZoneInfo

from django.db.models import Min
from shapely.geometry import shape

from nongan.core.geo import locate
from nongan.people.models import User
from nongan.producers.models import Certification, Plot, Producer

from .models import ChecklistTemplate, Inspection, Rectification
from .schedules import windows_in
from .services import score

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEEPS_SCHEDULE = 0.9  # share of due visits that happen on time in a well-run grid
BATCH = 2000


def seed_inspections(*, years: int, seed: int, today: dt.date, progress=None,
                     general_visits: str | None = None) -> dict:
    """`progress`, when given, is called with the number of producers done. Producers with
    no schedule of their own are visited only with `general_visits` (a window unit), as a
    grid worker's round (网格巡查) covering everyone would."""
    rng = random.Random(f"nongan-seed:{seed}:inspections")
    templates = {t.kind: t for t in ChecklistTemplate.objects.filter(
        active=True, code__in=["daily", "green_annual", "organic_annual"])}
    if "daily" not in templates:
        return {"inspections": 0, "rectifications": 0}
    workers = dict(User.objects.filter(role="grid_worker").values_list("region_id", "id"))
    first_plot = {row["producer_id"]: row for row in Plot.objects.filter(active=True)
                  .values("producer_id").annotate(pk=Min("id"))}
    plots = {p.pk: p for p in Plot.objects.filter(pk__in=[r["pk"] for r in first_plot.values()])
             .only("id", "plot_no", "geometry")}
    for plot in plots.values():
        point = shape(plot.geometry).representative_point()  # always inside the polygon
        plot.inside_point = (point.x, point.y)
    certified = {}
    for producer_id, kind in Certification.objects.filter(status="valid").values_list(
            "producer_id", "kind"):
        certified.setdefault(producer_id, set()).add(kind)
    start = today - dt.timedelta(days=365 * years)
    rows, counts = [], {"inspections": 0, "rectifications": 0}
    for n, producer in enumerate(Producer.objects.filter(active=True).order_by("id").iterator()):
        if progress and n % 1000 == 0:
            progress(n)
        inspector = workers.get(producer.village_id)
        plot = plots.get(first_plot.get(producer.pk, {}).get("pk"))
        if inspector is None or plot is None:
            continue
        kinds = certified.get(producer.pk, set())
        unit = "month" if kinds else "quarter" if producer.is_scale else general_visits
        windows = windows_in(unit, start, today) if unit else []
        visits = [(w, templates["daily"]) for w in windows]
        for annual in ("green_annual", "organic_annual"):
            if annual.split("_")[0] in kinds and annual in templates:
                visits += [(w, templates[annual]) for w in windows_in("year", start, today)]
        keeps = KEEPS_SCHEDULE if rng.random() > 0.1 else 0.6  # a few neglected producers
        for (first, last), template in visits:
            if rng.random() > keeps:
                continue
            last = min(last, today)
            day = first + dt.timedelta(days=rng.randint(0, max(0, (last - first).days)))
            rows.append(_inspection(rng, producer, plot, template, inspector, day))
        if len(rows) >= 10 * BATCH:  # whole producers per flush keep memory flat
            _flush(rows, counts)
    _flush(rows, counts)
    return counts


def _flush(rows: list, counts: dict) -> None:
    """Write the visits, then the rectification orders they gave and the follow-ups that
    closed them; `rows` holds whole producers' histories."""
    Inspection.objects.bulk_create(rows, batch_size=BATCH)
    by_producer, orders = {}, []
    for row in sorted(rows, key=lambda r: r.finished_at):
        by_producer.setdefault(row.producer_id, []).append(row)
    for visits in by_producer.values():
        for n, visit in enumerate(visits):
            if visit.result != "rectify":
                continue
            follow_up = next((v for v in visits[n + 1:] if v.result == "pass"), None)
            orders.append(Rectification(
                producer_id=visit.producer_id, ordered_by=visit,
                items=["补全农药使用记录（时间、地点、对象、用量）", "投入品分区存放并标识"],
                deadline=visit.finished_at.date() + dt.timedelta(days=15),
                closed_by=follow_up, closed_at=follow_up.finished_at if follow_up else None,
                district_id=visit.district_id, town_id=visit.town_id,
                village_id=visit.village_id))
    Rectification.objects.bulk_create(orders, batch_size=BATCH)
    counts["inspections"] += len(rows)
    counts["rectifications"] += len(orders)
    rows.clear()


def _inspection(rng, producer, plot, template, inspector, day) -> Inspection:
    finished = dt.datetime.combine(day, dt.time(rng.randint(8, 16), rng.randint(0, 59)),
                                   tzinfo=SHANGHAI)
    lon, lat = plot.inside_point
    check = {"inside_plot": True, "plot_no": plot.plot_no, "distance_m": 0.0}
    if rng.random() < 0.05:  # checked from the roadside, some way off the plot
        lon += rng.choice((-1, 1)) * 0.002
        check = locate(lon, lat, [(plot.plot_no, plot.geometry)])
    roll = rng.random()
    result = "pass" if roll < 0.93 else ("rectify" if roll < 0.99 else "refer")
    answers = []
    for item in template.items:
        if item["type"] == "yes_no":
            answers.append({"item": item["key"], "value": "yes", "note": ""})
        elif item["type"] == "number":
            answers.append({"item": item["key"], "value": rng.randint(1, 50), "note": ""})
    if result != "pass" and answers:
        answers[rng.randrange(len(answers))]["value"] = "no"
    record_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    inspection = Inspection(
        uuid=record_id, producer_id=producer.pk, grid_id=producer.grid_id, template=template,
        inspector_id=inspector, started_at=finished - dt.timedelta(minutes=rng.randint(15, 60)),
        finished_at=finished, lon=lon, lat=lat, accuracy_m=rng.choice((5, 8, 10, 15)),
        location_check=check, plots_seen=[plot.plot_no], answers=answers, inputs=[],
        result=result, flags=[] if check["inside_plot"] else [
            {"code": "outside_plots", "distance_m": check["distance_m"],
             "message": f"检查位置距最近地块 {check['plot_no']} {check['distance_m']} 米"}],
        refused_signature="" if rng.random() < 0.9 else "负责人外出，由家属在场",
        payload_hash=hashlib.sha256(record_id.bytes).hexdigest(),
        district_id=producer.district_id, town_id=producer.town_id,
        village_id=producer.village_id)
    inspection.score = score(template, answers)
    return inspection
