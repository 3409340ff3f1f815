"""The to-do page's unsigned commitments, counted and paged by the database
(`unsigned_page`), are the whole list (`unsigned_for`) cut into pages: the same items in
the same order (overdue first, then by deadline and producer name), the same count and
number overdue on every page; another district's producers never appear."""

import datetime as dt

from nongan.commitments.queries import unsigned_for, unsigned_page
from nongan.testing import assert_pages_slice, make_producer

from .factories import city_campaign, sign, start, this_year


def test_every_page_is_a_slice_of_the_whole_list(world):
    p = world.pudong
    for name in ("丙合作社", "甲合作社", "甲合作社", "乙合作社"):  # two of one name: a tie
        make_producer(p.village2, actor=world.city_admin, name=name)
    make_producer(world.chongming.village, actor=world.city_admin, name="崇明甲合作社")
    city = city_campaign(world.city_admin, year=this_year())
    start(p.district_officer, year=this_year() + 1)  # Pudong's own, next year's
    sign(p.district_officer, p.the_producer, year=this_year())
    today = city.deadline + dt.timedelta(days=1)  # this year's overdue, next year's due

    whole = unsigned_for(p.district_officer, today)
    assert [(i["producer"].name, i["campaign"].year, i["status"]) for i in whole] == [
        ("丙合作社", this_year(), "overdue"), ("乙合作社", this_year(), "overdue"),
        ("甲合作社", this_year(), "overdue"), ("甲合作社", this_year(), "overdue"),
        *sorted(((name, this_year() + 1, "due") for name in
                 ("丙合作社", "乙合作社", "甲合作社", "甲合作社", p.the_producer.name)),
                key=lambda row: row[0])]
    assert whole[2]["letter"].pk < whole[3]["letter"].pk
    assert_pages_slice(
        whole, lambda number, size: unsigned_page(p.district_officer, number, size, today), 4)

    chongming = unsigned_page(world.chongming.district_officer, 1, 50, today)
    assert {i["producer"].name for i in chongming["items"]} == {
        "崇明甲合作社", world.chongming.the_producer.name}
    assert chongming["count"] == chongming["late"] == 2
