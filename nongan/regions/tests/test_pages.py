"""The division, grid and coverage pages (区域定格、网格定人、人员定责), through the client."""

import datetime as dt
from io import BytesIO

import pytest
from openpyxl import load_workbook

from nongan.core.models import AuditEntry
from nongan.regions.models import Grid, GridMember, Region
from nongan.testing import PLACES, ROLES_IN_DISTRICT, make_plot, make_producer

PUDONG, CHONGMING = PLACES["pudong"], PLACES["chongming"]
GRID = f"G{PUDONG[2]}"
GRID_URL = f"/grids/{GRID}/"


def rows_of(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def other_town_village() -> str:
    """A village of Pudong that lies outside the test town."""
    return (Region.objects.filter(level="village", active=True, district_id=PUDONG[0])
            .exclude(town_id=PUDONG[1]).order_by("code").values_list("code", flat=True)[0])


def add_member(client, **fields):
    data = {"op": "add", "name": "李四", "phone": "13900000000", "role": "supervisor",
            "duty": "负责本村生产主体的日常巡查"} | fields
    return client.post(GRID_URL, data)


# --- every role in its own region --------------------------------------------------------


@pytest.mark.parametrize("role", [r for r in ROLES_IN_DISTRICT if r != "producer"])
def test_the_pages_open_for_each_role_in_its_own_region(world, login, role):
    user = getattr(world.pudong, role)
    client = login(user)
    for path in (f"/regions/{user.region_id}/", "/grids/", f"/grids/?region={user.region_id}",
                 GRID_URL, f"/coverage/{user.region_id}/"):
        response = client.get(path)
        assert response.status_code == 200, f"{path} → {response.status_code}"


def test_the_city_admin_sees_the_city_and_its_coverage(world, login):
    client = login(world.city_admin)
    assert client.get("/regions/310000000000/").status_code == 200
    assert client.get("/coverage/310000000000/").status_code == 200
    assert client.get(f"/coverage/{CHONGMING[0]}/").status_code == 200


def test_the_city_coverage_is_for_the_city_admin_only(world, login):
    assert login(world.lab).get("/coverage/310000000000/").status_code == 403


def test_a_producer_account_sees_no_divisions_or_grids(world, login):
    client = login(world.pudong.producer)
    assert client.get(f"/regions/{PUDONG[2]}/").status_code == 404
    assert client.get(GRID_URL).status_code == 404
    assert client.get("/regions/").url == "/"


def test_regions_without_a_code_opens_the_users_own_region(world, login):
    response = login(world.pudong.town_officer).get("/regions/")
    assert response.status_code == 302 and response.url == f"/regions/{PUDONG[1]}/"


@pytest.mark.parametrize("role", ROLES_IN_DISTRICT)
def test_another_districts_region_grid_and_coverage_are_not_found(world, login, role):
    client = login(getattr(world.pudong, role))
    for path in (f"/regions/{CHONGMING[0]}/", f"/regions/{CHONGMING[2]}/",
                 f"/grids/G{CHONGMING[2]}/", f"/grids/?region={CHONGMING[0]}",
                 f"/coverage/{CHONGMING[0]}/", f"/coverage/{CHONGMING[1]}/",
                 f"/coverage/{CHONGMING[0]}/?list=producers&format=xlsx"):
        assert client.get(path).status_code == 404, path


def test_a_town_officer_cannot_open_another_towns_grid(world, login):
    response = login(world.pudong.town_officer).get(f"/grids/G{other_town_village()}/")
    assert response.status_code == 404


# --- the region page ---------------------------------------------------------------------


def test_the_region_page_counts_producers_and_plots_per_child(
        world, login, django_assert_max_num_queries):
    make_producer(PUDONG[3], actor=world.city_admin)
    client = login(world.pudong.district_officer)
    with django_assert_max_num_queries(25):  # grouped counts: no query per child
        response = client.get(f"/regions/{PUDONG[1]}/")
    children = {c.code: c for c in response.context["children"]}
    assert (children[PUDONG[2]].producers, children[PUDONG[2]].plots) == (1, 1)
    assert (children[PUDONG[3]].producers, children[PUDONG[3]].plots) == (1, 0)
    assert children[PUDONG[2]].grids == 1
    crumbs = [r.code for r in response.context["breadcrumb"]]
    assert crumbs == [PUDONG[0]]  # the city is not the district officer's to open


def test_a_retired_child_is_greyed_with_its_date_and_former_names(world, login):
    Region.objects.filter(code=PUDONG[3]).update(
        active=False, retired_on=dt.date(2024, 6, 30), former_names=["老宅村"])
    html = login(world.pudong.town_officer).get(f"/regions/{PUDONG[1]}/").content.decode()
    assert 'class="retired"' in html
    assert "2024-06-30" in html and "老宅村" in html


# --- grids -------------------------------------------------------------------------------


def test_the_grid_list_flags_grids_without_a_supervisor(world, login):
    client = login(world.pudong.town_officer)
    before = client.get("/grids/", {"missing": "supervisor", "q": GRID})
    assert [g.code for g in before.context["page"]["items"]] == [GRID]
    assert add_member(client).status_code == 302
    after = client.get("/grids/", {"q": GRID})
    (grid,) = after.context["page"]["items"]
    assert grid.member_count == 1 and grid.has_supervisor
    assert client.get("/grids/", {"missing": "supervisor", "q": GRID}).context["page"]["count"] == 0


def test_the_grid_export_holds_only_grids_in_scope(world, login):
    rows = rows_of(login(world.pudong.town_officer).get("/grids/", {"format": "xlsx"}))
    codes = [row[0] for row in rows[1:]]
    town = set(Grid.objects.filter(town_id=PUDONG[1], active=True).values_list("code", flat=True))
    assert rows[0][0] == "网格编码"
    assert codes and set(codes) == town


def test_adding_and_removing_a_grid_member_is_audited(world, login):
    officer = world.pudong.town_officer
    client = login(officer)
    response = add_member(client, user=world.pudong.grid_worker.pk)
    assert response.status_code == 302, response.content.decode()[:500]
    member = GridMember.objects.get(grid__code=GRID, name="李四")
    assert member.user == world.pudong.grid_worker and member.role == "supervisor"
    added = AuditEntry.objects.get(action="grid.assign_member", object_id=str(member.pk))
    assert added.actor == officer and added.region_code == PUDONG[2]
    page = client.get(GRID_URL).content.decode()
    assert "李四" in page and "负责本村生产主体的日常巡查" in page and 'id="notice"' in page

    response = client.post(GRID_URL, {"op": "remove", "member": member.pk})
    assert response.status_code == 302
    assert not GridMember.objects.filter(pk=member.pk).exists()
    removed = AuditEntry.objects.get(action="grid.remove_member", object_id=str(member.pk))
    assert removed.actor == officer and removed.changes["before"]["name"] == "李四"


def test_the_services_errors_show_beside_the_fields_in_chinese(world, login):
    response = add_member(login(world.pudong.district_officer), name=" ", duty="")
    assert response.status_code == 422
    html = response.content.decode()
    assert html.count('class="field-error"') == 2
    assert "姓名不能为空" in html and "职责不能为空" in html
    assert not GridMember.objects.filter(grid__code=GRID).exists()


def test_a_bad_phone_or_an_account_out_of_reach_is_refused(world, login):
    client = login(world.pudong.district_officer)
    assert "电话号码格式不正确" in add_member(client, phone="12345").content.decode()
    response = add_member(client, user=world.chongming.grid_worker.pk)
    assert response.status_code == 422
    assert not GridMember.objects.filter(grid__code=GRID).exists()


def test_a_town_officer_cannot_add_members_to_another_towns_grid(world, login):
    client = login(world.pudong.town_officer)
    code = f"G{other_town_village()}"
    response = client.post(f"/grids/{code}/", {"op": "add", "name": "王五", "duty": "巡查"})
    assert response.status_code == 404
    assert not GridMember.objects.filter(grid__code=code).exists()


def test_a_grid_worker_may_read_the_grid_but_not_add_members(world, login):
    client = login(world.pudong.grid_worker)
    page = client.get(GRID_URL)
    assert page.status_code == 200 and page.context["form"] is None
    assert add_member(client).status_code == 403
    member = GridMember.objects.create(grid=Grid.objects.get(code=GRID), name="赵六", duty="巡查")
    assert client.post(GRID_URL, {"op": "remove", "member": member.pk}).status_code == 403
    assert GridMember.objects.filter(pk=member.pk).exists()


def test_removing_a_member_of_another_grid_is_not_found(world, login):
    other = Grid.objects.get(code=f"G{PUDONG[3]}")
    member = GridMember.objects.create(grid=other, name="赵六", duty="巡查")
    client = login(world.pudong.district_officer)
    for value in (member.pk, "x", ""):
        assert client.post(GRID_URL, {"op": "remove", "member": value}).status_code == 404
    assert GridMember.objects.filter(pk=member.pk).exists()


# --- coverage ----------------------------------------------------------------------------


def test_a_complete_town_shows_none(world, login):
    client = login(world.pudong.town_officer)
    response = client.get(f"/coverage/{PUDONG[1]}/")
    assert response.context["pages"]["producers"]["count"] == 0
    assert response.context["pages"]["plots"]["count"] == 0
    assert response.content.decode().count('class="none-ok"') == 2  # grids still lack people


def test_coverage_lists_a_producer_whose_grid_was_removed(world, login):
    producer = make_producer(PUDONG[3], actor=world.city_admin, name="失格合作社")
    Grid.objects.filter(code=f"G{PUDONG[3]}").update(active=False)
    plot = make_plot(producer, actor=world.city_admin)
    assert plot.grid is None
    client = login(world.pudong.district_officer)
    response = client.get(f"/coverage/{PUDONG[0]}/")
    html = response.content.decode()
    assert "失格合作社" in html and plot.plot_no in html
    town = next(row for row in response.context["areas"] if row["region"].code == PUDONG[1])
    assert (town["producers"], town["plots"]) == (1, 1)

    rows = rows_of(client.get(f"/coverage/{PUDONG[0]}/", {"list": "producers", "format": "xlsx"}))
    assert [row[0] for row in rows[1:]] == ["失格合作社"]
    rows = rows_of(client.get(f"/coverage/{PUDONG[0]}/", {"list": "plots", "format": "xlsx"}))
    assert [row[0] for row in rows[1:]] == [plot.plot_no]


def test_coverage_exports_hold_only_rows_in_scope(world, login):
    for key in ("pudong", "chongming"):
        side = getattr(world, key)
        Grid.objects.filter(code=f"G{side.village}").update(active=False)
    client = login(world.city_admin)
    rows = rows_of(client.get("/coverage/310000000000/", {"list": "producers", "format": "xlsx"}))
    assert {row[0] for row in rows[1:]} == {"pudong合作社", "chongming合作社"}

    client = login(world.pudong.town_officer)
    rows = rows_of(client.get(f"/coverage/{PUDONG[1]}/", {"list": "producers", "format": "xlsx"}))
    assert [row[0] for row in rows[1:]] == ["pudong合作社"]
    rows = rows_of(client.get(f"/coverage/{PUDONG[1]}/", {"list": "grids", "format": "xlsx"}))
    assert rows[1:] and all(row[0].startswith(f"G{PUDONG[1][:9]}") for row in rows[1:])
    assert client.get(f"/coverage/{PUDONG[1]}/", {"list": "nope", "format": "xlsx"}
                      ).status_code == 404


def test_a_grid_with_a_person_leaves_the_coverage_list(world, login):
    client = login(world.pudong.town_officer)
    url = f"/coverage/{PUDONG[1]}/"
    codes = [row[0] for row in rows_of(client.get(url, {"list": "grids", "format": "xlsx"}))]
    assert GRID in codes
    add_member(client)
    codes = [row[0] for row in rows_of(client.get(url, {"list": "grids", "format": "xlsx"}))]
    assert GRID not in codes
