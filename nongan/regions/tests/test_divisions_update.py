import csv

import pytest
from django.core.management import CommandError, call_command

from nongan.regions.models import Grid, Region
from nongan.regions.services import SHIPPED_DIVISIONS
from nongan.testing import PLACES, make_producer

VILLAGE = PLACES["pudong"][2]
TOWN = PLACES["pudong"][1]


def newer_list(tmp_path, *, rename=None, drop=(), add=()):
    rows = list(csv.DictReader(SHIPPED_DIVISIONS.open(encoding="utf-8")))
    out = tmp_path / "divisions-2024.csv"
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["code", "name", "level", "parent_code"])
        writer.writeheader()
        for row in rows:
            if row["code"] in drop:
                continue
            if rename and row["code"] == rename[0]:
                row = row | {"name": rename[1]}
            writer.writerow(row)
        writer.writerows(add)
    return out


def test_the_shipped_list_is_the_whole_city(db):
    counts = {lvl: Region.objects.filter(level=lvl).count()
              for lvl in ("city", "district", "town", "village")}
    assert counts == {"city": 1, "district": 16, "town": 234, "village": 6509}
    assert Grid.objects.filter(kind="village").count() == 6509


def test_a_newer_list_adds_renames_and_retires_without_breaking_records(world, tmp_path):
    producer = make_producer(VILLAGE, actor=world.city_admin)
    new_village = {"code": TOWN[:9] + "299", "name": "新建村村委会", "level": "village",
                   "parent_code": TOWN}
    path = newer_list(tmp_path, rename=(PLACES["pudong"][3], "改名村村委会"), drop=[VILLAGE],
                      add=[new_village])
    call_command("regions", "update", str(path))

    retired = Region.objects.get(code=VILLAGE)
    assert not retired.active and retired.retired_on
    producer.refresh_from_db()
    assert producer.village_id == VILLAGE  # the record keeps pointing at its village
    renamed = Region.objects.get(code=PLACES["pudong"][3])
    assert renamed.name == "改名村村委会" and renamed.former_names
    added = Region.objects.get(code=new_village["code"])
    assert (added.district_id, added.town_id, added.village_id) == (
        "310115000000", TOWN, added.code)
    assert Grid.objects.filter(village=added, kind="village").exists()


def test_a_list_with_an_unknown_parent_changes_nothing(db, tmp_path):
    orphan = {"code": "310115999001", "name": "无主村", "level": "village",
              "parent_code": "310115999000"}
    path = newer_list(tmp_path, add=[orphan], rename=(VILLAGE, "不应改名"))
    with pytest.raises(CommandError):
        call_command("regions", "update", str(path))
    assert Region.objects.get(code=VILLAGE).name != "不应改名"
    assert not Region.objects.filter(code=orphan["code"]).exists()


def test_a_retired_division_that_returns_is_revived(db, tmp_path):
    call_command("regions", "update", str(newer_list(tmp_path, drop=[VILLAGE])))
    call_command("regions", "update", str(SHIPPED_DIVISIONS))
    assert Region.objects.get(code=VILLAGE).active
