"""Months and period ends are Shanghai's: a sample taken at 00:30 on 1 November in
Shanghai is November's, although it is still 31 October in UTC."""

from nongan.inspections.schedules import shanghai_today

from .factories import BANNED, PASSED, limits, sample, shanghai


def test_a_sample_half_an_hour_either_side_of_midnight(world, api):
    limits()
    year = shanghai_today().year - 1
    sample(world, world.pudong.the_producer, shanghai(year, 10, 31, 23, 30), PASSED)
    sample(world, world.pudong.the_producer, shanghai(year, 11, 1, 0, 30), BANNED)
    officer = api(world.pudong.district_officer)
    months = officer.get("/stats/samples", by="month", **{
        "from": f"{year}-09-01", "to": f"{year}-12-31"}).json()["items"]
    assert [(m["month"], m["total"], m["non_compliant"], m["rate"]) for m in months] == [
        (f"{year}-09", 0, 0, None), (f"{year}-10", 1, 0, 0.0), (f"{year}-11", 1, 1, 100.0),
        (f"{year}-12", 0, 0, None)]
    november = officer.get("/stats/samples", by="month", **{
        "from": f"{year}-11-01", "to": f"{year}-11-30"}).json()
    assert november["totals"]["total"] == 1
    october = officer.get("/stats/samples", by="month", **{
        "from": f"{year}-10-31", "to": f"{year}-10-31"}).json()
    assert october["totals"]["total"] == 1 and october["items"][0]["month"] == f"{year}-10"
