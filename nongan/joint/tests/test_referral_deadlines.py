"""Time limits of a referral come from joint/data/deadlines.csv (《行政执法机关移送涉嫌犯罪
案件的规定》 for the police): the answer is due 3 days after the police receive a case,
15 working days for market regulation by default, or on the day the officer set; an
overdue answer shows in the list, on the case page and on the case list."""

import datetime as dt

import pytest

from nongan.core.workdays import add_working_days
from nongan.enforcement.tests.case_factories import days_ago
from nongan.joint import deadlines

from .factories import answer, referral

pytestmark = pytest.mark.django_db


def test_the_shipped_limits_cite_their_source():
    rows = deadlines.limits()
    approval = rows[("criminal", "approval")]
    assert (approval.amount, approval.unit) == (3, "days")
    assert "第五条" in approval.basis and "移送涉嫌犯罪案件的规定" in approval.basis
    assert rows[("criminal", "transfer")].due(dt.date(2026, 5, 1)) == dt.date(2026, 5, 2)
    assert rows[("criminal", "answer")].amount == 3
    assert rows[("criminal", "reconsideration")].amount == 3
    assert rows[("criminal", "handover")].amount == 3
    assert rows[("circulation", "answer")].to_check


def test_the_police_answer_is_due_three_days_after_receipt(world):
    side = world.pudong
    made = referral(side)
    assert made.answer_due == days_ago(7)
    assert deadlines.answer_overdue(made, days_ago(0)) == 7
    received = answer(made, side, "received", on=days_ago(9))
    assert received.answer_due == days_ago(6)
    accepted = answer(received, side, "accepted", on=days_ago(5))
    assert deadlines.answer_overdue(accepted, days_ago(0)) == 0
    rows = {r["key"]: r for r in deadlines.deadlines(accepted, days_ago(0))}
    assert rows["answer"]["state"] == "late" and rows["answer"]["done"] == days_ago(5)
    assert rows["handover"]["due"] == days_ago(2) and rows["handover"]["state"] == "bad"


def test_approval_and_transfer_are_checked_when_reported(world):
    made = referral(world.pudong, reported_on=days_ago(16), approved_on=days_ago(12))
    rows = {r["key"]: r for r in deadlines.deadlines(made, days_ago(0))}
    assert rows["approval"]["due"] == days_ago(13) and rows["approval"]["state"] == "late"
    assert rows["transfer"]["due"] == days_ago(11) and rows["transfer"]["state"] == "late"


def test_a_declined_referral_offers_reconsideration_for_three_days(world):
    side = world.pudong
    declined = answer(referral(side), side, "declined", on=days_ago(1), text="不予立案")
    rows = {r["key"]: r for r in deadlines.deadlines(declined, days_ago(0))}
    assert rows["reconsideration"]["due"] == days_ago(-2)
    assert rows["reconsideration"]["state"] == "ok"
    later = {r["key"]: r for r in deadlines.deadlines(declined, days_ago(-5))}
    assert later["reconsideration"]["state"] == "passed"


def test_market_regulation_has_fifteen_working_days_and_an_officer_may_set_the_day(world):
    side = world.pudong
    market = referral(side, kind="circulation")
    assert market.answer_due == add_working_days(days_ago(10), 15)
    custom = referral(side, kind="environment", answer_due=days_ago(-30))
    assert custom.answer_due == days_ago(-30) and custom.answer_due_custom
    assert answer(custom, side, "received").answer_due == days_ago(-30)


def test_overdue_answers_show_in_the_list_and_on_the_case_pages(world, login, api):
    side = world.pudong
    late = referral(side)
    waiting = referral(side, kind="circulation")
    officer = api(side.district_officer)
    items = officer.get("/referrals", overdue=True).json()["items"]
    assert [i["referral_no"] for i in items] == [late.referral_no]
    assert items[0]["answer_overdue_days"] == 7
    client = login(side.district_officer)
    page = client.get("/referrals/?overdue=1").content.decode()
    assert late.referral_no in page and waiting.referral_no not in page
    case_page = client.get(f"/cases/{late.case_id}/").content.decode()
    assert "逾期未回复 7 天" in case_page
    assert "1 件移送逾期未获对方回复" in client.get("/cases/").content.decode()
    assert "逾期未获对方回复" not in login(world.chongming.district_officer).get(
        "/cases/").content.decode()
