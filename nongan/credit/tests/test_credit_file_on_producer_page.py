"""A closed penalty case shows in the party's credit file on its register page, for the
officers of its district and the producer itself — nobody else."""

from nongan.enforcement.tests.case_factories import days_ago, served_case, step


def test_a_closed_case_is_in_the_partys_credit_file(world, login):
    side = world.pudong
    case = served_case(side)
    step(case, side, "payment", days_ago(20), amount="50000")
    path = f"/producers/{side.the_producer.pk}/"
    assert case.case_no not in login(side.district_officer).get(path).content.decode()
    step(case, side, "closed", days_ago(19))
    for user in (side.district_officer, side.producer):
        page = login(user).get(path).content.decode()
        assert "信用记录" in page and case.case_no in page and f"/cases/{case.pk}/" in page
    assert login(world.chongming.district_officer).get(path).status_code == 404
