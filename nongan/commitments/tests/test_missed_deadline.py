"""The daily check: every producer whose letter went out by the deadline and that signed
nothing by it gets one "commitment_missed" credit event; running it again adds nothing."""

import datetime as dt
import io

import pytest
from django.core.management import call_command

from nongan.commitments.services import record_missed
from nongan.credit.models import CreditEvent
from nongan.testing import make_plot, make_producer

from .factories import sign, start, this_year


@pytest.fixture
def last_year(world):
    """Last year's Pudong campaign: three producers, one signed on time, one late."""
    p = world.pudong
    late_signer = make_producer(p.village, actor=world.city_admin)
    silent = make_producer(p.village2, actor=world.city_admin)
    campaign = start(p.district_officer, year=this_year() - 1)
    # as if started in time: the letters went out in January
    campaign.letters.update(issued_on=campaign.deadline - dt.timedelta(days=70))
    for producer in (late_signer, silent):
        make_plot(producer, actor=world.city_admin)
    sign(p.district_officer, p.the_producer, signed_on=campaign.deadline, year=campaign.year)
    sign(p.district_officer, late_signer, signed_on=campaign.deadline + dt.timedelta(days=1),
         year=campaign.year)
    return campaign, late_signer, silent


def missed():
    return CreditEvent.objects.filter(kind="commitment_missed")


def test_missing_the_deadline_is_recorded_once(world, last_year):
    campaign, late_signer, silent = last_year
    assert record_missed(campaign.deadline) == 0  # the deadline day itself is still in time
    assert record_missed(campaign.deadline + dt.timedelta(days=1)) == 2
    assert {(e.producer_id, e.source) for e in missed()} == {
        (late_signer.pk, f"campaign:{campaign.pk}:{late_signer.pk}"),
        (silent.pk, f"campaign:{campaign.pk}:{silent.pk}")}
    event = missed().get(producer=silent)
    assert event.occurred_on == campaign.deadline + dt.timedelta(days=1)
    assert "未在" in event.summary and event.link == f"/commitments/campaigns/{campaign.pk}/"
    assert record_missed() == 0 and record_missed() == 0
    assert missed().count() == 2


def test_a_letter_issued_after_the_deadline_is_not_missed(world, last_year):
    campaign, *_ = last_year
    newcomer = make_producer(world.pudong.village, actor=world.city_admin)
    letter = campaign.letters.model(campaign=campaign, producer=newcomer, number="浦农承告补1号",
                                    serial=99, text="补发", issuer="x",
                                    issued_on=campaign.deadline + dt.timedelta(days=3))
    letter.save()
    record_missed()
    assert not missed().filter(producer=newcomer).exists()


def test_campaigns_before_their_deadline_are_left_alone(world):
    start(world.pudong.district_officer)  # next year's
    assert record_missed() == 0


def test_the_command_runs_the_check(world, last_year):
    out = io.StringIO()
    call_command("commitments", "check", stdout=out)
    assert "recorded 2" in out.getvalue()
    out = io.StringIO()
    call_command("commitments", "check", stdout=out)
    assert "recorded 0" in out.getvalue()
