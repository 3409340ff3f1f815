"""Officer pages for field inspections: list, detail, print, photos, amendments and the
rectification list — each read scoped (another district's record is a 404 everywhere)."""

import datetime as dt
import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from shapely.geometry import shape

from nongan.inspections import services
from nongan.inspections.models import ChecklistTemplate, Inspection, Rectification
from nongan.testing import jpeg_bytes


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def template(db):
    try:
        from nongan.inspections.defaults import load_defaults
    except ImportError:
        load_defaults = None
    if load_defaults is not None:
        load_defaults()
    found = (ChecklistTemplate.objects.filter(code="daily", active=True)
             .order_by("-version").first())
    return found or ChecklistTemplate.objects.create(
        code="daily", name="日常巡查表", kind="daily",
        items=[{"key": "records", "section": "生产记录", "text": "生产记录是否完整",
                "type": "yes_no", "required": True}])


def _answers(template) -> list[dict]:
    values = {"yes_no": "yes", "number": 1, "text": "良好", "photo": "已拍照"}
    return [{"item": i["key"], "value": values[i["type"]]} for i in template.items
            if i.get("required") and i["type"] in values]


def photo(user):
    upload = SimpleUploadedFile("scene.jpg", jpeg_bytes(), content_type="image/jpeg")
    return services.upload_media(upload, actor=user)


def inspect(template, place, *, actor=None, **fields):
    """One inspection of `place`'s producer, submitted through the service like the API."""
    actor = actor or place.grid_worker
    minx, miny, maxx, maxy = shape(place.plot.geometry).bounds
    finished = timezone.now() - dt.timedelta(minutes=5)
    payload = {"uuid": uuid.uuid4(), "producer": place.the_producer.pk,
               "template": template.code, "started_at": finished - dt.timedelta(minutes=30),
               "finished_at": finished,
               "location": {"lon": (minx + maxx) / 2, "lat": (miny + maxy) / 2,
                            "accuracy_m": 8.0},
               "plots_seen": [place.plot.plot_no], "answers": _answers(template),
               "inputs": [], "photos": [], "result": "pass",
               "refused_signature": "负责人不在场"} | fields
    if not payload["photos"] and any(i["type"] == "photo" and i.get("required")
                                     for i in template.items):
        payload["photos"] = [photo(actor).id]
    inspection, created = services.submit_inspection(payload, actor=actor)
    assert created
    return inspection


def test_list_detail_and_print_render_for_the_district_officer(world, login, template):
    media = photo(world.pudong.grid_worker)
    today = timezone.localdate()
    inspection = inspect(template, world.pudong, photos=[media.id], result="rectify",
                         rectification={"items": ["补全生产记录"],
                                        "deadline": today + dt.timedelta(days=15)},
                         inputs=[{"pesticide": "测试菊酯", "dose": "20ml/亩", "crop": "青菜",
                                  "applied_on": today - dt.timedelta(days=2),
                                  "harvest_on": today}])
    client = login(world.pudong.district_officer)

    listing = client.get(reverse("inspection_list"))
    assert listing.status_code == 200
    html = listing.content.decode()
    assert world.pudong.the_producer.name in html
    assert reverse("inspection", args=[inspection.pk]) in html

    detail = client.get(reverse("inspection", args=[inspection.pk]))
    assert detail.status_code == 200
    html = detail.content.decode()
    assert template.name in html and f"第 {template.version} 版" in html
    assert reverse("producer", args=[world.pudong.the_producer.pk]) in html
    assert f"位于地块 {world.pudong.plot.plot_no} 内" in html
    assert reverse("producer_plots_geojson", args=[world.pudong.the_producer.pk]) in html
    assert reverse("inspection_photo", args=[inspection.pk, media.id]) in html
    assert "补全生产记录" in html and "测试菊酯" in html
    assert template.items[0]["text"] in html
    assert "负责人不在场" in html

    printed = client.get(reverse("inspection_print", args=[inspection.pk]))
    assert printed.status_code == 200
    html = printed.content.decode()
    assert "农产品质量安全现场检查记录" in html and "printable" in html
    assert "print.css" in html and "限期整改通知" in html
    assert template.items[0]["text"] in html


def test_another_districts_officer_gets_404_everywhere(world, login, template):
    media = photo(world.pudong.grid_worker)
    inspection = inspect(template, world.pudong, photos=[media.id])
    client = login(world.chongming.district_officer)
    for url in (reverse("inspection", args=[inspection.pk]),
                reverse("inspection_print", args=[inspection.pk]),
                reverse("inspection_photo", args=[inspection.pk, media.id])):
        assert client.get(url).status_code == 404, url
    answer = client.post(reverse("inspection_amend", args=[inspection.pk]),
                         {"reason": "x", "field": "result", "value": "合格"})
    assert answer.status_code == 404
    assert world.pudong.the_producer.name not in client.get(
        reverse("inspection_list")).content.decode()


def test_photo_streams_only_for_its_own_record(world, login, template):
    media = photo(world.pudong.grid_worker)
    signature = photo(world.pudong.grid_worker)
    stray = photo(world.pudong.grid_worker)
    inspection = inspect(template, world.pudong, photos=[media.id], signature=signature.id,
                         refused_signature="")
    other = inspect(template, world.pudong)
    client = login(world.pudong.town_officer)

    answer = client.get(reverse("inspection_photo", args=[inspection.pk, media.id]))
    assert answer.status_code == 200
    assert answer["Content-Type"] == "image/jpeg"
    body = b"".join(answer.streaming_content)
    assert body.startswith(b"\xff\xd8\xff") and len(body) == media.size

    sig = client.get(reverse("inspection_photo", args=[inspection.pk, signature.id]))
    assert sig.status_code == 200 and sig["Content-Type"] == "image/jpeg"
    # a photo that is not this record's, or this record's photo under another record
    assert client.get(reverse("inspection_photo", args=[inspection.pk, stray.id])
                      ).status_code == 404
    assert client.get(reverse("inspection_photo", args=[other.pk, media.id])
                      ).status_code == 404
    assert client.get(reverse("inspection_photo", args=[inspection.pk, uuid.uuid4()])
                      ).status_code == 404


def test_an_amendment_shows_beside_the_original_which_is_unchanged(world, login, template):
    inspection = inspect(template, world.pudong)
    before = Inspection.objects.filter(pk=inspection.pk).values().get()
    key = next(i["key"] for i in template.items if i["type"] == "yes_no" and i.get("required"))
    client = login(world.pudong.town_officer)

    answer = client.post(reverse("inspection_amend", args=[inspection.pk]),
                         {"reason": "现场误选", "field": f"answers.{key}", "value": "否"})
    assert answer.status_code == 302

    assert Inspection.objects.filter(pk=inspection.pk).values().get() == before
    amendment = inspection.amendments.get()
    assert amendment.changes == {f"answers.{key}": "no"} and amendment.reason == "现场误选"

    html = client.get(reverse("inspection", args=[inspection.pk])).content.decode()
    row = html.split(next(i["text"] for i in template.items if i["key"] == key), 1)[1]
    row = row.split("</tr>", 1)[0]
    assert "是" in row and "更正为" in row and "否" in row and "现场误选" in row
    printed = client.get(reverse("inspection_print", args=[inspection.pk])).content.decode()
    assert "更正记录" in printed and "现场误选" in printed


def test_amendment_errors_show_beside_fields_and_need_the_permission(world, login, template):
    inspection = inspect(template, world.pudong)
    client = login(world.pudong.town_officer)
    answer = client.post(reverse("inspection_amend", args=[inspection.pk]),
                         {"reason": "", "field": "result", "value": "不知道"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "须说明更正原因" in html and "结论应为" in html and "field-error" in html
    assert not inspection.amendments.exists()

    producer_client = login(world.pudong.producer)
    assert producer_client.get(reverse("inspection", args=[inspection.pk])).status_code == 200
    denied = producer_client.post(reverse("inspection_amend", args=[inspection.pk]),
                                  {"reason": "x", "field": "result", "value": "合格"})
    assert denied.status_code == 403
    assert not inspection.amendments.exists()


def test_rectification_list_highlights_an_overdue_order(world, login, template):
    today = timezone.localdate()
    late = inspect(template, world.pudong, result="rectify",
                   rectification={"items": ["清理过期农药"],
                                  "deadline": today + dt.timedelta(days=10)})
    Rectification.objects.filter(ordered_by=late).update(deadline=today - dt.timedelta(days=3))
    inspect(template, world.chongming, result="rectify",
            rectification={"items": ["崇明整改事项"], "deadline": today + dt.timedelta(days=10)})
    client = login(world.pudong.district_officer)

    html = client.get(reverse("rectification_list")).content.decode()
    assert "清理过期农药" in html and "rect-overdue" in html and "已逾期 3 天" in html
    assert "崇明整改事项" not in html
    overdue = client.get(reverse("rectification_list"), {"status": "overdue"}).content.decode()
    assert "清理过期农药" in overdue
    closed = client.get(reverse("rectification_list"), {"status": "closed"}).content.decode()
    assert "清理过期农药" not in closed

    # a passing follow-up closes it; the order page of the first visit says so
    follow_up = inspect(template, world.pudong)
    closed = client.get(reverse("rectification_list"), {"status": "closed"}).content.decode()
    assert "清理过期农药" in closed
    detail = client.get(reverse("inspection", args=[late.pk])).content.decode()
    assert reverse("inspection", args=[follow_up.pk]) in detail and "已整改" in detail

    book = load_workbook(io.BytesIO(client.get(
        reverse("rectification_list"), {"status": "all", "format": "xlsx"}).content))
    rows = list(book.active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == world.pudong.the_producer.name


def test_xlsx_export_contains_only_rows_in_scope(world, login, template):
    mine = [inspect(template, world.pudong), inspect(template, world.pudong, result="refer")]
    inspect(template, world.chongming)
    client = login(world.pudong.district_officer)

    answer = client.get(reverse("inspection_list"), {"format": "xlsx"})
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "编号"
    assert sorted(r[0] for r in rows[1:]) == sorted(i.pk for i in mine)
    assert {r[3] for r in rows[1:]} == {world.pudong.the_producer.name}

    filtered = client.get(reverse("inspection_list"), {"format": "xlsx", "result": "refer"})
    rows = list(load_workbook(io.BytesIO(filtered.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == [mine[1].pk]

    # a district the officer cannot see matches nothing, even when asked for by code
    foreign = client.get(reverse("inspection_list"),
                         {"format": "xlsx", "region": world.chongming.district})
    assert len(list(load_workbook(io.BytesIO(foreign.content)).active.iter_rows())) == 1


def test_list_filters_by_date_and_shows_date_errors(world, login, template):
    inspection = inspect(template, world.pudong)
    client = login(world.pudong.district_officer)
    day = timezone.localtime(inspection.finished_at).date()
    url = reverse("inspection", args=[inspection.pk])
    assert url in client.get(reverse("inspection_list"),
                             {"from": str(day), "to": str(day)}).content.decode()
    assert url not in client.get(reverse("inspection_list"),
                                 {"from": str(day + dt.timedelta(days=1))}).content.decode()
    wrong = client.get(reverse("inspection_list"), {"from": str(day), "to": "2000-01-01"})
    assert "截止日期不能早于起始日期" in wrong.content.decode()
