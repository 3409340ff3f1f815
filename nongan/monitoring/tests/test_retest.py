"""Re-test rights (复检, 农产品质量安全法 Art. 51): told, asked in time, another lab, 7 days."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.workdays import load_calendar
from nongan.monitoring import deadlines, services
from nongan.testing import make_plan, make_sample

from .helpers import small_standard

SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.fixture
def failed(world):
    small_standard()
    load_calendar()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    sample = make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk)
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "2"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    sample.refresh_from_db()
    return sample


def test_no_retest_before_the_party_is_told(world, failed):
    with pytest.raises(Conflict):
        services.request_retest(failed, lab_id=world.lab2.org_id,
                                actor=world.pudong.district_officer)


def test_five_working_days_skip_the_national_day_holiday(world, failed):
    told = dt.datetime(2026, 9, 30, 16, 0, tzinfo=SHANGHAI)
    services.notify_party(failed, actor=world.pudong.district_officer, at=told)
    # 10-01..10-07 holiday, 10-10 (Saturday) a working day: 10-08, 10-09, 10-10, 10-12, 10-13.
    assert timezone.localtime(deadlines.retest_ask_by(failed)).date() == dt.date(2026, 10, 13)


def test_a_retest_goes_to_another_lab_within_the_limit(world, failed):
    told = timezone.now() - dt.timedelta(days=1)
    services.notify_party(failed, actor=world.pudong.district_officer, at=told)
    with pytest.raises(FieldErrors) as exc:
        services.request_retest(failed, lab_id=world.lab.org_id,
                                actor=world.pudong.district_officer)
    assert "原检测机构以外" in exc.value.by_field()["lab"]
    retest = services.request_retest(failed, lab_id=world.lab2.org_id,
                                     actor=world.pudong.district_officer)
    assert retest.retest_of == failed and retest.lab == world.lab2.org
    assert retest.analytes == ["啶虫脒"]
    received = dt.datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)
    services.receive_sample(retest, actor=world.lab2, at=received)
    # 7 working days: 10-08, 10-09, 10-10 (Saturday worked), 10-12 … 10-15.
    assert retest.results_due == dt.date(2026, 10, 15)
    with pytest.raises(Conflict):
        services.request_retest(failed, lab_id=world.lab2.org_id,
                                actor=world.pudong.district_officer)


def test_a_late_request_is_refused(world, failed):
    told = dt.datetime(2026, 1, 5, 9, 0, tzinfo=SHANGHAI)
    services.notify_party(failed, actor=world.pudong.district_officer, at=told)
    with pytest.raises(FieldErrors) as exc:
        services.request_retest(failed, lab_id=world.lab2.org_id,
                                actor=world.pudong.district_officer,
                                at=dt.datetime(2026, 1, 13, 9, 0, tzinfo=SHANGHAI))
    assert "已超过复检申请期限" in exc.value.by_field()["requested_at"]


def test_a_rapid_test_gives_four_hours_and_is_retested_in_a_lab(world):
    small_standard()
    rapid = make_sample(world.pudong.the_producer, actor=world.pudong.town_officer,
                        kind="rapid", lab=world.lab.org.pk, analytes=["有机磷（酶抑制法）"])
    services.record_results(rapid, [{"analyte": "有机磷（酶抑制法）", "outcome": "positive"}],
                            actor=world.lab)
    rapid.refresh_from_db()
    told = timezone.now() - dt.timedelta(hours=5)
    services.notify_party(rapid, actor=world.pudong.town_officer, at=told)
    assert deadlines.retest_ask_by(rapid) == told + dt.timedelta(hours=4)
    with pytest.raises(FieldErrors):
        services.request_retest(rapid, lab_id=world.lab2.org_id,
                                actor=world.pudong.district_officer)
    in_time = told + dt.timedelta(hours=3)
    retest = services.request_retest(rapid, lab_id=world.lab2.org_id,
                                     actor=world.pudong.district_officer, at=in_time)
    assert retest.kind != "rapid"
