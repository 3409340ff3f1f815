"""A record that hands a case to enforcement links to opening it, for those who may."""

from .case_factories import failed_sample, refer_inspection


def test_a_proposed_follow_up_links_to_a_new_case(world, login):
    sample = failed_sample(world, world.pudong)
    path = f"/follow-ups/{sample.follow_up.pk}/"
    link = f"/cases/new/?sample={sample.sample_no}"
    assert link in login(world.pudong.enforcement_officer).get(path).content.decode()
    assert link not in login(world.pudong.town_officer).get(path).content.decode()


def test_an_inspection_referred_links_to_a_new_case(world, login):
    inspection = refer_inspection(world.pudong)
    path = f"/inspections/{inspection.pk}/"
    link = f"/cases/new/?inspection={inspection.pk}"
    assert link in login(world.pudong.enforcement_officer).get(path).content.decode()
    passed = refer_inspection(world.pudong, result="pass")
    assert "/cases/new/" not in login(world.pudong.enforcement_officer).get(
        f"/inspections/{passed.pk}/").content.decode()
