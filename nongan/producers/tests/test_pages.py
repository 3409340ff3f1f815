"""The register pages: list, detail, forms, plot editor (server-rendered, htmx-aware)."""

import io
import json

import pytest
from openpyxl import load_workbook

from nongan.core.models import AuditEntry
from nongan.producers.models import Certification, Plot, Producer
from nongan.testing import PLACES, ROLES_IN_DISTRICT, id_number, make_plot, make_producer, square

PUDONG_VILLAGE, PUDONG_VILLAGE2 = PLACES["pudong"][2], PLACES["pudong"][3]
PUDONG_TOWN = PLACES["pudong"][1]
BOWTIE = {"type": "Polygon", "coordinates": [[[121.70, 31.19], [121.71, 31.20], [121.71, 31.19],
                                              [121.70, 31.20], [121.70, 31.19]]]}


def names(response) -> list[str]:
    return [row["producer"].name for row in response.context["rows"]]


@pytest.fixture
def register(world):
    """A few more Pudong producers to filter, sort and page through."""
    admin = world.city_admin
    made = {
        "big": make_producer(PUDONG_VILLAGE, actor=admin, name="甲大型合作社", area_mu="300"),
        "grower": make_producer(PUDONG_VILLAGE2, actor=admin, kind="grower", name="乙种植户",
                                legal_rep="王五", area_mu="3",
                                id_number=id_number(777, area="310115")),
        "green": make_producer(PUDONG_VILLAGE, actor=admin, kind="family_farm",
                               name="丙家庭农场", area_mu="40", certifications=[
                                   {"kind": "green", "cert_no": "LB-18-0001", "products": "青菜",
                                    "valid_from": "2024-01-01", "valid_to": "2099-12-31"}]),
    }
    return made


# --- the list ----------------------------------------------------------------------------


def test_list_shows_only_the_users_district(world, register, login):
    response = login(world.pudong.district_officer).get("/producers/")
    assert response.status_code == 200
    shown = names(response)
    assert "pudong合作社" in shown and "甲大型合作社" in shown
    assert "chongming合作社" not in shown
    assert "chongming合作社" not in response.content.decode()


def test_list_search_and_filters(world, register, login):
    client = login(world.pudong.district_officer)
    assert names(client.get("/producers/", {"q": "大型"})) == ["甲大型合作社"]
    assert names(client.get("/producers/", {"q": "王五"})) == ["乙种植户"]
    big = register["big"]
    assert names(client.get("/producers/", {"q": big.uscc.lower()})) == ["甲大型合作社"]
    assert names(client.get("/producers/", {"kind": "grower"})) == ["乙种植户"]
    assert names(client.get("/producers/", {"scale": "0"})) == ["乙种植户"]
    assert "乙种植户" not in names(client.get("/producers/", {"scale": "1"}))
    assert names(client.get("/producers/", {"certification": "green"})) == ["丙家庭农场"]
    assert names(client.get("/producers/", {"certification": "organic"})) == []
    assert names(client.get("/producers/", {"region": PUDONG_VILLAGE2})) == ["乙种植户"]
    in_town = names(client.get("/producers/", {"region": PUDONG_TOWN}))
    assert len(in_town) == 4
    # another district's code finds nothing rather than everything
    assert names(client.get("/producers/", {"region": PLACES["chongming"][0]})) == []


def test_list_sorts_by_clickable_headers_and_pages(world, register, login):
    client = login(world.pudong.district_officer)
    by_area = names(client.get("/producers/", {"sort": "-area"}))
    assert by_area[0] == "甲大型合作社" and by_area[-1] == "乙种植户"
    assert names(client.get("/producers/", {"sort": "area"}))[0] == "乙种植户"
    response = client.get("/producers/", {"sort": "area"})
    assert "sort=-area" in response.content.decode()  # clicking again reverses
    first = client.get("/producers/", {"sort": "name", "page_size": 2})
    second = client.get("/producers/", {"sort": "name", "page_size": 2, "page": 2})
    assert first.context["result"]["count"] == 4 and first.context["result"]["pages"] == 2
    assert len(names(first)) == 2 and len(names(second)) == 2
    assert not set(names(first)) & set(names(second))
    assert "page=2" in first.content.decode()


def test_list_answers_htmx_with_the_table_only(world, register, login):
    client = login(world.pudong.district_officer)
    partial = client.get("/producers/", {"q": "大型"}, headers={"HX-Request": "true"})
    body = partial.content.decode()
    assert "<html" not in body and "甲大型合作社" in body and 'class="table-wrap"' in body
    restore = client.get("/producers/", headers={"HX-Request": "true",
                                                 "HX-History-Restore-Request": "true"})
    assert "<html" in restore.content.decode()
    full = client.get("/producers/").content.decode()
    assert 'hx-get="/producers/"' in full and 'id="producer-results"' in full


def _sheet(response):
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(io.BytesIO(response.content)).active.values)
    return rows[0], rows[1:]


def test_export_has_only_rows_in_scope_with_masked_id_for_city_admin(world, register, login):
    headers, rows = _sheet(login(world.city_admin).get("/producers/", {"format": "xlsx"}))
    id_col, name_col = headers.index("身份证号码"), headers.index("名称")
    grower = next(r for r in rows if r[name_col] == "乙种植户")
    assert grower[id_col] == register["grower"].id_number[:6] + "********" + \
        register["grower"].id_number[-4:]
    assert {r[name_col] for r in rows} >= {"pudong合作社", "chongming合作社"}

    _, district_rows = _sheet(login(world.pudong.district_officer).get(
        "/producers/", {"format": "xlsx", "kind": "grower"}))
    assert [r[name_col] for r in district_rows] == ["乙种植户"]
    assert district_rows[0][id_col] == register["grower"].id_number  # own district: in full

    _, chongming_rows = _sheet(login(world.chongming.district_officer).get(
        "/producers/", {"format": "xlsx"}))
    assert [r[name_col] for r in chongming_rows] == ["chongming合作社"]


def test_import_path_is_not_taken_by_the_register_pages():
    from nongan.producers.urls import urlpatterns

    assert all(p.resolve("producers/import/") is None for p in urlpatterns)


# --- detail and scope --------------------------------------------------------------------


def _paths(producer, plot):
    return [f"/producers/{producer.pk}/", f"/producers/{producer.pk}/plots.geojson",
            f"/producers/{producer.pk}/edit/", f"/producers/{producer.pk}/plots/new/",
            f"/plots/{plot.pk}/", f"/plots/{plot.pk}/edit/"]


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_another_districts_producer_is_not_found(world, login, role):
    client = login(getattr(world.pudong, role))
    for path in _paths(world.chongming.the_producer, world.chongming.plot):
        assert client.get(path).status_code == 404, path
    assert client.post(f"/producers/{world.chongming.the_producer.pk}/edit/",
                       {"name": "x"}).status_code == 404
    cert = Certification.objects.create(
        producer=world.chongming.the_producer, kind="organic", cert_no="OT-1",
        products="大米", valid_from="2024-01-01", valid_to="2099-01-01")
    other = world.chongming.the_producer.pk
    assert client.post(f"/producers/{other}/certifications/status/",
                       {"cert": cert.pk, f"s{cert.pk}-status": "revoked",
                        f"s{cert.pk}-reason": "x"}).status_code == 404
    own = world.pudong.the_producer.pk  # a certificate of another producer is not found either
    assert client.post(f"/producers/{own}/certifications/status/",
                       {"cert": cert.pk, f"s{cert.pk}-status": "revoked",
                        f"s{cert.pk}-reason": "x"}).status_code == 404
    cert.refresh_from_db()
    assert cert.status == "valid"


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_own_districts_producer_opens(world, login, role):
    client = login(getattr(world.pudong, role))
    producer, plot = world.pudong.the_producer, world.pudong.plot
    assert client.get(f"/producers/{producer.pk}/").status_code == 200
    assert client.get(f"/plots/{plot.pk}/").status_code == 200
    data = client.get(f"/producers/{producer.pk}/plots.geojson").json()
    assert data["type"] == "FeatureCollection"
    assert [f["properties"]["plot_no"] for f in data["features"]] == [plot.plot_no]


def test_producer_account_may_look_but_not_edit(world, login):
    client = login(world.pudong.producer)
    producer = world.pudong.the_producer
    assert client.get(f"/producers/{producer.pk}/edit/").status_code == 403
    assert client.get(f"/producers/{producer.pk}/plots/new/").status_code == 403
    assert client.get("/producers/new/").status_code == 403
    assert login(world.pudong.enforcement_officer).get("/producers/new/").status_code == 403


def test_detail_shows_register_plots_map_and_masks_id(world, register, login):
    grower = register["grower"]
    plot = make_plot(grower, actor=world.city_admin, declared_area_mu="100", crop="番茄")
    page = login(world.city_admin).get(f"/producers/{grower.pk}/").content.decode()
    assert grower.id_number not in page and grower.id_number[:6] + "********" in page
    assert plot.plot_no in page and "番茄" in page
    assert "相差超过20%" in page  # 100 m × 100 m is 15 mu, declared 100
    assert f'data-geojson="/producers/{grower.pk}/plots.geojson"' in page
    assert 'data-tiles=""' in page
    assert "nongan/map.js" in page
    own = login(world.pudong.district_officer).get(f"/producers/{grower.pk}/").content.decode()
    assert grower.id_number in own


def test_map_tiles_come_from_the_setting(world, login, settings):
    settings.NONGAN_MAP_TILES = "https://tiles.example/{z}/{x}/{y}.png"
    page = login(world.pudong.district_officer).get(
        f"/producers/{world.pudong.the_producer.pk}/").content.decode()
    assert 'data-tiles="https://tiles.example/{z}/{x}/{y}.png"' in page


def test_overlaps_link_only_to_plots_the_user_can_see(world, login):
    admin = world.city_admin
    mine = make_producer(PUDONG_VILLAGE, actor=admin, name="丁合作社")
    first = make_plot(mine, actor=admin, lon=121.80, lat=31.10, side_m=200)
    other = make_producer(PUDONG_VILLAGE, actor=admin, name="戊合作社")
    second = make_plot(other, actor=admin, lon=121.8005, lat=31.1005, side_m=200)
    first.refresh_from_db()
    assert first.overlaps == [second.plot_no]
    page = login(world.pudong.town_officer).get(f"/plots/{first.pk}/").content.decode()
    assert f'href="/plots/{second.pk}/"' in page
    detail = login(world.pudong.producer).get(f"/producers/{world.pudong.the_producer.pk}/")
    assert detail.status_code == 200


# --- create and edit ---------------------------------------------------------------------


def test_create_with_bad_fields_shows_each_reason_and_writes_nothing(world, login):
    client = login(world.pudong.district_officer)
    producers, entries = Producer.objects.count(), AuditEntry.objects.count()
    response = client.post("/producers/new/", {
        "name": "", "kind": "farm", "uscc": "123", "legal_rep": "", "town": PUDONG_TOWN,
        "village": PLACES["chongming"][2], "area_mu": "x", "phone": "12",
        "c0-kind": "green", "c0-cert_no": "LB-1", "c0-products": "青菜",
        "c0-valid_from": "2024-13-01", "c0-valid_to": "2025-01-01",
    })
    assert response.status_code == 200
    page = response.content.decode()
    for reason in ["不能为空", "主体类型应为", "统一社会信用代码应为18位", "该村不在您的辖区内",
                   "应为数字（亩）", "电话号码格式不正确", "日期格式应为 YYYY-MM-DD"]:
        assert reason in page, reason
    form = response.context["form"]
    assert set(form.errors) >= {"name", "kind", "uscc", "legal_rep", "village", "area_mu"}
    assert "valid_from" in response.context["cert_forms"][0].errors
    assert Producer.objects.count() == producers and AuditEntry.objects.count() == entries


def test_create_and_edit_write_audit_entries(world, login):
    client = login(world.pudong.town_officer)
    response = client.post("/producers/new/", {
        "name": "新场蔬菜合作社", "kind": "cooperative", "uscc": "", "legal_rep": "赵六",
        "village": PUDONG_VILLAGE, "area_mu": "12.5", "products": "青菜:上海青;番茄",
        "c0-kind": "organic", "c0-cert_no": "OT-2024-9", "c0-products": "青菜",
        "c0-valid_from": "2024-01-01", "c0-valid_to": "2027-01-01",
    })
    assert response.status_code == 200  # a cooperative needs its USCC
    assert "企业和合作社须填写统一社会信用代码" in response.content.decode()
    from nongan.testing import uscc

    code = uscc(area="310115")
    response = client.post("/producers/new/", {
        "name": "新场蔬菜合作社", "kind": "cooperative", "uscc": code, "legal_rep": "赵六",
        "village": PUDONG_VILLAGE, "area_mu": "12.5", "products": "青菜:上海青;番茄",
        "c0-kind": "organic", "c0-cert_no": "OT-2024-9", "c0-products": "青菜",
        "c0-valid_from": "2024-01-01", "c0-valid_to": "2027-01-01",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    producer = Producer.objects.get(uscc=code)
    assert response["Location"] == f"/producers/{producer.pk}/"
    assert producer.products == [{"name": "青菜", "varieties": ["上海青"]},
                                 {"name": "番茄", "varieties": []}]
    assert producer.certifications.get().cert_no == "OT-2024-9"
    entry = AuditEntry.objects.get(action="producer.register", object_id=str(producer.pk))
    assert entry.actor_id == world.pudong.town_officer.pk

    edit = client.get(f"/producers/{producer.pk}/edit/").content.decode()
    assert "新场蔬菜合作社" in edit and "青菜:上海青;番茄" in edit
    response = client.post(f"/producers/{producer.pk}/edit/", {
        "name": "新场蔬菜专业合作社", "kind": "cooperative", "uscc": code, "legal_rep": "赵六",
        "village": PUDONG_VILLAGE, "area_mu": "12.5", "products": "青菜:上海青;番茄",
    })
    assert response.status_code == 302
    producer.refresh_from_db()
    assert producer.name == "新场蔬菜专业合作社"
    update = AuditEntry.objects.get(action="producer.update", object_id=str(producer.pk))
    assert update.changes["after"] == {"name": "新场蔬菜专业合作社"}


def test_edit_keeps_a_masked_id_number_left_blank(world, register, login):
    grower = register["grower"]
    client = login(world.city_admin)  # sees ID numbers masked only
    page = client.get(f"/producers/{grower.pk}/edit/").content.decode()
    assert grower.id_number not in page
    response = client.post(f"/producers/{grower.pk}/edit/", {
        "name": "乙种植户", "kind": "grower", "id_number": "", "legal_rep": "王五",
        "village": PUDONG_VILLAGE2, "area_mu": "12", "products": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    grower.refresh_from_db()
    assert grower.id_number == register["grower"].id_number and grower.is_scale


def test_grid_worker_registers_in_own_village_only(world, login):
    client = login(world.pudong.grid_worker)
    form = client.get("/producers/new/")
    assert form.context["picker"]["village_selected"] == PUDONG_VILLAGE
    base = {"name": "网格员登记的种植户", "kind": "grower", "legal_rep": "钱七",
            "id_number": id_number(321, area="310115"), "area_mu": "8"}
    refused = client.post("/producers/new/", base | {"village": PUDONG_VILLAGE2})
    assert refused.status_code == 200
    assert refused.context["form"].errors["village"] == ["该村不在您的辖区内"]
    assert not Producer.objects.filter(name="网格员登记的种植户").exists()
    done = client.post("/producers/new/", base | {"village": PUDONG_VILLAGE})
    assert done.status_code == 302
    assert Producer.objects.get(name="网格员登记的种植户").village_id == PUDONG_VILLAGE


def test_village_options_follow_the_town_and_the_scope(world, login):
    town = PLACES["pudong"][1]
    page = login(world.pudong.district_officer).get("/producers/villages/", {"town": town})
    assert PUDONG_VILLAGE in page.content.decode() and "<option" in page.content.decode()
    other = login(world.chongming.district_officer).get("/producers/villages/", {"town": town})
    assert PUDONG_VILLAGE not in other.content.decode()


def test_no_js_town_pick_reloads_the_villages_without_writing(world, login):
    client = login(world.pudong.district_officer)
    count = Producer.objects.count()
    response = client.post("/producers/new/", {"town": PUDONG_TOWN, "pick_town": "1",
                                               "name": "草稿"})
    assert response.status_code == 200 and Producer.objects.count() == count
    assert PUDONG_VILLAGE in {v.code for v in response.context["picker"]["villages"]}
    assert 'value="草稿"' in response.content.decode()


# --- certificates ------------------------------------------------------------------------


def test_certificate_add_and_status_change(world, login):
    client = login(world.pudong.district_officer)
    producer = world.pudong.the_producer
    bad = client.post(f"/producers/{producer.pk}/certifications/", {
        "cert-kind": "green", "cert-cert_no": "", "cert-products": "大米",
        "cert-valid_from": "2024-01-01", "cert-valid_to": "2023-01-01"})
    assert bad.status_code == 200
    assert "不能为空" in bad.content.decode()
    assert not producer.certifications.exists()
    good = client.post(f"/producers/{producer.pk}/certifications/", {
        "cert-kind": "green", "cert-cert_no": "LB-99", "cert-products": "大米",
        "cert-valid_from": "2024-01-01", "cert-valid_to": "2027-01-01"})
    assert good.status_code == 302
    cert = producer.certifications.get()
    url = f"/producers/{producer.pk}/certifications/status/"
    no_reason = client.post(url, {"cert": cert.pk, f"s{cert.pk}-status": "suspended",
                                  f"s{cert.pk}-reason": ""})
    assert "须说明原因" in no_reason.content.decode()
    cert.refresh_from_db()
    assert cert.status == "valid"
    done = client.post(url, {"cert": cert.pk, f"s{cert.pk}-status": "suspended",
                             f"s{cert.pk}-reason": "抽检不合格"})
    assert done.status_code == 302
    cert.refresh_from_db()
    assert cert.status == "suspended"
    assert AuditEntry.objects.filter(action="certification.status",
                                     object_id=str(cert.pk)).exists()
    page = client.get(f"/producers/{producer.pk}/").content.decode()
    assert "LB-99" in page and "暂停" in page


# --- plots -------------------------------------------------------------------------------


def test_a_self_crossing_plot_is_refused_with_the_reason(world, login):
    client = login(world.pudong.district_officer)
    producer = world.pudong.the_producer
    plots = Plot.objects.count()
    response = client.post(f"/producers/{producer.pk}/plots/new/", {
        "geometry": json.dumps(BOWTIE), "crop": "青菜", "village": PUDONG_VILLAGE})
    assert response.status_code == 200
    assert "地块边界自相交，请重新绘制" in response.content.decode()
    assert Plot.objects.count() == plots
    # the drawn outline is kept so it can be fixed on the map
    assert response.context["form"]["geometry"].value() == json.dumps(BOWTIE)


def test_plot_geometry_errors_are_explained(world, login):
    client = login(world.pudong.district_officer)
    url = f"/producers/{world.pudong.the_producer.pk}/plots/new/"
    nothing = client.post(url, {"crop": "青菜"}).content.decode()
    assert "请在地图上绘制地块边界" in nothing
    beijing = client.post(url, {"geometry": json.dumps(square(116.40, 39.90))}).content.decode()
    assert "地块不在上海市范围内" in beijing
    garbage = client.post(url, {"geometry_text": "POLYGON((1 2, 3"}).content.decode()
    assert "无法识别的文本" in garbage
    tiny = client.post(url, {"geometry": json.dumps(square(121.70, 31.19, 3))}).content.decode()
    assert "地块面积过小" in tiny


def test_a_plot_can_be_pasted_as_wkt_and_reshaped(world, login):
    client = login(world.pudong.district_officer)
    producer = world.pudong.the_producer
    ring = square(121.75, 31.10, 200)["coordinates"][0]
    wkt = "POLYGON((" + ", ".join(f"{x} {y}" for x, y in ring) + "))"
    response = client.post(f"/producers/{producer.pk}/plots/new/", {
        "geometry": "", "geometry_text": wkt, "crop": "水稻", "declared_area_mu": "60",
        "village": PUDONG_VILLAGE})
    assert response.status_code == 302, response.content.decode()[:3000]
    plot = Plot.objects.get(producer=producer, crop="水稻")
    assert response["Location"] == f"/plots/{plot.pk}/"
    assert abs(float(plot.area_mu) - 60) < 0.5
    assert AuditEntry.objects.filter(action="plot.add", object_id=str(plot.pk)).exists()

    edit = client.get(f"/plots/{plot.pk}/edit/")
    assert edit.status_code == 200 and 'data-draw-target="#id_geometry"' in edit.content.decode()
    bigger = square(121.75, 31.10, 300)
    response = client.post(f"/plots/{plot.pk}/edit/", {
        "geometry": json.dumps(bigger), "crop": "水稻", "declared_area_mu": "60",
        "village": PUDONG_VILLAGE})
    assert response.status_code == 302
    plot.refresh_from_db()
    assert abs(float(plot.area_mu) - 135) < 1
    assert AuditEntry.objects.filter(action="plot.reshape", object_id=str(plot.pk)).exists()
    crossing = client.post(f"/plots/{plot.pk}/edit/", {"geometry": json.dumps(BOWTIE),
                                                      "village": PUDONG_VILLAGE})
    assert "地块边界自相交" in crossing.content.decode()
    page = client.get(f"/plots/{plot.pk}/").content.decode()
    assert plot.plot_no in page and "相差超过20%" in page


def test_a_plot_outside_the_producers_district_is_refused(world, login):
    client = login(world.city_admin)
    response = client.post(f"/producers/{world.pudong.the_producer.pk}/plots/new/", {
        "geometry": json.dumps(square(121.70, 31.19)), "village": PLACES["chongming"][2]})
    assert "地块所在村须在主体所在区且在您的辖区内" in response.content.decode()


def test_pages_need_a_login(world, client):
    producer = world.pudong.the_producer
    for path in ["/producers/", f"/producers/{producer.pk}/",
                 f"/producers/{producer.pk}/plots.geojson"]:
        response = client.get(path)
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_pasted_geojson_feature_collection_with_one_plot_is_accepted(world, login):
    client = login(world.pudong.district_officer)
    producer = world.pudong.the_producer
    collection = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": square(121.76, 31.11, 100)}]}
    response = client.post(f"/producers/{producer.pk}/plots/new/", {
        "geometry_text": json.dumps(collection), "crop": "茄子", "village": PUDONG_VILLAGE})
    assert response.status_code == 302
    assert Plot.objects.filter(producer=producer, crop="茄子").exists()
    two = dict(collection, features=collection["features"] * 2)
    refused = client.post(f"/producers/{producer.pk}/plots/new/", {
        "geometry_text": json.dumps(two), "village": PUDONG_VILLAGE})
    assert "请只粘贴一个地块" in refused.content.decode()


@pytest.mark.parametrize("text", ["[1, 2]", "{\"type\": \"Point\", \"coordinates\": [1, 2]}",
                                  "POINT (121.7 31.19)", "{", "LINESTRING(1 2, 3 4)"])
def test_odd_pasted_geometry_is_refused_not_crashed(world, login, text):
    client = login(world.pudong.district_officer)
    response = client.post(f"/producers/{world.pudong.the_producer.pk}/plots/new/",
                           {"geometry_text": text, "village": PUDONG_VILLAGE})
    assert response.status_code == 200
    assert response.context["form"].errors["geometry"]


def test_the_producer_page_carries_a_qr_code_into_the_field_app(world, login):
    html = login(world.pudong.district_officer).get(
        f"/producers/{world.pudong.the_producer.pk}/").content.decode()
    assert '<svg' in html and "现场巡查二维码" in html
