"""The backfill derives the credit file from the records already kept, in bulk: the same
events and grades as recording them one by one as the records were written, and running it
again adds and changes nothing. One audit entry for a run, none per event."""

import pytest

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditEvent, GradeChange
from nongan.credit.services import backfill, refresh
from nongan.enforcement.tests.case_factories import days_ago, step
from nongan.producers.models import Producer

from .factories import closed_case, failed_sample, revoked_certificate, visit

FIELDS = ["producer_id", "kind", "occurred_on", "summary", "source", "link", "serious",
          "settled_on"]


def credit_file():
    events = set(CreditEvent.objects.values_list(*FIELDS))
    grades = dict(Producer.objects.values_list("pk", "credit_grade"))
    return events, grades


@pytest.fixture
def history(world):
    """A history written through the services, the feeders recording as it goes."""
    pudong, chongming = world.pudong, world.chongming
    visit(pudong, "rectify", days=40, deadline_in=10)
    refresh()  # the order is past its deadline: unfinished
    visit(pudong, "pass", days=0)  # closed 30 days late
    visit(pudong, "refer", days=3)
    failed_sample(world, pudong, banned=True)
    revoked_certificate(pudong)
    closed_case(pudong, serious=True)
    visit(chongming, "rectify", days=20, deadline_in=5)  # never closed
    case = closed_case(chongming)
    step(case, chongming, "revoked", days_ago(0), reason="复议决定撤销")
    refresh()
    return world


def test_backfill_gives_what_recording_event_by_event_gave(history):
    recorded = credit_file()
    kinds = {event[1] for event in recorded[0]}
    assert kinds == {"inspection_rectify", "rectification_unfinished", "rectification_late",
                     "inspection_refer", "sample_non_compliant", "certification_revoked",
                     "penalty", "penalty_revoked"}
    assert recorded[1][history.pudong.the_producer.pk] == "D"
    CreditEvent.objects.all().delete()
    GradeChange.objects.all().delete()
    Producer.objects.update(credit_grade="B")
    events_audited = AuditEntry.objects.filter(action="credit.event").count()
    summary = backfill()
    assert credit_file() == recorded
    assert summary["events_added"] == len(recorded[0])
    assert AuditEntry.objects.filter(action="credit.event").count() == events_audited
    assert AuditEntry.objects.filter(action="credit.backfill").count() == 1


def test_backfill_again_adds_and_changes_nothing(history):
    first = backfill()
    before, changes = credit_file(), GradeChange.objects.count()
    again = backfill()
    assert (again["events_added"], again["events_settled"], again["changed"]) == (0, 0, 0)
    assert credit_file() == before and GradeChange.objects.count() == changes
    assert first["producers"] == again["producers"] == Producer.objects.count()
