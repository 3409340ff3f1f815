"""承诺书按期签订率: letters sent by 31 March and commitments signed by then."""

from nongan.commitments.models import Letter
from nongan.commitments.services import issue_letters
from nongan.commitments.tests.factories import sign, start
from nongan.testing import make_plot, make_producer

from .factories import LAST_YEAR, day, measure


def _campaign(side):
    campaign = start(side.district_officer, year=LAST_YEAR)
    issue_letters(campaign, actor=side.district_officer)
    Letter.objects.filter(campaign=campaign).update(issued_on=day(3, 1))
    return campaign


def test_signed_by_the_deadline_counts_late_and_unsigned_do_not(world):
    pudong = world.pudong
    late = make_producer(pudong.village, name="晚签合作社")
    make_plot(late)
    unsigned = make_producer(pudong.village, name="未签合作社")
    _campaign(pudong)
    sign(pudong.district_officer, pudong.the_producer, signed_on=day(3, 20))
    commitment = sign(pudong.district_officer, late, signed_on=day(4, 10))

    found = measure("commitments_on_time", pudong.district)

    assert (found.numerator, found.denominator) == (1, 3)
    reasons = {m.pk: m.reason for m in found.misses}
    assert reasons == {
        str(commitment.pk): f"承诺书于{day(4, 10)}签订，晚于{day(3, 31)}",
        str(unsigned.pk): f"已发告知书，{day(3, 31)}前未签订承诺书"}
    assert {m.url for m in found.misses} == {f"/commitments/{commitment.pk}/",
                                              f"/producers/{unsigned.pk}/"}


def test_a_later_deadline_in_the_table_counts_the_late_one(world):
    pudong = world.pudong
    _campaign(pudong)
    sign(pudong.district_officer, pudong.the_producer, signed_on=day(4, 10))
    assert measure("commitments_on_time", pudong.district).achieved == 0
    assert measure("commitments_on_time", pudong.district, deadline="04-30").achieved == 1


def test_a_letter_sent_after_the_deadline_is_not_owed_by_it(world):
    pudong = world.pudong
    campaign = _campaign(pudong)
    newcomer = make_producer(pudong.village, name="新登记合作社")
    issue_letters(campaign, actor=pudong.district_officer)
    Letter.objects.filter(producer=newcomer).update(issued_on=day(6, 1))
    sign(pudong.district_officer, pudong.the_producer, signed_on=day(3, 2))
    found = measure("commitments_on_time", pudong.district)
    assert (found.numerator, found.denominator) == (1, 1)


def test_no_campaign_after_the_deadline_misses_the_whole_line(world):
    found = measure("commitments_on_time", world.chongming.district)
    assert (found.numerator, found.denominator) == (0, 1)
    assert found.misses[0].model == "commitments.campaign"
    assert "未发起本年度告知书发放和承诺书签订工作" in found.misses[0].reason
    # An urban district without producers owes no campaign.
    assert measure("commitments_on_time", "310101000000").denominator == 0
    # Before the deadline nothing is due yet.
    assert measure("commitments_on_time", world.chongming.district,
                   today=day(3, 31)).denominator == 0
