"""Publishing a decision (一公开): a masked copy, its display period within the rules,
taken down when withdrawn; the party's personal data never reaches the copy."""

import json

import pytest
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.enforcement import case_rules as rules
from nongan.enforcement.models import PenaltyNotice
from nongan.enforcement.services.cases import publish_notice, withdraw_notice
from nongan.testing import id_number

from .case_factories import (
    days_ago,
    decided,
    decided_case,
    grower,
    investigated,
    noticed,
    open_case,
    step,
)

KEYS = {"case_no", "doc_no", "party", "uscc", "legal_rep", "title", "facts", "legal_bases",
        "penalties", "fine", "decided_on", "authority"}


def grower_case(world):
    """A case against an individual grower whose ID number and phone appear in the facts,
    handled by officers with full names (public servants, not masked)."""
    side = world.pudong
    person = grower(side, name="王小明", legal_rep="王小明", id_number=id_number(42),
                    phone="13912345678")
    for officer, name in ((side.enforcement_officer, "陈执法"),
                          (side.enforcement_officer2, "刘执法")):
        officer.full_name = name
        officer.save()
    facts = (f"王小明（身份证号{person.id_number}，电话 {person.phone}，另留电话139 1234 5678）"
             "在其承包地种植的韭菜中检出腐霉利超标，执法人员陈执法、刘执法现场检查。")
    case = open_case(side, party=person.pk, title="王小明销售农药残留超标韭菜案",
                     facts=facts)
    investigated(case, side)
    noticed(case, side, facts=facts)
    decided(case, side, facts=facts, penalties=[
        {"kind": "fine", "amount": "5000", "text": "对王小明处以罚款"}])
    case.refresh_from_db()
    return case, person


def test_masked_fields_never_appear_in_the_published_copy(world):
    case, person = grower_case(world)
    notice = publish_notice(case, {}, actor=world.pudong.enforcement_officer)
    content = notice.content
    dumped = json.dumps(content, ensure_ascii=False)
    for raw in (person.id_number, person.phone, "139 1234 5678", person.name, "小明"):
        assert raw not in dumped, raw
    assert set(content) == KEYS
    assert content["party"] == "王**" and content["legal_rep"] == "王**"
    assert content["uscc"] == ""  # an individual grower has none to show
    assert person.id_number[:6] in content["facts"]  # the masked form keeps the area code
    # Officers act in office: their names stay.
    assert "陈执法" in content["facts"] and "刘执法" in content["facts"]
    assert content["penalties"] == ["罚款5000.00元：对王**处以罚款"]
    assert content["fine"] == "5000.00" and content["decided_on"] == case.decided_on.isoformat()
    assert content["doc_no"].startswith("浦农罚〔") and content["case_no"] == case.case_no
    assert content["authority"] == "上海市浦东新区农业农村委员会"
    assert content["legal_bases"] == ["《中华人民共和国农产品质量安全法》第七十一条"]


def test_a_firm_shows_its_credit_code_and_masks_its_representative(world):
    side = world.pudong
    case = decided_case(side)
    content = publish_notice(case, {}, actor=side.district_officer).content
    assert content["uscc"] == side.the_producer.uscc
    assert content["legal_rep"] == "张*" and content["party"] == "pudong合作社"
    assert "张三" not in json.dumps(content, ensure_ascii=False)


def test_the_display_period_defaults_to_the_longest_allowed(world):
    side = world.pudong
    case = decided_case(side)
    notice = publish_notice(case, {}, actor=side.enforcement_officer)
    today = timezone.localdate()
    assert notice.display_until == rules.add_months(today, 12)
    assert notice.published_by == side.enforcement_officer and notice.published_at


@pytest.mark.parametrize(("serious", "months", "ok"), [
    (False, 2, False), (False, 3, True), (False, 12, True), (False, 13, False),
    (True, 5, False), (True, 6, True), (True, 36, True), (True, 37, False),
    (False, "a year", False),
])
def test_the_display_period_stays_within_the_range_for_the_seriousness(world, serious,
                                                                       months, ok):
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    noticed(case, side)
    decided(case, side, serious=serious)
    case.refresh_from_db()
    if ok:
        notice = publish_notice(case, {"display_months": months}, actor=side.district_officer)
        assert notice.display_until == rules.add_months(timezone.localdate(), months)
        return
    with pytest.raises(FieldErrors) as exc:
        publish_notice(case, {"display_months": months}, actor=side.district_officer)
    low, high = rules.display_range(serious)
    assert f"{low}至{high}个月" in exc.value.by_field()["display_months"]
    assert PenaltyNotice.objects.get(case=case).published_at is None


def test_a_notice_is_published_once_and_withdrawn_with_a_reason(world):
    side = world.pudong
    case = decided_case(side)
    with pytest.raises(Conflict, match="尚未公示"):
        withdraw_notice(case, "错误", actor=side.district_officer)
    publish_notice(case, {}, actor=side.district_officer)
    with pytest.raises(Conflict, match="已公示"):
        publish_notice(case, {}, actor=side.district_officer)
    with pytest.raises(FieldErrors):
        withdraw_notice(case, "  ", actor=side.district_officer)
    notice = withdraw_notice(case, "当事人信息有误", actor=side.district_officer)
    assert notice.withdrawn_at and notice.withdraw_reason == "当事人信息有误"
    with pytest.raises(Conflict, match="已撤下"):
        withdraw_notice(case, "再次", actor=side.district_officer)


def test_nothing_to_publish_before_a_decision_or_after_a_revocation(world):
    side = world.pudong
    case = open_case(side)
    with pytest.raises(Conflict, match="尚未作出处罚决定"):
        publish_notice(case, {}, actor=side.district_officer)
    case = decided_case(side)
    step(case, side, "revoked", days_ago(1), reason="发现主体认定错误")
    with pytest.raises(Conflict, match="已撤销"):
        publish_notice(case, {}, actor=side.district_officer)


def test_the_public_query_leaves_out_expired_and_withdrawn_notices(world):
    """What the public site filters on (published, not withdrawn, display_until ≥ today):
    an expired notice drops out by its date alone, with no job run."""
    side = world.pudong
    shown, expired, withdrawn = (decided_case(side) for _ in range(3))
    for case in (shown, expired, withdrawn):
        publish_notice(case, {"display_months": 3}, actor=side.district_officer)
    PenaltyNotice.objects.filter(case=expired).update(display_until=days_ago(1))
    withdraw_notice(withdrawn, "撤下", actor=side.district_officer)
    public = PenaltyNotice.objects.filter(published_at__isnull=False, withdrawn_at=None,
                                          display_until__gte=timezone.localdate())
    assert list(public.values_list("case", flat=True)) == [shown.pk]


def test_only_the_districts_officers_publish(world):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    side = world.pudong
    case = decided_case(side)
    with pytest.raises(PermissionDenied):
        publish_notice(case, {}, actor=side.town_officer)
    with pytest.raises(Http404):
        publish_notice(case, {}, actor=world.chongming.district_officer)
