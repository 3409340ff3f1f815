"""The to-do page's enforcement section: hand-overs without a case (应上尽上), results past
their 20 working days unpublished, and the cases' time limits — only the user's own district."""

import datetime as dt

from django.utils import timezone

from nongan.core.workdays import load_calendar
from nongan.enforcement.models import Target
from nongan.enforcement.services import spot_checks

from .case_factories import decided_case, failed_sample, open_case, refer_inspection
from .spot_check_factories import drawn, officer


def todo(login, user) -> str:
    response = login(user).get("/todo/")
    assert response.status_code == 200
    return response.content.decode()


def test_hand_overs_wait_on_the_list_until_a_case_is_opened(world, login):
    load_calendar()
    inspection = refer_inspection(world.pudong)
    sample = failed_sample(world, world.pudong)
    page = todo(login, world.pudong.enforcement_officer)
    assert f"/cases/new/?inspection={inspection.pk}" in page
    assert f"/cases/new/?sample={sample.sample_no}" in page
    assert f"?inspection={inspection.pk}" not in todo(login, world.chongming.enforcement_officer)
    open_case(world.pudong, source="inspection", inspection=inspection.pk, party=None,
              opened_on=timezone.localdate())
    assert f"?inspection={inspection.pk}" not in todo(login, world.pudong.enforcement_officer)


def test_a_result_unpublished_past_its_due_date_is_overdue(world, login):
    officer()
    check = drawn(world.pudong.enforcement_officer, share="1")
    target = check.targets.first()
    spot_checks.record_check_result(target, {"result": "pass"},
                                    actor=world.pudong.enforcement_officer)
    assert "抽查结果逾期未公示" not in todo(login, world.pudong.district_officer)
    Target.objects.filter(pk=target.pk).update(publish_due=timezone.localdate() - dt.timedelta(days=3))
    page = todo(login, world.pudong.district_officer)
    assert "抽查结果逾期未公示" in page and "逾期 3 天" in page
    assert "抽查结果逾期未公示" not in todo(login, world.chongming.district_officer)


def test_case_time_limits_show_with_their_dates(world, login):
    case = decided_case(world.pudong)
    page = todo(login, world.pudong.enforcement_officer)
    assert case.case_no in page and "处罚决定书逾期未送达" in page
    assert case.case_no not in todo(login, world.pudong.grid_worker)
