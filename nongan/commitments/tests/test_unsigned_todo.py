"""待签承诺书 on the to-do lists: `unsigned_for(user, today)` lists the producers in the user's
area with a letter of this year's campaign and no commitment, due or overdue by the deadline."""

import datetime as dt

from nongan.commitments.queries import unsigned_for
from nongan.testing import make_plot, make_producer

from .factories import city_campaign, sign, this_year


def test_unsigned_producers_are_due_then_overdue(world):
    p = world.pudong
    other = make_producer(p.village2, actor=world.city_admin, name="柴场合作社")
    make_plot(other)
    campaign = city_campaign(world.city_admin, year=this_year())
    sign(p.producer, p.the_producer, year=campaign.year)
    before = campaign.deadline - dt.timedelta(days=1)
    items = unsigned_for(p.district_officer, before)
    assert [(i["producer"], i["campaign"], i["due"], i["status"]) for i in items] == [
        (other, campaign, campaign.deadline, "due")]
    after = campaign.deadline + dt.timedelta(days=1)
    assert [i["status"] for i in unsigned_for(p.district_officer, after)] == ["overdue"]
    # the grid worker of village 201 has nothing left; Chongming's officer has its own one
    assert unsigned_for(p.grid_worker, before) == []
    assert [i["producer"] for i in unsigned_for(world.chongming.district_officer, before)] == [
        world.chongming.the_producer]
    # the city sees both districts
    assert len(unsigned_for(world.city_admin, before)) == 2
    # last year's campaign is off the list in a new year
    assert unsigned_for(p.district_officer, dt.date(campaign.year + 1, 1, 2)) == []


def test_a_producer_account_sees_only_its_own_item(world):
    campaign = city_campaign(world.city_admin, year=this_year())
    mine = unsigned_for(world.pudong.producer, campaign.deadline)
    assert [i["producer"] for i in mine] == [world.pudong.the_producer]


def test_the_to_do_page_lists_the_unsigned(world, login):
    p = world.pudong
    other = make_producer(p.village2, actor=world.city_admin, name="柴场合作社")
    make_plot(other)
    city_campaign(world.city_admin, year=this_year())
    assert "柴场合作社" in unsigned_section(login(p.district_officer))
    assert "柴场合作社" not in unsigned_section(login(world.chongming.district_officer))
    sign(p.district_officer, other, year=this_year())
    assert "柴场合作社" not in unsigned_section(login(p.district_officer))


def unsigned_section(client) -> str:
    page = client.get("/todo/").content.decode()
    start = page.find('id="commitments"')
    return page[start:page.find("</section>", start)] if start >= 0 else ""
