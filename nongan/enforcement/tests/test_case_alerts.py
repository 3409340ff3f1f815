"""The to-do list of cases (待办): what is due soon or late, for the district's officers."""

from django.utils import timezone

from nongan.enforcement.case_rules import case_alerts
from nongan.enforcement.models import PenaltyNotice
from nongan.enforcement.services.cases import publish_notice

from .case_factories import (
    days_ago,
    decided_case,
    investigated,
    noticed,
    open_case,
    served_case,
    step,
)


def alerts(user) -> dict:
    return {(a["case"].pk, a["kind"]): a for a in case_alerts(user, timezone.localdate())}


def test_a_decision_due_within_ten_days_or_overdue_is_listed(world):
    side = world.pudong
    soon = open_case(side, opened_on=days_ago(85))
    late = open_case(side, opened_on=days_ago(95))
    calm = open_case(side, opened_on=days_ago(60))
    found = alerts(side.enforcement_officer)
    assert found[(soon.pk, "decision")]["days_left"] == 5
    assert "剩 5 天" in found[(soon.pk, "decision")]["text"]
    assert "已逾期 5 天" in found[(late.pk, "decision")]["text"]
    assert (calm.pk, "decision") not in found


def test_an_open_hearing_window_is_listed_until_it_closes(world):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side, on=days_ago(1))
    assert (case.pk, "hearing_window") in alerts(side.enforcement_officer)
    step(case, side, "hearing_request", days_ago(0), hearing_on=days_ago(-8), place="听证室")
    assert (case.pk, "hearing_window") not in alerts(side.enforcement_officer)


def test_late_service_late_payment_and_unpublished_decisions_are_listed(world):
    side = world.pudong
    unserved = decided_case(side)
    unpaid = served_case(side)
    found = alerts(side.district_officer)
    assert (unserved.pk, "service") in found
    assert (unpaid.pk, "service") not in found
    payment = found[(unpaid.pk, "payment")]
    assert payment["due"] == days_ago(13) and "已加处罚款 19500.00 元" in payment["text"]
    assert "逾期未公示" in found[(unserved.pk, "notice")]["text"]
    publish_notice(unserved, {}, actor=side.district_officer)
    assert (unserved.pk, "notice") not in alerts(side.district_officer)
    step(unpaid, side, "payment", days_ago(0), amount="69500")
    assert (unpaid.pk, "payment") not in alerts(side.district_officer)


def test_a_revoked_decision_still_public_is_listed(world):
    side = world.pudong
    case = decided_case(side)
    publish_notice(case, {}, actor=side.district_officer)
    step(case, side, "revoked", days_ago(0), reason="复议撤销")
    assert (case.pk, "withdraw") not in alerts(side.enforcement_officer)
    # Were the withdrawal lost (a restored backup, a manual edit), the list shows it.
    PenaltyNotice.objects.filter(case=case).update(withdrawn_at=None)
    found = alerts(side.enforcement_officer)[(case.pk, "withdraw")]
    assert "尚未撤下" in found["text"]


def test_closed_cases_and_other_districts_are_not_listed(world):
    side = world.pudong
    case = served_case(side)
    step(case, side, "payment", days_ago(0), amount="69500")
    step(case, side, "closed", days_ago(0))
    publish_notice(case, {}, actor=side.district_officer)
    assert not [k for k in alerts(side.enforcement_officer) if k[0] == case.pk]
    late = open_case(side, opened_on=days_ago(95))
    assert alerts(world.chongming.enforcement_officer) == {}
    assert alerts(world.lab) == {}
    assert (late.pk, "decision") in alerts(world.city_admin)
