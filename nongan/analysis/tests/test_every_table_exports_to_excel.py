"""Every table of the dashboard exports to Excel with the rows the page shows, and every
record list exports all its records (not only the page shown)."""

from io import BytesIO

from openpyxl import load_workbook


def sheet(response) -> list[tuple]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))


def test_each_dashboard_table_exports_its_rows(world, made, login):
    page = login(world.pudong.district_officer)
    tables = page.get("/analysis/").context["tables"]
    assert set(tables) == {"areas", "commitments", "inspections", "obligations",
                           "sample_months", "sample_products", "sample_pesticides",
                           "sample_areas", "warnings", "cases"}
    for name, table in tables.items():
        rows = sheet(page.get("/analysis/", {"format": "xlsx", "table": name}))
        assert list(rows[0]) == table.headers, name
        assert [list(r) for r in rows[1:]] == table.values(), name
        assert len(rows) > 1, name  # the small world fills every table


def test_a_record_list_exports_all_its_records(world, made, login):
    page = login(world.city_admin)
    shown = page.get("/analysis/records/samples/", {"page_size": 2})
    assert shown.context["result"]["count"] == 5 and len(shown.context["table"].rows) == 2
    rows = sheet(page.get("/analysis/records/samples/", {"page_size": 2, "format": "xlsx"}))
    assert rows[0][0] == "样品编号" and len(rows) == 1 + 5
    obligations = page.get("/analysis/records/obligations/")
    rows = sheet(page.get("/analysis/records/obligations/", {"format": "xlsx"}))
    assert len(rows) == 1 + obligations.context["result"]["count"]
