"""The receiving agency's own system answers a referral made to it with its API key."""

from django.test import Client

from nongan.core.models import AuditEntry
from nongan.exchange.models import KeyUse
from nongan.exchange.services import issue_key
from nongan.joint.models import ReferralAnswer

from .factories import agency, referral

PATH = "/api/v1/exchange/datasets/referrals/{}/answers"


def police_key(world, *, datasets=("referrals",), regions=("310000000000",)):
    _key, plain = issue_key(agency("public_security"),
                            {"name": "公安对接", "datasets": list(datasets),
                             "regions": list(regions)}, actor=world.city_admin)
    return plain


def answer(plain, pk, **body):
    return Client().post(PATH.format(pk), body, content_type="application/json",
                         headers={"X-Api-Key": plain})


def test_the_police_system_accepts_a_referral_with_its_case_number(world):
    made = referral(world.pudong)
    plain = police_key(world)
    got = answer(plain, made.pk, state="accepted", letter_no="沪公立〔2026〕88号")
    assert got.status_code == 200, got.content
    assert got.json()["state"] == "accepted" and got.json()["id"] == made.pk
    assert got.json()["agency_case_no"] == "沪公立〔2026〕88号"
    stored = ReferralAnswer.objects.get(referral=made)
    assert stored.recorded_by is None and stored.api_key.agency.name == "上海市公安局"
    entry = AuditEntry.objects.filter(action="referral.answer").latest("seq")
    assert entry.actor is None and "上海市公安局" in entry.actor_name
    assert KeyUse.objects.filter(status=200, path=PATH.format(made.pk)).exists()


def test_the_same_rules_hold_as_for_an_answer_an_officer_enters(world):
    made = referral(world.pudong)
    plain = police_key(world)
    assert answer(plain, made.pk, state="declined").status_code == 422
    assert answer(plain, made.pk, state="closed").status_code == 409
    assert answer(plain, made.pk, state="maybe").status_code == 422
    assert KeyUse.objects.filter(status=409).count() == 1


def test_another_agencys_referral_or_district_is_not_found(world):
    to_police = referral(world.pudong)
    to_market = referral(world.pudong, kind="circulation")
    assert answer(police_key(world), to_market.pk, state="received").status_code == 404
    chongming_only = police_key(world, regions=("310151000000",))
    assert answer(chongming_only, to_police.pk, state="received").status_code == 404
    assert answer(police_key(world), 987654, state="received").status_code == 404
    assert not ReferralAnswer.objects.exists()


def test_a_key_without_referrals_or_without_a_key_is_refused(world):
    made = referral(world.pudong)
    assert answer(police_key(world, datasets=("samples",)), made.pk,
                  state="received").status_code == 403
    assert answer("ngk_not-a-key", made.pk, state="received").status_code == 401
    officer = Client()
    officer.force_login(world.pudong.enforcement_officer)
    assert officer.post(PATH.format(made.pk), {"state": "received"},
                        content_type="application/json").status_code == 401
    assert not ReferralAnswer.objects.exists()
