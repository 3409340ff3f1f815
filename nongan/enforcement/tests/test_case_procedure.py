"""The procedure of a case, step by step (农业行政处罚程序规定): the order is enforced with
a reason (409), the time limits hold (90 days and its extensions, the hearing window),
every document is numbered and frozen, closing writes the credit file exactly once."""

import datetime as dt
from decimal import Decimal

import pytest

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.workdays import load_calendar
from nongan.credit.models import CreditEvent
from nongan.enforcement.models import Case, CaseStep, PenaltyNotice
from nongan.enforcement.services.cases import publish_notice, record_step

from .case_factories import (
    CHARGES,
    FACTS,
    days_ago,
    decided,
    decided_case,
    investigated,
    noticed,
    open_case,
    served_case,
    step,
)


def errors_of(exc) -> dict:
    return {".".join(map(str, loc)): msg for loc, msg in exc.value.errors}


@pytest.mark.parametrize(("kind", "reason"), [
    ("notice", "须先调查取证"),
    ("decision", "须先事先告知"),
    ("hearing", "未申请听证"),
    ("hearing_request", "事先告知后"),
    ("service", "须先作出处罚决定"),
    ("payment", "送达后才能缴纳"),
    ("closed", "尚未送达"),
    ("revoked", "没有可撤销的决定"),
])
def test_a_step_out_of_order_is_refused_with_its_reason(world, kind, reason):
    side = world.pudong
    case = open_case(side)
    with pytest.raises(Conflict, match=reason):
        step(case, side, kind, days_ago(50), **CHARGES)
    assert list(case.steps.values_list("kind", flat=True)) == ["registered"]


def test_the_whole_procedure_numbers_each_document_once(world):
    side = world.pudong
    case = served_case(side)
    step(case, side, "payment", days_ago(20), amount="50000")
    step(case, side, "closed", days_ago(19), summary="罚款已缴清，结案。")
    case.refresh_from_db()
    year = case.opened_on.year
    numbered = dict(CaseStep.objects.filter(case=case).exclude(doc_no="")
                    .values_list("kind", "doc_no"))
    assert numbered == {"registered": f"浦农立〔{year}〕1号",
                        "investigation": f"浦农检〔{year}〕1号",
                        "notice": f"浦农告〔{year}〕1号",
                        "decision": f"浦农罚〔{year}〕1号",
                        "service": f"浦农送〔{year}〕1号",
                        "closed": f"浦农结〔{year}〕1号"}
    assert case.stage == "closed" and case.closed_on == days_ago(19)
    assert case.paid_amount == Decimal("50000.00")
    decision = CaseStep.objects.get(case=case, kind="decision")
    assert "《中华人民共和国农产品质量安全法》第七十一条" in decision.document
    assert "罚款50000.00元" in decision.document and "百分之三" in decision.document
    notice = CaseStep.objects.get(case=case, kind="notice")
    ask_by = notice.details["hearing_ask_by"]
    assert dt.date.fromisoformat(ask_by).strftime("%Y年%-m月%-d日") in notice.document
    assert "五个工作日" in notice.document


def test_a_document_is_frozen_as_issued(world):
    side = world.pudong
    case = decided_case(side)
    decision = CaseStep.objects.get(case=case, kind="decision")
    before = decision.document
    party = case.party
    party.name = "改名后的合作社"
    party.save()
    step(case, side, "service", days_ago(28), method="邮寄送达", recipient="张三")
    decision.refresh_from_db()
    assert decision.document == before and "改名后的合作社" not in before


def test_a_decision_waits_for_the_hearing_window(world):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side, on=days_ago(3))
    with pytest.raises(Conflict, match="期满后方可作出处罚决定"):
        decided(case, side, on=days_ago(2))


def test_a_decision_after_the_time_limit_needs_an_extension_first(world):
    side = world.pudong
    case = open_case(side, opened_on=days_ago(120))
    investigated(case, side, on=days_ago(110))
    noticed(case, side, on=days_ago(100))
    with pytest.raises(Conflict, match="请先记录延长办案期限"):
        decided(case, side, on=days_ago(20))
    assert not PenaltyNotice.objects.filter(case=case).exists()
    step(case, side, "extension", days_ago(40), reason="案情复杂，需补充检测",
         approver="李局长", approval="head")
    case.refresh_from_db()
    assert case.decision_due == days_ago(120) + dt.timedelta(days=120)
    decided(case, side, on=days_ago(20))
    case.refresh_from_db()
    assert case.decided_on == days_ago(20) and case.stage == "decision"
    extension = CaseStep.objects.get(case=case, kind="extension")
    assert extension.doc_no.startswith("浦农延〔") and "李局长" in extension.document


def test_the_second_extension_needs_a_collective_decision_and_a_third_is_refused(world):
    side = world.pudong
    case = open_case(side, opened_on=days_ago(100))
    extend = {"reason": "需要鉴定", "approver": "局务会"}
    step(case, side, "extension", days_ago(95), approval="head", **extend)
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "extension", days_ago(94), approval="head", **extend)
    assert "集体讨论决定" in errors_of(exc)["approval"]
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "extension", days_ago(94), approval="collective", days=60, **extend)
    assert "30日" in errors_of(exc)["days"]
    step(case, side, "extension", days_ago(94), approval="collective", **extend)
    case.refresh_from_db()
    assert case.decision_due == days_ago(100) + dt.timedelta(days=150)
    with pytest.raises(Conflict, match="已延长两次"):
        step(case, side, "extension", days_ago(93), approval="collective", **extend)


def test_an_extension_is_approved_before_the_limit_runs_out(world):
    side = world.pudong
    case = open_case(side, opened_on=days_ago(100))
    with pytest.raises(Conflict, match="届满"):
        step(case, side, "extension", days_ago(5), reason="r", approver="a",
             approval="head")


def test_a_hearing_is_asked_within_five_working_days_and_held_seven_days_after_notice(world):
    load_calendar()
    side = world.pudong
    case = open_case(side, opened_on=dt.date(2026, 9, 1))
    investigated(case, side, on=dt.date(2026, 9, 10))
    noticed(case, side, on=dt.date(2026, 9, 29))
    # Five working days from 29 Sep 2026 across National Day end on Monday 12 October.
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "hearing_request", dt.date(2026, 10, 13), hearing_on=None,
             place="执法大队听证室")
    assert "2026-10-12" in errors_of(exc)["occurred_on"]
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "hearing_request", dt.date(2026, 10, 12),
             hearing_on=dt.date(2026, 10, 15), place="执法大队听证室")
    assert "2026-10-19" in errors_of(exc)["hearing_on"]
    asked = step(case, side, "hearing_request", dt.date(2026, 10, 12),
                 hearing_on=dt.date(2026, 10, 20), place="执法大队听证室", host="赵主持")
    assert asked.doc_kind == "听证通知书" and "2026年10月20日" in asked.document
    with pytest.raises(Conflict, match="须先举行听证"):
        decided(case, side, on=dt.date(2026, 10, 16))
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "hearing", dt.date(2026, 10, 16), summary="当事人到场陈述")
    assert "2026-10-19" in errors_of(exc)["occurred_on"]
    step(case, side, "hearing", dt.date(2026, 10, 20), summary="当事人到场陈述")
    decision = decided(case, side, on=dt.date(2026, 10, 26))
    assert "依当事人申请举行了听证" in decision.document


@pytest.mark.parametrize(("penalties", "field", "words"), [
    ([{"kind": "fine", "amount": None, "text": ""}], "penalties.0.amount", "罚款须填写金额"),
    ([{"kind": "fine", "amount": "-5", "text": ""}], "penalties.0.amount", "应大于0"),
    ([{"kind": "fine", "amount": "1.005", "text": ""}], "penalties.0.amount", "两位小数"),
    ([{"kind": "warning", "amount": "100", "text": ""}], "penalties.0.amount", "不填写金额"),
    ([{"kind": "jail", "amount": None, "text": ""}], "penalties.0.kind", "处罚种类"),
    ([{"kind": "other", "amount": None, "text": ""}], "penalties.0.text", "写明内容"),
    ([], "penalties", "至少填写一项"),
])
def test_penalties_are_checked_row_by_row(world, penalties, field, words):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    with pytest.raises(FieldErrors) as exc:
        decided(case, side, penalties=penalties)
    assert words in errors_of(exc)[field]
    assert Case.objects.get(pk=case.pk).decided_on is None


def test_a_decision_needs_a_legal_basis_that_exists(world):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    for codes, words in (([], "至少选择一项"), (["NCPAQ-99"], "NCPAQ-99")):
        with pytest.raises(FieldErrors) as exc:
            decided(case, side, legal_bases=codes)
        assert words in errors_of(exc)["legal_bases"]


def test_an_investigation_needs_evidence_and_two_carded_officers(world):
    side = world.pudong
    case = open_case(side)
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "investigation", days_ago(55), evidence=[],
             officers=[side.enforcement_officer.username])
    found = errors_of(exc)
    assert "证据" in found["evidence"] and "两名以上" in found["officers"]
    plain = step(case, side, "investigation", days_ago(55), evidence=["询问笔录"])
    assert plain.doc_no == "" and plain.document == ""  # no site check, no 现场检查笔录


def test_steps_are_dated_in_order_and_never_in_the_future(world):
    side = world.pudong
    case = open_case(side)
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "investigation", days_ago(61), evidence=["x"])
    assert "不能早于上一环节" in errors_of(exc)["occurred_on"]
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "investigation", days_ago(-1), evidence=["x"])
    assert "不能晚于今天" in errors_of(exc)["occurred_on"]


def test_a_decision_opens_its_notice_due_seven_working_days_later(world):
    side = world.pudong
    case = decided_case(side)
    notice = PenaltyNotice.objects.get(case=case)
    assert notice.published_at is None and notice.content == {}
    from nongan.enforcement.case_rules import notice_due
    assert notice.due_on == notice_due(case.decided_on)


def test_payment_with_surcharge_after_the_due_date(world):
    side = world.pudong
    case = served_case(side, served=days_ago(28))
    assert case.payment_due == days_ago(13)
    # Ten days late: 30 % of 50,000 is owed on top; a payment of the fine alone falls short.
    paid = step(case, side, "payment", days_ago(3), amount="50000")
    assert paid.details["surcharge"] == "15000.00"
    assert paid.details["outstanding"] == "15000.00"
    with pytest.raises(Conflict, match="尚未缴清"):
        step(case, side, "closed", days_ago(3))
    with pytest.raises(FieldErrors) as exc:
        step(case, side, "payment", days_ago(3), amount="15000.01")
    assert "超过应缴金额" in errors_of(exc)["amount"]
    step(case, side, "payment", days_ago(3), amount="15000")
    with pytest.raises(Conflict, match="已缴清"):
        step(case, side, "payment", days_ago(3), amount="1")
    step(case, side, "closed", days_ago(2))
    closing = CaseStep.objects.get(case=case, kind="closed")
    assert "加处罚款 15000.00 元" in closing.document


def test_closing_writes_exactly_one_credit_event(world):
    side = world.pudong
    case = served_case(side)
    step(case, side, "execution", days_ago(20), measure="申请人民法院强制执行",
         text="已申请强制执行")
    step(case, side, "closed", days_ago(19))
    event = CreditEvent.objects.get(producer=case.party)
    assert (event.kind, event.source, event.serious) == ("penalty", f"case:{case.pk}", False)
    assert event.link == f"/cases/{case.pk}/" and case.case_no in event.summary
    with pytest.raises(Conflict, match="已结案"):
        step(case, side, "closed", days_ago(19))
    assert CreditEvent.objects.filter(producer=case.party).count() == 1


def test_a_serious_case_is_a_serious_credit_event(world):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    decided(case, side, serious=True)
    step(case, side, "service", days_ago(28), method="留置送达", recipient="张三")
    step(case, side, "payment", days_ago(20), amount="50000")
    step(case, side, "closed", days_ago(19))
    assert CreditEvent.objects.get(producer=case.party, kind="penalty").serious


def test_the_seriousness_follows_the_legal_basis_unless_said(world):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    decided(case, side, legal_bases=["NCPAQ-70"])
    case.refresh_from_db()
    assert case.serious and list(case.legal_bases.values_list("code", flat=True)) == [
        "NCPAQ-70"]


def test_revoking_withdraws_the_notice_the_same_day_and_tells_the_credit_file(world):
    side = world.pudong
    case = served_case(side)
    step(case, side, "payment", days_ago(20), amount="50000")
    step(case, side, "closed", days_ago(19))
    publish_notice(case, {}, actor=side.district_officer)
    revoked = step(case, side, "revoked", days_ago(0), reason="复议决定撤销")
    case.refresh_from_db()
    notice = PenaltyNotice.objects.get(case=case)
    assert case.stage == "revoked"
    assert notice.withdrawn_at is not None and "复议决定撤销" in notice.withdraw_reason
    assert notice.withdraw_due == dt.date.fromisoformat(revoked.details["withdraw_due"])
    kinds = sorted(CreditEvent.objects.filter(producer=case.party).values_list("kind",
                                                                              flat=True))
    assert kinds == ["penalty", "penalty_revoked"]
    with pytest.raises(Conflict, match="已撤销"):
        step(case, side, "execution", days_ago(0), text="x")


def test_a_corrected_fact_is_a_new_step_never_an_edit(world):
    side = world.pudong
    case = open_case(side)
    first = investigated(case, side)
    step(case, side, "investigation", days_ago(54), evidence=["补充询问笔录"])
    first.refresh_from_db()
    assert first.details["evidence"] == ["抽样单", "检测报告", "询问笔录"]
    assert case.steps.filter(kind="investigation").count() == 2
    noticed(case, side)
    with pytest.raises(Conflict, match="已作出事先告知"):
        noticed(case, side, facts=FACTS + "补充")


def test_any_enforcement_officer_of_the_district_may_act(world):
    side = world.pudong
    from nongan.testing import enforcement_card, make_user

    colleague = make_user("enforcement_officer", side.district, username="pudong-law9",
                          **enforcement_card("pudong", 9))
    case = open_case(side)
    record_step(case, {"kind": "investigation", "occurred_on": days_ago(55),
                       "evidence": ["询问笔录"]}, actor=colleague)
    from django.core.exceptions import PermissionDenied
    with pytest.raises(PermissionDenied):
        record_step(case, {"kind": "investigation", "occurred_on": days_ago(54),
                           "evidence": ["x"]}, actor=side.district_officer)
