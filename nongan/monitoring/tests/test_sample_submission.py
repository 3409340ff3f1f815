"""Sampling forms (采样单): who may sample what, the sample number, idempotent delivery."""

import datetime as dt
import re

import pytest

from nongan.core.errors import Conflict, FieldErrors
from nongan.monitoring.models import Sample, SampleSequence
from nongan.monitoring.services import submit_sample
from nongan.testing import make_plan, make_sample, sample_payload

from .helpers import small_standard


@pytest.fixture
def plan(world):
    small_standard()
    return make_plan(actor=world.city_admin, lab=world.lab.org)


def test_a_lab_sampler_gets_a_numbered_sample_of_its_plan(world, plan):
    sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    assert re.fullmatch(r"\d{4}310115L\d{5}", sample.sample_no)
    assert sample.lab == world.lab.org
    assert sample.analytes == ["毒死蜱", "啶虫脒"]
    assert sample.category == "蔬菜"
    assert sample.results_due == sample.sampled_at.astimezone(
        dt.timezone(dt.timedelta(hours=8))).date() + dt.timedelta(days=10)
    assert sample.verdict == "incomplete"


def test_serials_count_up_per_year_district_and_kind(world, plan):
    first = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    second = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    other = make_sample(world.chongming.the_producer, actor=world.lab, plan=plan.pk)
    assert int(second.sample_no[-5:]) == int(first.sample_no[-5:]) + 1
    assert other.sample_no[4:10] == "310151" and other.sample_no.endswith("00001")
    assert SampleSequence.objects.get(prefix=first.sample_no[:11]).last == 2


def test_the_same_form_twice_is_one_sample(world, plan):
    payload = sample_payload(world.pudong.the_producer, plan=plan.pk)
    first, created = submit_sample(dict(payload), actor=world.lab)
    again, created_again = submit_sample(dict(payload), actor=world.lab)
    assert (created, created_again) == (True, False)
    assert first.pk == again.pk and Sample.objects.count() == 1
    with pytest.raises(Conflict):
        submit_sample(payload | {"quantity": "3 kg"}, actor=world.lab)


def test_a_lab_samples_only_inside_a_plan_and_only_its_own(world, plan):
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.lab2, plan=plan.pk)
    assert "plan" in exc.value.by_field()
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.lab)
    assert exc.value.by_field()["plan"] == "检测机构抽样须属于一项监测任务"


def test_sampling_outside_the_plan_period_is_refused(world, plan):
    from django.utils import timezone

    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                    sampled_at=timezone.now() - dt.timedelta(days=100))
    assert "sampled_at" in exc.value.by_field()


def test_supervisory_sampling_needs_two_carded_officers(world):
    small_standard()
    officer, lab = world.pudong.enforcement_officer, world.lab.org
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=officer, kind="supervisory", lab=lab.pk)
    assert "两名以上持有效执法证" in exc.value.by_field()["co_samplers"]
    sample = make_sample(world.pudong.the_producer, actor=officer, kind="supervisory",
                         lab=lab.pk, co_samplers=[world.pudong.enforcement_officer2.username])
    assert list(sample.co_samplers.all()) == [world.pudong.enforcement_officer2]


def test_an_expired_card_does_not_count(world):
    second = world.pudong.enforcement_officer2
    second.enforcement_card_valid_to = dt.date(2020, 1, 1)
    second.save()
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.pudong.enforcement_officer,
                    kind="supervisory", lab=world.lab.org.pk, co_samplers=[second.username])
    assert second.username in exc.value.by_field()["co_samplers"] or \
        str(second) in exc.value.by_field()["co_samplers"]


def test_a_grid_worker_may_not_sample_and_an_officer_only_rapid(world, plan):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        make_sample(world.pudong.the_producer, actor=world.pudong.grid_worker)
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.pudong.town_officer,
                    kind="routine", lab=world.lab.org.pk)
    assert "kind" in exc.value.by_field()


def test_the_party_signs_or_the_refusal_is_recorded(world, plan):
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk, refusal=" ")
    assert "party_signature" in exc.value.by_field()


def test_a_plot_of_another_producer_is_refused(world, plan):
    with pytest.raises(FieldErrors) as exc:
        make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                    plot=world.chongming.plot.plot_no)
    assert "不是该主体的地块" in exc.value.by_field()["plot"]


def test_the_position_is_checked_against_the_producers_plots(world, plan):
    from shapely.geometry import shape

    inside = shape(world.pudong.plot.geometry).representative_point()
    sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                         plot=world.pudong.plot.plot_no,
                         location={"lon": inside.x, "lat": inside.y, "accuracy_m": 5})
    assert sample.location_check["inside_plot"] is True
    far = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                      location={"lon": inside.x + 0.05, "lat": inside.y, "accuracy_m": 5})
    assert [f["code"] for f in far.flags] == ["outside_plots"]
