"""The seeded enforcement history: every district with producers has last quarter's check
drawn, checked and published and this quarter's plan waiting; cases at several stages; every
draw replays; and the same seed gives the same history."""

import hashlib

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditEvent
from nongan.enforcement import draws
from nongan.enforcement.models import (
    Case,
    CaseStep,
    DocumentSequence,
    PenaltyNotice,
    SpotCheck,
    Target,
)
from nongan.producers.models import Producer
from nongan.seeding import seed

PRODUCERS, SEED = 120, 3
TODAY = timezone.localdate()
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            yield seed(PRODUCERS, random_seed=SEED, today=TODAY)
            transaction.set_rollback(True)


def clear_enforcement() -> None:
    """Remove the seeded enforcement history and the audit entries its actions left (they
    point at the demo accounts)."""
    from nongan.joint.tests.test_demo import clear_joint

    clear_joint()  # referrals and joint inspections point at the cases and spot checks
    PenaltyNotice.objects.all().delete()
    CaseStep.objects.all().delete()
    CreditEvent.objects.all().delete()
    Case.objects.all().delete()
    Target.objects.all().delete()
    SpotCheck.objects.all().delete()
    DocumentSequence.objects.all().delete()
    AuditEntry.objects.exclude(actor=None).delete()


def fingerprint() -> str:
    parts = [
        SpotCheck.objects.order_by("pk").values_list(
            "title", "region", "population", "count", "grade_shares", "state", "seed"),
        Target.objects.order_by("pk").values_list(
            "spot_check__title", "producer__name", "team", "result", "concluded_on"),
        Case.objects.order_by("pk").values_list("case_no", "party__name", "stage", "fine"),
    ]
    return hashlib.sha256(repr([list(p) for p in parts]).encode()).hexdigest()


def test_each_district_has_a_published_check_and_a_waiting_plan(seeded):
    districts = set(Producer.objects.values_list("district", flat=True))
    drawn = SpotCheck.objects.filter(state="drawn")
    assert set(drawn.values_list("region", flat=True)) == districts
    assert set(SpotCheck.objects.filter(state="planned").values_list("region", flat=True)) \
        == districts
    targets = Target.objects.filter(spot_check__in=drawn)
    assert targets.exists() and not targets.filter(published_at=None).exists()
    assert not targets.filter(published_at__date__gt=TODAY).exists()
    for target in targets:
        assert target.concluded_on <= timezone.localdate(target.published_at) <= \
            target.publish_due


def test_every_seeded_draw_replays(seeded):
    for check in SpotCheck.objects.filter(state="drawn"):
        assert draws.replay(check)["match"], check.title


def test_cases_reach_several_stages_and_closed_ones_are_published_masked(seeded):
    stages = set(Case.objects.values_list("stage", flat=True))
    assert len(stages) >= 2
    for case in Case.objects.filter(stage="closed"):
        notice = case.notice
        assert notice.published_at and notice.display_until > TODAY
        assert case.party.legal_rep not in repr(notice.content)
        assert CreditEvent.objects.filter(source=f"case:{case.pk}", kind="penalty").exists()


def test_the_same_seed_gives_the_same_history(seeded):
    before = fingerprint()
    with transaction.atomic():
        clear_enforcement()
        from nongan.enforcement.demo import seed_enforcement

        seed_enforcement(seed=SEED, today=TODAY)
        assert fingerprint() == before
        transaction.set_rollback(True)
