"""Every object path, asked by every role of another district, answers 404 (CONTRACT.md).

The paths are found by walking the URL configuration, so a new page or endpoint is in the
matrix without anyone remembering to add it.
"""

import re
import uuid
from types import SimpleNamespace

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from nongan.testing import ROLES_IN_DISTRICT, make_plot, make_producer

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
# A path's parameter means the object named by the word before it in the route.
OBJECTS = {"producers": "producer", "plots": "plot", "grids": "grid", "regions": "region",
           "coverage": "region", "import": "import_job", "inspections": "inspection",
           "photos": "media", "samples": "sample", "plans": "plan",
           "monitoring-plans": "plan", "follow-ups": "follow_up",
           "notifications": "notification", "spot-checks": "spot_check", "targets": "target",
           "cases": "case", "steps": "case_step", "conflicts": "conflict",
           "rectifications": "rectification", "matters": "matter",
           "commitments": "commitment", "campaigns": "campaign",
           "commitment-campaigns": "campaign", "letters": "letter",
           "assessment": "region", "warnings": "warning",
           "agencies": "agency", "api-keys": "api_key", "subscriptions": "subscription",
           "deliveries": "delivery", "referrals": "referral",
           "joint-inspections": "joint_inspection", "trace-imports": "trace_import",
           "sensors": "sensor", "referral-documents": "referral_document"}
# Routes whose parameters are not records of a region (static files, docs, language).
# A lab's monthly summary belongs to its institution, not to a district: every officer
# reads all of them, and one lab never another's (monitoring/tests/test_pages_summaries.py).
# The public site shows what is published to everyone, without a login (public/tests).
# Partners' datasets answer API keys, not accounts (exchange/tests).
NOT_SCOPED = ("static", "i18n", "docs", "template", "setlang", "openapi", "summaries",
              "public", "datasets")


def walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry, route)
        elif isinstance(entry, URLPattern) and PARAM.search(route):
            yield route.lstrip("^").rstrip("$")


def object_routes():
    routes = []
    for route in walk(get_resolver()):
        if any(word in route for word in NOT_SCOPED):
            continue
        routes.append(route)
    return sorted(set(routes))


def fill(route, target) -> str:
    def value(match):
        before = route[:match.start()].rstrip("/").split("/")[-1]
        kind = OBJECTS.get(before)
        if kind is None:
            raise AssertionError(f"{route}: no rule for what <{match.group(2)}> names")
        return str(target[kind])
    return "/" + PARAM.sub(value, route)


def targets(world, district):
    side = getattr(world, district)
    from nongan.commitments.tests.factories import access_targets
    from nongan.exchange.tests.factories import access_targets as exchange_targets
    from nongan.inspections.tests.rectification_factories import ordered
    from nongan.iot.tests.factories import access_targets as iot_targets
    from nongan.joint.tests.factories import access_targets as joint_targets
    from nongan.producers.models import ImportJob
    from nongan.risk.tests.factories import access_targets as risk_targets
    from nongan.traceability.tests.factories import access_targets as trace_targets

    job = ImportJob.objects.create(kind="producers", filename="x.csv", file="imports/x.csv",
                                   created_by=side.district_officer)
    inspection, media = an_inspection(side)
    order = ordered(side.the_producer, actor=side.grid_worker)
    return {"inspection": inspection.pk, "media": media.pk, "producer": side.the_producer.pk, "plot": side.plot.pk,
            "rectification": order.pk,
            "grid": f"G{side.village}", "region": side.district, "import_job": job.pk,
            **monitoring_targets(world, side), **enforcement_targets(side),
            **access_targets(side), **risk_targets(side), **exchange_targets(world, side),
            **joint_targets(world, side), **trace_targets(world, side),
            **iot_targets(world, side)}


def enforcement_targets(side):
    """A drawn spot check of the district (its own matter) with its target, a penalty case
    with its 立案 step, and an officer's conflict declaration."""
    from nongan.enforcement.services.spot_checks import declare_conflict
    from nongan.enforcement.tests.case_factories import open_case
    from nongan.enforcement.tests.spot_check_factories import drawn, matter

    own = matter(region=side.district)
    check = drawn(side.enforcement_officer, own, share="1")
    case = open_case(side)
    conflict = declare_conflict({"producer": side.the_producer.pk, "reason": "亲属关系"},
                                actor=side.enforcement_officer2)
    return {"spot_check": check.pk, "target": check.targets.first().pk, "case": case.pk,
            "case_step": case.steps.first().pk, "conflict": conflict.pk, "matter": own.pk}


def monitoring_targets(world, side):
    """A district plan, a failed rapid-test sample with its follow-up, and the notification
    the failure left for the district officer — all of `side`'s district."""
    from nongan.core.models import Notification
    from nongan.monitoring.services import record_results
    from nongan.testing import make_plan, make_sample

    plan = make_plan(actor=side.district_officer, lab=world.lab.org,
                     quotas=[{"district": side.district, "category": "蔬菜", "count": 2}])
    sample = make_sample(side.the_producer, actor=side.district_officer, kind="rapid",
                         lab=world.lab.org.pk)
    record_results(sample, [{"analyte": "毒死蜱", "outcome": "positive"},
                            {"analyte": "啶虫脒", "outcome": "negative"}], actor=world.lab)
    notification = Notification.objects.filter(recipient=side.district_officer).latest("pk")
    return {"sample": sample.sample_no, "plan": plan.pk, "follow_up": sample.follow_up.pk,
            "notification": notification.pk}


def an_inspection(side):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from nongan.inspections.models import ChecklistTemplate
    from nongan.inspections.services import upload_media
    from nongan.testing import jpeg_bytes, make_inspection, make_template

    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    media = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes()), actor=side.grid_worker)
    inspection = make_inspection(side.the_producer, actor=side.grid_worker, lon=121.4, lat=31.6,
                                 photos=[str(media.id)])
    return inspection, media


def test_the_matrix_covers_the_object_paths():
    routes = object_routes()
    assert any("api/v1/producers" in r for r in routes)
    assert any(r.startswith("producers/") for r in routes), routes


def leaks(client, other) -> list[str]:
    """Every object path filled with `other`'s records that answers `client` other than
    as for a record that does not exist."""
    missing = {key: 987654321 if isinstance(value, int) else "310199999999"
               for key, value in other.items()} | {"media": uuid.uuid4()}
    found = []
    for route in object_routes():
        path = fill(route, other)
        status = client.get(path).status_code
        if status not in (404, 405):
            found.append(f"GET {path} → {status}")
        # A write may fail on its body before the lookup; then it must fail the same way
        # for a record that does not exist at all, so the answer tells nothing.
        answer, control = client.post(path), client.post(fill(route, missing))
        if answer.status_code != 404 and (answer.status_code, answer.content) != (
                control.status_code, control.content):
            found.append(f"POST {path} → {answer.status_code}")
    return found


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_every_object_path_of_another_district_is_not_found(world, login, role):
    found = leaks(login(getattr(world.pudong, role)), targets(world, "chongming"))
    assert not found, "\n".join(found)


def test_a_producer_sees_nothing_of_another_producer_of_its_village(world, login):
    """A producer account sees itself only: every path of a neighbour in the same village —
    register entry, plots, inspections, photos, samples, orders, cases — is a 404."""
    neighbour = make_producer(world.pudong.village, actor=world.city_admin, name="邻居合作社")
    world.neighbour = SimpleNamespace(**vars(world.pudong) | {
        "the_producer": neighbour, "plot": make_plot(neighbour, actor=world.city_admin)})
    client = login(world.pudong.producer)
    found = leaks(client, targets(world, "neighbour"))
    assert not found, "\n".join(found)
    assert client.get(f"/producers/{world.pudong.the_producer.pk}/").status_code == 200


def test_the_other_districts_records_stay_out_of_lists_and_exports(world, api):
    from io import BytesIO

    from openpyxl import load_workbook

    officer = api(world.pudong.district_officer)
    names = {p["name"] for p in officer.get("/producers", page_size=200).json()["items"]}
    assert "pudong合作社" in names and "chongming合作社" not in names
    grids = officer.get("/grids", region="310151000000")
    assert grids.status_code == 404
    export = officer.get("/producers", format="xlsx")
    rows = list(load_workbook(BytesIO(export.content)).active.iter_rows(values_only=True))
    assert all(row[0] != "chongming合作社" for row in rows)
