import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from shapely.geometry import shape

from nongan.inspections.models import Inspection, Rectification
from nongan.inspections.services import upload_media
from nongan.testing import PLACES, inspection_payload, jpeg_bytes, make_producer, make_template

pytestmark = pytest.mark.usefixtures("template")


@pytest.fixture
def template(db):
    return make_template()


def corner(plot):
    minx, miny, maxx, maxy = shape(plot.geometry).bounds
    return minx, miny, maxx, maxy


def submit(api, user, payload):
    return api(user).post("/inspections", payload)


def test_inside_a_plot_is_recognised(world, api):
    plot = world.pudong.plot
    minx, miny, maxx, maxy = corner(plot)
    answer = submit(api, world.pudong.grid_worker,
                    inspection_payload(world.pudong.the_producer, lon=(minx + maxx) / 2,
                                       lat=(miny + maxy) / 2, plots_seen=[plot.plot_no]))
    assert answer.status_code == 201, answer.content
    body = answer.json()
    assert body["location_check"] == {"inside_plot": True, "plot_no": plot.plot_no,
                                      "distance_m": 0.0}
    assert body["flags"] == []


def test_on_the_edge_counts_as_inside(world, api):
    minx, miny, maxx, maxy = corner(world.pudong.plot)
    body = submit(api, world.pudong.grid_worker, inspection_payload(
        world.pudong.the_producer, lon=minx, lat=(miny + maxy) / 2)).json()
    assert body["location_check"]["inside_plot"] is True


def test_fifty_metres_outside_is_measured_and_flagged(world, api):
    minx, miny, maxx, maxy = corner(world.pudong.plot)
    east = maxx + 50 / (111_320 * 0.855)  # 50 m east at 31.2°N
    body = submit(api, world.pudong.grid_worker, inspection_payload(
        world.pudong.the_producer, lon=east, lat=(miny + maxy) / 2)).json()
    check = body["location_check"]
    assert check["inside_plot"] is False and check["plot_no"] == world.pudong.plot.plot_no
    assert 45 < check["distance_m"] < 55
    assert [f["code"] for f in body["flags"]] == ["outside_plots"]


def test_a_producer_without_plots_cannot_be_located(world, api):
    bare = make_producer(PLACES["pudong"][2], actor=world.city_admin)
    body = submit(api, world.pudong.grid_worker,
                  inspection_payload(bare, lon=121.7, lat=31.19)).json()
    assert body["location_check"] == {"inside_plot": False, "plot_no": None, "distance_m": None}
    assert body["flags"][0]["code"] == "no_plots"


def test_an_application_inside_the_preharvest_interval_is_flagged(world, api):
    from nongan.inspections.models import PreHarvestInterval

    PreHarvestInterval.objects.update_or_create(
        pesticide="测试菊酯", crop="青菜", defaults={"days": 7, "source": "test"})
    today = dt.date.today()
    inputs = [{"pesticide": "测试菊酯", "dose": "20ml/亩", "crop": "青菜",
               "applied_on": str(today - dt.timedelta(days=3)), "harvest_on": str(today)},
              {"pesticide": "测试菊酯", "crop": "青菜",
               "applied_on": str(today - dt.timedelta(days=10)), "harvest_on": str(today)}]
    body = submit(api, world.pudong.grid_worker, inspection_payload(
        world.pudong.the_producer, lon=121.7, lat=31.19, inputs=inputs)).json()
    phi = [f for f in body["flags"] if f["code"] == "phi_not_kept"]
    assert len(phi) == 1 and phi[0]["input"] == 0 and phi[0]["required_days"] == 7


def test_the_same_uuid_three_times_makes_one_record(world, api):
    payload = inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19)
    statuses = [submit(api, world.pudong.grid_worker, payload).status_code for _ in range(3)]
    assert statuses == [201, 200, 200]
    assert Inspection.objects.filter(uuid=payload["uuid"]).count() == 1


def test_different_content_under_a_used_uuid_is_a_conflict(world, api):
    payload = inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19)
    assert submit(api, world.pudong.grid_worker, payload).status_code == 201
    changed = payload | {"result": "refer"}
    assert submit(api, world.pudong.grid_worker, changed).status_code == 409
    assert Inspection.objects.get(uuid=payload["uuid"]).result == "pass"


def test_bad_fields_are_named(world, api):
    payload = inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19,
                                 answers=[{"item": "records", "value": "maybe"},
                                          {"item": "nonsense", "value": "yes"}],
                                 plots_seen=["nope-0001"], result="rectify",
                                 refused_signature="")
    answer = submit(api, world.pudong.grid_worker, payload)
    assert answer.status_code == 422
    locs = {".".join(map(str, d["loc"][1:])) for d in answer.json()["detail"]}
    assert {"answers.0.value", "answers.1.item", "plots_seen", "rectification.items",
            "signature"} <= locs
    assert not Inspection.objects.exists()


def test_another_districts_producer_is_not_found(world, api):
    payload = inspection_payload(world.chongming.the_producer, lon=121.4, lat=31.63)
    assert submit(api, world.pudong.grid_worker, payload).status_code == 404


def test_another_districts_inspection_is_not_found(world, api):
    payload = inspection_payload(world.chongming.the_producer, lon=121.4, lat=31.63)
    created = submit(api, world.chongming.grid_worker, payload).json()
    for role in ("district_officer", "town_officer", "grid_worker", "producer"):
        client = api(getattr(world.pudong, role))
        assert client.get(f"/inspections/{created['id']}").status_code == 404
        assert client.post(f"/inspections/{created['id']}/amendments",
                           {"reason": "x", "changes": {"a": 1}}).status_code == 404
    assert api(world.chongming.district_officer).get(
        f"/inspections/{created['id']}").status_code == 200


def test_a_rectification_order_is_closed_by_a_passing_follow_up(world, api):
    producer = world.pudong.the_producer
    deadline = str(dt.date.today() + dt.timedelta(days=14))
    order = submit(api, world.pudong.grid_worker, inspection_payload(
        producer, lon=121.7, lat=31.19, result="rectify",
        rectification={"items": ["补全生产记录"], "deadline": deadline}))
    assert order.status_code == 201, order.content
    assert Rectification.objects.get(producer=producer).closed_by is None
    follow_up = submit(api, world.pudong.grid_worker,
                       inspection_payload(producer, lon=121.7, lat=31.19)).json()
    assert Rectification.objects.get(producer=producer).closed_by_id == follow_up["id"]


def test_a_submitted_inspection_is_corrected_only_by_an_amendment(world, api):
    client = api(world.pudong.grid_worker)
    created = submit(api, world.pudong.grid_worker,
                     inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19)).json()
    assert client.patch(f"/inspections/{created['id']}", {"result": "refer"}).status_code == 405
    bad = client.post(f"/inspections/{created['id']}/amendments", {"reason": "", "changes": {}})
    assert bad.status_code == 422
    amended = client.post(f"/inspections/{created['id']}/amendments",
                          {"reason": "地块编号记错", "changes": {"plots_seen": ["x"]}})
    assert amended.status_code == 201
    body = amended.json()
    assert body["result"] == "pass" and body["amendments"][0]["reason"] == "地块编号记错"


class TestPhotos:
    def upload(self, api, user, content, name="photo.jpg"):
        return api(user).client.post("/api/v1/media", {"file": SimpleUploadedFile(name, content)},
                                      headers=api(user).headers)

    def test_a_renamed_text_file_is_refused(self, world, api):
        answer = self.upload(api, world.pudong.grid_worker, b"just some text" * 10)
        assert answer.status_code == 422
        assert "JPEG" in answer.json()["detail"][0]["msg"]

    def test_an_oversized_file_is_refused(self, world, api, settings):
        big = jpeg_bytes() + b"\0" * (10 * 1024 * 1024)
        answer = self.upload(api, world.pudong.grid_worker, big)
        assert answer.status_code in (413, 422)

    def test_a_png_without_exif_is_kept_and_flagged_on_the_inspection(self, world, api):
        answer = self.upload(api, world.pudong.grid_worker, jpeg_bytes(fmt="PNG"), "a.png")
        assert answer.status_code == 201, answer.content
        body = submit(api, world.pudong.grid_worker, inspection_payload(
            world.pudong.the_producer, lon=121.7, lat=31.19,
            photos=[answer.json()["id"]])).json()
        assert "photo_no_exif" in [f["code"] for f in body["flags"]]

    def test_exif_time_and_place_are_compared(self, world, api):
        from django.utils import timezone

        long_ago = timezone.localtime() - dt.timedelta(days=3)
        photo = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes(
            taken_at=long_ago.replace(tzinfo=None), lon=121.30, lat=31.00)),
            actor=world.pudong.grid_worker)
        body = submit(api, world.pudong.grid_worker, inspection_payload(
            world.pudong.the_producer, lon=121.7, lat=31.19, photos=[str(photo.id)])).json()
        codes = {f["code"] for f in body["flags"]}
        assert {"photo_time", "photo_place"} <= codes

    def test_someone_elses_photo_cannot_be_attached(self, world, api):
        photo = upload_media(SimpleUploadedFile("p.jpg", jpeg_bytes()),
                             actor=world.chongming.grid_worker)
        answer = submit(api, world.pudong.grid_worker, inspection_payload(
            world.pudong.the_producer, lon=121.7, lat=31.19, photos=[str(photo.id)]))
        assert answer.status_code == 422


def test_a_new_template_version_leaves_old_records_on_theirs(world, api):
    first = submit(api, world.pudong.grid_worker,
                   inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19)).json()
    items = [{"key": "records", "section": "生产记录", "text": "生产记录是否完整（修订）",
              "type": "yes_no", "required": True}]
    assert api(world.pudong.district_officer).post(
        "/inspection-templates/test-daily/versions", {"items": items}).status_code == 403
    made = api(world.city_admin).post("/inspection-templates/test-daily/versions",
                                      {"items": items})
    assert made.status_code == 201 and made.json()["version"] == 2
    second = submit(api, world.pudong.grid_worker,
                    inspection_payload(world.pudong.the_producer, lon=121.7, lat=31.19)).json()
    assert (first["template_version"], second["template_version"]) == (1, 2)
    assert api(world.pudong.grid_worker).get(
        f"/inspections/{first['id']}").json()["template_version"] == 1
