"""Opening a case (立案): from a spot check, a failed sample, an inspection handed over or a
complaint; two officers with valid cards; within the time bar; numbered by its 立案审批表;
in the district's list at once (应上尽上)."""

import datetime as dt

import pytest

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement.models import Case, CaseStep
from nongan.enforcement.services.cases import open_case
from nongan.monitoring.models import FollowUpNote
from nongan.testing import make_user

from .case_factories import (
    FACTS,
    days_ago,
    failed_sample,
    officers,
    refer_inspection,
    refer_target,
)
from .case_factories import open_case as make_case


def data(side, **fields) -> dict:
    return {"source": "complaint", "complaint": "群众反映该合作社使用禁用农药",
            "party": side.the_producer.pk, "title": "涉嫌使用禁用农药案", "facts": FACTS,
            "officers": officers(side)} | fields


def errors_of(exc) -> dict:
    return {".".join(map(str, loc)): msg for loc, msg in exc.value.errors}


def test_the_case_number_is_the_filing_forms_number_and_the_list_shows_it(world, api):
    side = world.pudong
    case = make_case(side)
    registered = CaseStep.objects.get(case=case, kind="registered")
    year = case.opened_on.year
    assert case.case_no == registered.doc_no == f"浦农立〔{year}〕1号"
    assert registered.doc_kind == "立案审批表" and case.case_no in registered.document
    assert "pudong合作社" in registered.document and case.title in registered.document
    assert case.stage == "registered"
    assert case.decision_due == case.opened_on + dt.timedelta(days=90)
    assert AuditEntry.objects.filter(action="case.open", object_id=str(case.pk)).exists()
    # 应上尽上: the district's list has it at once, for every officer of the district.
    for user in (side.enforcement_officer2, side.district_officer):
        listed = api(user).get("/cases").json()
        assert [c["case_no"] for c in listed["items"]] == [case.case_no]
    assert make_case(side).case_no == f"浦农立〔{year}〕2号"


def test_a_spot_check_target_found_for_a_case_opens_one(world):
    side = world.pudong
    target = refer_target(side)
    case = open_case(data(side, source="spot_check", target=target.pk, party=None),
                     actor=side.enforcement_officer)
    assert case.target == target and case.party == target.producer
    with pytest.raises(Conflict, match=case.case_no):
        open_case(data(side, source="spot_check", target=target.pk, party=None),
                  actor=side.enforcement_officer)


def test_a_target_without_refer_cannot_open_a_case(world):
    side = world.pudong
    target = refer_target(side, result="rectify")
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, source="spot_check", target=target.pk),
                  actor=side.enforcement_officer)
    assert "立案查处" in errors_of(exc)["target"]


def test_a_failed_sample_opens_a_case_and_notes_it_on_the_follow_up(world):
    side = world.pudong
    sample = failed_sample(world, side)
    case = open_case(data(side, source="sample", sample=sample.sample_no, party=None),
                     actor=side.enforcement_officer)
    assert case.sample == sample and case.follow_up == sample.follow_up
    assert case.party == sample.producer
    note = FollowUpNote.objects.filter(follow_up=sample.follow_up).last()
    assert case.case_no in note.text and note.author == side.enforcement_officer


def test_a_sample_whose_follow_up_was_not_handed_over_leaves_monitoring_untouched(world):
    side = world.pudong
    sample = failed_sample(world, side, propose=False)
    notes = FollowUpNote.objects.filter(follow_up=sample.follow_up).count()
    case = open_case(data(side, source="sample", sample=sample.sample_no),
                     actor=side.enforcement_officer)
    assert case.sample == sample and case.follow_up is None
    assert FollowUpNote.objects.filter(follow_up=sample.follow_up).count() == notes


def test_an_inspection_handed_over_opens_a_case(world):
    side = world.pudong
    inspection = refer_inspection(side)
    case = open_case(data(side, source="inspection", inspection=inspection.pk),
                     actor=side.enforcement_officer)
    assert case.inspection == inspection
    passed = refer_inspection(side, result="pass")
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, source="inspection", inspection=passed.pk),
                  actor=side.enforcement_officer)
    assert "移交执法" in errors_of(exc)["inspection"]


@pytest.mark.parametrize(("change", "field", "words"), [
    ({"facts": ""}, "facts", "案情摘要"),
    ({"title": "  "}, "title", "案由"),
    ({"officers": []}, "officers", "两名以上"),
    ({"complaint": ""}, "complaint", "投诉举报内容"),
    ({"source": "rumour"}, "source", "案件来源"),
    ({"opened_on": dt.date.today() + dt.timedelta(days=2)}, "opened_on", "不能晚于今天"),
])
def test_bad_input_is_named_field_by_field(world, change, field, words):
    with pytest.raises(FieldErrors) as exc:
        open_case(data(world.pudong) | change, actor=world.pudong.enforcement_officer)
    assert words in errors_of(exc)[field]
    assert not Case.objects.exists()


def test_one_officer_or_one_with_a_lapsed_card_is_not_enough(world):
    side = world.pudong
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, officers=[side.enforcement_officer.username]),
                  actor=side.enforcement_officer)
    assert "两名以上" in errors_of(exc)["officers"]
    lapsed = make_user("enforcement_officer", side.district, username="pudong-lapsed",
                       full_name="过期证", enforcement_card_no="31PU999999",
                       enforcement_card_valid_to=days_ago(1))
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, officers=[side.enforcement_officer.username, lapsed.username]),
                  actor=side.enforcement_officer)
    assert "执法证无效或已过期：过期证" in errors_of(exc)["officers"]
    # An officer of another district does not handle this district's case.
    other = world.chongming.enforcement_officer.username
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, officers=[side.enforcement_officer.username, other]),
                  actor=side.enforcement_officer)
    assert other in errors_of(exc)["officers"]


def test_a_violation_more_than_two_years_old_is_time_barred(world):
    side = world.pudong
    old = days_ago(3 * 365)
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, violation_on=old), actor=side.enforcement_officer)
    message = errors_of(exc)["opened_on"]
    assert old.isoformat() in message and "第三十六条" in message
    # Five years when life or health was endangered.
    case = open_case(data(side, violation_on=old, health_harm=True),
                     actor=side.enforcement_officer)
    assert case.pk


def test_the_time_bar_counts_from_the_sources_date(world):
    side = world.pudong
    target = refer_target(side, concluded_on=days_ago(800))
    with pytest.raises(FieldErrors) as exc:
        open_case(data(side, source="spot_check", target=target.pk),
                  actor=side.enforcement_officer)
    assert "已满2年" in errors_of(exc)["opened_on"]


def test_only_enforcement_officers_of_the_partys_district_open_cases(world):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        open_case(data(world.pudong), actor=world.pudong.district_officer)
    with pytest.raises(FieldErrors) as exc:
        open_case(data(world.pudong, officers=officers(world.chongming)),
                  actor=world.chongming.enforcement_officer)
    assert "当事人不存在" in errors_of(exc)["party"]
    # Another district's spot-check target is not even found.
    target = refer_target(world.pudong)
    with pytest.raises(FieldErrors) as exc:
        open_case(data(world.chongming, source="spot_check", target=target.pk, party=None),
                  actor=world.chongming.enforcement_officer)
    assert "抽查对象不存在" in errors_of(exc)["target"]
    assert not Case.objects.exists()
