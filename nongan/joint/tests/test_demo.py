"""The demo: the first decided case referred to the police and accepted, the next one to
market regulation and waiting past its due date, one joint inspection with market
regulation — all through the services, so each has its audit entry and event."""

import pytest

from nongan.enforcement.tests.case_factories import decided_case
from nongan.exchange.models import Event
from nongan.joint import deadlines
from nongan.joint.demo import seed_joint
from nongan.joint.models import (
    JointInspection,
    JointParticipant,
    Referral,
    ReferralAnswer,
    ReferralDocument,
)

pytestmark = pytest.mark.django_db


def clear_joint() -> None:
    """Remove the seeded referrals and joint inspections (for the seed tests that clear the
    enforcement history: they point at its cases, spot checks and accounts)."""
    ReferralAnswer.objects.all().delete()
    ReferralDocument.objects.all().delete()
    Referral.objects.all().delete()
    JointParticipant.objects.all().delete()
    JointInspection.objects.all().delete()


def test_the_demo_refers_two_decided_cases_and_records_a_joint_inspection(world):
    assert seed_joint() == {"joint_referrals": 0, "joint_inspections": 0}
    decided_case(world.pudong)
    decided_case(world.pudong)
    counts = seed_joint()
    assert counts == {"joint_referrals": 2, "joint_inspections": 1}
    police = Referral.objects.get(kind="criminal")
    market = Referral.objects.get(kind="circulation")
    assert police.state == "accepted" and police.handed_over_on is not None
    assert market.state == "sent" and deadlines.answer_overdue(market, market.sent_on) == 0
    assert police.case != market.case
    joint = JointInspection.objects.get()
    assert joint.participants.filter(agency__kind="market_regulation").exists()
    assert joint.participants.filter(user__isnull=False).count() == 2
    assert Event.objects.filter(dataset="referrals").count() == 4
