"""The spot-check matters list (随机抽查事项清单): the city's shipped lines loaded once and
audited, the district's own lines added and retired, each district seeing its own."""

import pytest
from django.core.exceptions import PermissionDenied

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement import matters
from nongan.enforcement.models import Matter
from nongan.inspections.defaults import load_defaults, read_shipped_templates


def test_the_shipped_list_is_well_formed():
    rows = matters.read_shipped_matters()
    assert 6 <= len(rows) <= 10
    assert len({r["code"] for r in rows}) == len(rows)
    templates = {t["code"] for t in read_shipped_templates()}
    for row in rows:
        assert all(row[k] for k in ("code", "name", "legal_basis", "scope", "method"))
        assert "《中华人民共和国农产品质量安全法》（2022年修订）第" in row["legal_basis"]
        assert not row["template"] or row["template"] in templates
    assert any("《农药管理条例》" in r["legal_basis"] for r in rows)
    assert {r["template"] for r in rows} >= {"daily", "green_annual", "organic_annual", ""}


def test_loading_twice_adds_the_city_lines_once(db):
    load_defaults()
    first = matters.load_matters()
    rows = matters.read_shipped_matters()
    assert first["added"] == [r["code"] for r in rows]
    assert matters.load_matters() == {"added": []}
    stored = Matter.objects.filter(region="310000000000")
    assert stored.count() == len(rows)
    assert stored.get(code="SH-NA-08").template.code == "green_annual"
    assert stored.get(code="SH-NA-07").template is None
    entry = AuditEntry.objects.get(action="matters.load")
    assert entry.changes["after"]["added"] == first["added"] and entry.object_id == "*"
    # A line the city retired stays retired on the next load.
    stored.filter(code="SH-NA-01").update(active=False)
    matters.load_matters()
    assert not stored.get(code="SH-NA-01").active


def line(**fields):
    return {"code": "PD-01", "name": "浦东新区蔬菜基地农药使用专项检查",
            "legal_basis": "《农药管理条例》（2022年修订）第三十四条", "scope": "蔬菜种植主体",
            "method": "现场检查", "template": "daily"} | fields


def test_a_district_adds_and_retires_its_own_line(world, api):
    load_defaults()
    matters.load_matters()
    side = world.pudong
    client = api(side.district_officer)
    created = client.post("/matters", line())
    assert created.status_code == 201
    answer = created.json()
    assert answer["region"] == side.district and answer["template"] == "daily"
    assert client.post("/matters", line()).status_code == 422  # the code is taken
    mine = Matter.objects.get(pk=answer["id"])
    # Each district sees the city's lines and its own only.
    assert answer["id"] in [m["id"] for m in client.get("/matters", page_size=50).json()["items"]]
    theirs = api(world.chongming.district_officer).get("/matters", page_size=50).json()["items"]
    assert answer["id"] not in [m["id"] for m in theirs] and len(theirs) == 9
    assert api(world.chongming.district_officer).post(
        f"/matters/{mine.pk}/deactivate").status_code == 404
    city_line = Matter.objects.get(code="SH-NA-01")
    with pytest.raises(Conflict, match="本级"):
        matters.deactivate_matter(city_line, actor=side.enforcement_officer)
    assert client.post(f"/matters/{mine.pk}/deactivate").json()["active"] is False
    assert client.post(f"/matters/{mine.pk}/deactivate").status_code == 409
    assert AuditEntry.objects.filter(action__in=("matter.add", "matter.deactivate")).count() == 2
    active = client.get("/matters", active=True, page_size=50).json()["items"]
    assert mine.pk not in [m["id"] for m in active]


def test_a_bad_line_is_refused_field_by_field(world):
    with pytest.raises(FieldErrors) as caught:
        matters.add_matter(line(name="", legal_basis="", template="nope"),
                           actor=world.pudong.enforcement_officer)
    assert set(caught.value.by_field()) == {"name", "legal_basis", "template"}
    with pytest.raises(PermissionDenied):
        matters.add_matter(line(), actor=world.pudong.town_officer)
    assert not Matter.objects.exists()


def test_the_matters_page_lists_and_adds(world, login):
    load_defaults()
    matters.load_matters()
    client = login(world.pudong.district_officer)
    html = client.get("/matters/").content.decode()
    assert "承诺达标合格证开具情况检查" in html and "增加本级抽查事项" in html
    assert "停用" not in html.split("增加本级抽查事项")[0].split("</thead>")[1]  # city lines
    response = client.post("/matters/", line())
    assert response.status_code == 302
    assert "浦东新区蔬菜基地农药使用专项检查" in client.get("/matters/").content.decode()
    bad = client.post("/matters/", line(code="PD-02", name=""))
    assert bad.status_code == 422 and "须填写抽查事项" in bad.content.decode()
    town_view = login(world.pudong.town_officer).get("/matters/").content.decode()
    assert "增加本级抽查事项" not in town_view
