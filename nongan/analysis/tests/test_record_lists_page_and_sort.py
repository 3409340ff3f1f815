"""A figure's record list pages and sorts like the other lists; each row opens its record."""


def values(response, column=0) -> list:
    assert response.status_code == 200
    return [row[column]["value"] for row in response.context["table"].cells()]


def test_samples_newest_first_then_by_any_sortable_column(world, made, login):
    page = login(world.pudong.district_officer)
    newest = values(page.get("/analysis/records/samples/"))
    assert newest[0] == made.samples.waiting.sample_no
    assert values(page.get("/analysis/records/samples/", {"sort": "product"}), 2) == [
        "菠菜", "青菜", "青菜", "青菜"]
    second = page.get("/analysis/records/samples/", {"page_size": 2, "page": 2})
    assert values(second) == newest[2:]


def test_each_row_opens_its_record(world, made, login):
    page = login(world.pudong.district_officer)
    first = page.get("/analysis/records/samples/").context["table"].cells()[0][0]
    assert first["url"] == f"/samples/{made.samples.waiting.sample_no}/"
    assert page.get(first["url"]).status_code == 200
    letters = page.get("/analysis/records/letters/", {"status": "unsigned"})
    assert sorted(values(letters)) == sorted(["pudong合作社", "浦东种植户"])
    for row in letters.context["table"].cells():
        assert page.get(row[0]["url"]).status_code == 200


def test_overdue_obligations_come_first(world, made, login):
    page = login(world.pudong.district_officer)
    statuses = values(page.get("/analysis/records/obligations/"), 7)
    assert statuses == sorted(statuses, key=["逾期", "待完成", "已完成"].index)
    plots = page.get("/analysis/records/plots/", {"new": "1", "sort": "-area"})
    areas = values(plots, 3)
    assert len(areas) == 3 and areas == sorted(areas, reverse=True)
