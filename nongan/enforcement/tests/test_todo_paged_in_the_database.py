"""The to-do page's enforcement list, counted and paged by the database (`overdue_page`), is
the whole list (`overdue`) cut into pages: leads of each kind ordered by the day received
(their due dates 7 working days on), publications, and the cases' time limits — the same
items in the same order, the same count and late count on every page; another district's
never appear."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.core.workdays import load_calendar
from nongan.enforcement import todo
from nongan.enforcement.case_rules import case_alerts
from nongan.enforcement.models import PenaltyNotice, Target
from nongan.enforcement.services.cases import publish_notice
from nongan.inspections.models import Inspection
from nongan.monitoring import services as monitoring
from nongan.monitoring.models import FollowUp
from nongan.testing import assert_pages_slice, make_sample

from .case_factories import (
    days_ago,
    decided_case,
    failed_sample,
    investigated,
    noticed,
    open_case,
    refer_inspection,
    refer_target,
    served_case,
    step,
)


def received(days: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(days_ago(days), dt.time(9)))


@pytest.fixture
def listed(world):
    """Pudong's leads of each kind, late and not (two on one day), a result unpublished,
    cases with each time limit; Chongming's lead and case."""
    load_calendar()
    side = world.pudong
    targets = [refer_target(side, concluded_on=days_ago(n)) for n in (20, 20, 1)]
    Target.objects.filter(pk=targets[0].pk).update(publish_due=days_ago(4))
    first = failed_sample(world, side)
    second = make_sample(side.the_producer, actor=world.lab, plan=first.plan_id)
    monitoring.record_results(second, [{"analyte": "毒死蜱", "value": "0.5"}], actor=world.lab)
    monitoring.propose_case(FollowUp.objects.get(sample=second), "涉嫌使用禁用农药",
                            actor=side.district_officer)
    for sample, n in ((first, 20), (second, 2)):
        FollowUp.objects.filter(sample=sample).update(proposed_at=received(n))
    for n in (30, 20, 0):
        inspection = refer_inspection(side)
        Inspection.objects.filter(pk=inspection.pk).update(finished_at=received(n))
    decided_case(side)                            # not served in time, not published
    served_case(side)                             # the fine unpaid
    open_case(side, opened_on=days_ago(95))       # the decision overdue
    hearing = open_case(side, opened_on=days_ago(20))
    investigated(hearing, side, on=days_ago(3))
    noticed(hearing, side, on=days_ago(1))        # the hearing window open
    revoked = decided_case(side)                  # revoked, its publication not withdrawn
    publish_notice(revoked, {}, actor=side.district_officer)
    step(revoked, side, "revoked", days_ago(0), reason="复议撤销")
    PenaltyNotice.objects.filter(case=revoked).update(withdrawn_at=None)
    refer_inspection(world.chongming)
    decided_case(world.chongming)


def test_the_whole_list_keeps_its_order(world, listed):
    items = todo.overdue(world.pudong.district_officer)
    assert items == sorted(items, key=lambda i: (-i["days_overdue"], i["due"]))
    texts = {i["text"].split("：")[0] for i in items}
    assert {"抽查发现违法线索，待决定是否立案", "抽检不合格移交执法，待决定是否立案",
            "巡查移交执法，待决定是否立案", "抽查结果逾期未公示", "处罚决定书逾期未送达",
            "处罚决定逾期未公示", "作出处罚决定期限", "听证申请期限（当事人可申请听证）"} <= texts
    assert any(text.startswith("罚款逾期未缴清") for text in texts)
    leads = [i for i in items if i["text"].endswith("待决定是否立案")]
    # Received 30, 20 (four of them) days ago: late; 2, 1 and 0 days ago: not yet.
    assert [bool(i["days_overdue"]) for i in leads] == [True] * 5 + [False] * 3


@pytest.mark.parametrize("who", ["district_officer", "enforcement_officer"])
def test_every_page_is_a_slice_of_the_whole_list(world, listed, who):
    user = getattr(world.pudong, who)
    whole = todo.overdue(user)
    late = sum(1 for i in whole if i["days_overdue"])
    assert 0 < late < len(whole)
    assert_pages_slice(whole, lambda number, size: todo.overdue_page(user, number, size), late)


def test_the_cases_time_limits_page_alike(world, listed):
    from nongan.enforcement.case_rules import alert_list

    whole = case_alerts(world.pudong.district_officer)
    assert len({a["kind"] for a in whole}) == 6
    assert_pages_slice(
        whole, lambda number, size: alert_list(world.pudong.district_officer).page(number, size),
        sum(1 for a in whole if a["days_left"] < 0), sizes=(1, 4))


def test_another_districts_items_never_appear(world, listed):
    pudong = todo.overdue(world.pudong.district_officer)
    chongming = todo.overdue(world.chongming.district_officer)
    assert chongming and all("chongming" in i["label"] for i in chongming)
    assert not [i for i in pudong if "chongming" in i["label"]]
    page = todo.overdue_page(world.chongming.district_officer, 1, 50)
    assert page["items"] == chongming and page["count"] == len(chongming)
    city = todo.overdue(world.city_admin)
    assert len(city) == len(pudong) + len(chongming)
