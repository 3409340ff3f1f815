"""A case referred to another agency, and the agency's answers: sent → received → accepted
→ closed, or declined with its reason; every other order is a conflict (409), missing input
is named (422), a role that may not act is refused (403), another district's case or
referral does not exist (404)."""

import re

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.enforcement.tests.case_factories import days_ago, open_case
from nongan.joint import services
from nongan.joint.models import Referral

from .factories import REASON, agency, answer, referral

pytestmark = pytest.mark.django_db


def test_a_referral_goes_from_sent_to_received_accepted_and_closed(world):
    side = world.pudong
    made = referral(side)
    assert made.state == "sent"
    assert re.fullmatch(r"浦农移〔\d{4}〕\d+号", made.referral_no)
    answer(made, side, "received", on=days_ago(9))
    answer(made, side, "accepted", on=days_ago(7), letter_no="沪公(浦)立字〔2026〕88号")
    closed = answer(made, side, "closed", on=days_ago(1), text="已移送检察院审查起诉")
    assert closed.state == "closed"
    assert (closed.received_on, closed.accepted_on, closed.closed_on) == (
        days_ago(9), days_ago(7), days_ago(1))
    assert closed.agency_case_no == "沪公(浦)立字〔2026〕88号"
    assert closed.outcome == "已移送检察院审查起诉"
    assert [a.state for a in closed.answers.all()] == ["received", "accepted", "closed"]
    actions = list(AuditEntry.objects.filter(object_type="joint.referral",
                                             object_id=str(made.pk))
                   .order_by("seq").values_list("action", flat=True))
    assert actions == ["referral.send", "referral.answer", "referral.answer",
                       "referral.answer"]


def test_the_referral_letter_is_generated_as_a_pdf_with_the_number(world):
    made = referral(world.pudong)
    letter = made.documents.get(kind="letter")
    assert letter.generated and letter.content_type == "application/pdf"
    with letter.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    assert made.referral_no in letter.name


def test_a_declined_referral_keeps_its_reason_and_ends(world):
    side = world.pudong
    made = referral(side)
    declined = answer(made, side, "declined", text="经审查，涉案金额未达立案追诉标准，不予立案")
    assert declined.state == "declined" and declined.declined_on == days_ago(8)
    assert declined.received_on == days_ago(8)
    assert declined.decline_reason.startswith("经审查")
    with pytest.raises(Conflict):
        answer(declined, side, "closed", text="办结")


def test_declining_without_a_reason_or_closing_without_an_outcome_is_refused(world):
    side = world.pudong
    made = referral(side)
    with pytest.raises(FieldErrors) as declined:
        answer(made, side, "declined", text=" ")
    assert declined.value.by_field() == {"text": "须填写对方不予受理（退回）的理由"}
    answer(made, side, "accepted")
    with pytest.raises(FieldErrors) as closed:
        answer(made, side, "closed")
    assert "text" in closed.value.by_field()


@pytest.mark.parametrize("steps, to", [
    ([], "closed"),
    (["accepted"], "received"),
    (["accepted"], "accepted"),
    (["accepted", "closed"], "declined"),
])
def test_an_answer_out_of_order_is_a_conflict(world, steps, to):
    side = world.pudong
    made = referral(side)
    for step in steps:
        made = answer(made, side, step, text="结果")
    with pytest.raises(Conflict):
        answer(made, side, to, text="结果")


def test_an_answer_dated_before_the_referral_or_in_the_future_is_refused(world):
    side = world.pudong
    made = referral(side)
    with pytest.raises(FieldErrors) as early:
        answer(made, side, "received", on=days_ago(11))
    assert "on" in early.value.by_field()
    with pytest.raises(FieldErrors):
        answer(made, side, "received", on=days_ago(-1))
    with pytest.raises(FieldErrors):
        answer(made, side, "received", on="2026-13-01")


def test_sending_names_every_missing_or_wrong_field(world):
    side = world.pudong
    case = open_case(side)
    with pytest.raises(FieldErrors) as missing:
        services.refer_case(case, {}, actor=side.enforcement_officer)
    assert set(missing.value.by_field()) == {"agency", "kind", "reason", "legal_basis"}
    with pytest.raises(FieldErrors) as wrong:
        services.refer_case(case, {"agency": agency("market_regulation").pk, "kind": "criminal",
                                   "reason": REASON, "sent_on": days_ago(61)},
                            actor=side.enforcement_officer)
    assert set(wrong.value.by_field()) == {"agency", "sent_on"}
    assert not Referral.objects.exists()


def test_one_open_referral_per_case_and_agency(world):
    side = world.pudong
    made = referral(side)
    with pytest.raises(Conflict):
        referral(side, case=made.case)
    assert referral(side, case=made.case, kind="circulation").agency != made.agency
    answer(made, side, "declined", text="不予立案")
    again = referral(side, case=made.case, reason="补充证据后再次移送")
    assert again.referral_no != made.referral_no


@pytest.mark.parametrize("role", ["town_officer", "city_admin"])
def test_a_role_that_may_not_refer_is_forbidden(world, role):
    side = world.pudong
    user = world.city_admin if role == "city_admin" else side.town_officer
    with pytest.raises(PermissionDenied):
        referral(side, actor=user)
    made = referral(side)
    with pytest.raises(PermissionDenied):
        answer_as = services.record_answer
        answer_as(made, {"state": "received"}, actor=user)


def test_another_districts_case_cannot_be_referred(world):
    case = open_case(world.chongming)
    with pytest.raises(Http404):
        referral(world.pudong, case=case)


def test_the_api_walks_the_lifecycle_and_answers_the_contract_codes(world, api):
    side = world.pudong
    case = open_case(side)
    officer = api(side.enforcement_officer)
    police = agency()
    sent = officer.post(f"/cases/{case.pk}/referrals",
                        {"agency": police.pk, "kind": "criminal", "reason": REASON})
    assert sent.status_code == 201, sent.content
    body = sent.json()
    assert body["state"] == "sent" and body["documents"][0]["kind"] == "letter"
    pk = body["id"]
    assert officer.post(f"/cases/{case.pk}/referrals",
                        {"agency": police.pk, "kind": "criminal", "reason": REASON}
                        ).status_code == 409
    missing = officer.post(f"/cases/{case.pk}/referrals", {"kind": "criminal"})
    assert missing.status_code == 422
    assert {tuple(d["loc"]) for d in missing.json()["detail"]} >= {("body", "agency"),
                                                                  ("body", "reason")}
    form = officer.client.post
    headers = officer.headers
    received = form(f"/api/v1/referrals/{pk}/answer", {"state": "received"}, headers=headers)
    assert received.status_code == 200 and received.json()["state"] == "received"
    closing = form(f"/api/v1/referrals/{pk}/answer", {"state": "closed", "text": "x"},
                   headers=headers)
    assert closing.status_code == 409
    declined = form(f"/api/v1/referrals/{pk}/answer", {"state": "declined"}, headers=headers)
    assert declined.status_code == 422
    assert declined.json()["detail"][0]["loc"] == ["body", "text"]
    assert officer.get(f"/referrals/{pk}").json()["answers"][0]["state"] == "received"
    assert api(side.town_officer).post(f"/cases/{case.pk}/referrals",
                                       {"agency": police.pk}).status_code == 403
    assert api(world.chongming.enforcement_officer).get(f"/referrals/{pk}").status_code == 404
    assert api(world.chongming.enforcement_officer).post(
        f"/cases/{case.pk}/referrals", {"agency": police.pk}).status_code == 404
    for role in ("producer", "grid_worker"):
        assert api(getattr(side, role)).get(f"/referrals/{pk}").status_code == 404
    assert api(world.lab).get("/referrals").json()["count"] == 0


def test_a_nul_in_the_text_is_dropped_not_an_error(world, api):
    side = world.pudong
    case = open_case(side)
    sent = api(side.enforcement_officer).post(
        f"/cases/{case.pk}/referrals",
        {"agency": agency().pk, "kind": "criminal", "reason": "涉嫌\u0000犯罪",
         "approver": "\u0000"})
    assert sent.status_code == 201, sent.content
    assert sent.json()["reason"] == "涉嫌犯罪"
