"""The writes that matter to partners emit their events in their own transaction, with the
dataset's row as payload: a sample judged non-compliant (monitoring.record_results), a
penalty decision and its revocation (enforcement.record_step), a credit grade change
(credit.recompute, and recompute_all in bulk). Only subscriptions that want an event get a
delivery, and a write that rolls back leaves no event, delivery or task."""

import pytest
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from nongan.credit.models import CreditEvent, GradeChange
from nongan.credit.services import recompute, recompute_all
from nongan.enforcement.tests.case_factories import days_ago, step
from nongan.exchange import services
from nongan.exchange.events import emit
from nongan.exchange.models import Delivery, Event
from nongan.exchange.tasks import deliver_batch

from .factories import CITY, agency, decided_case, failed_sample, subscription
from .receiver import Receiver


def test_a_sample_judged_non_compliant_emits_its_row(world):
    sample = failed_sample(world, world.pudong)
    event = Event.objects.get(kind="sample.non_compliant")
    assert (event.dataset, event.object_id, event.district_id) == (
        "samples", str(sample.pk), world.pudong.district)
    data = event.payload
    assert data["sample_no"] == sample.sample_no and data["verdict"] == "non_compliant"
    assert data["producer"]["name"] == "pudong合作社"
    assert data["failed_results"] == [{"analyte": "毒死蜱", "value": "0.5", "unit": "mg/kg",
                                       "mrl": "0.02", "status": "banned_detected"}]
    assert data["town"]["code"] == world.pudong.town


def test_a_compliant_result_emits_nothing(world):
    from nongan.monitoring.services import record_results
    from nongan.monitoring.tests.helpers import small_standard
    from nongan.testing import make_plan, make_sample

    small_standard()
    sample = make_sample(world.pudong.the_producer, actor=world.lab,
                         plan=make_plan(actor=world.city_admin, lab=world.lab.org).pk)
    record_results(sample, [{"analyte": "毒死蜱", "value": None},
                            {"analyte": "啶虫脒", "value": None}], actor=world.lab)
    assert not Event.objects.filter(kind="sample.non_compliant").exists()


def test_a_penalty_decision_and_its_revocation_emit_the_cases_row(world):
    case = decided_case(world.pudong)
    decided = Event.objects.get(kind="penalty.decided")
    assert (decided.object_id, decided.district_id) == (str(case.pk), world.pudong.district)
    data = decided.payload
    assert data["case_no"] == case.case_no and data["status"] == "decided"
    assert data["doc_no"] == case.steps.get(kind="decision").doc_no
    assert data["fine"] == "50000.00" and data["decided_on"] == case.decided_on.isoformat()
    assert [b["code"] for b in data["legal_bases"]] == ["NCPAQ-71"]
    assert data["authority"].endswith("农业农村委员会")
    step(case, world.pudong, "revoked", days_ago(1), reason="复议撤销")
    revoked = Event.objects.get(kind="penalty.revoked")
    assert revoked.payload["status"] == "revoked"
    assert revoked.payload["revoked_on"] == days_ago(1).isoformat()


def test_a_personal_id_number_is_masked_for_partners(world):
    from nongan.enforcement.tests.case_factories import grower

    person = grower(world.pudong)
    sample = failed_sample(world, world.pudong, producer=person)
    shown = Event.objects.get(kind="sample.non_compliant", object_id=str(sample.pk))
    masked = shown.payload["producer"]["id_number"]
    assert masked and masked != person.id_number and "*" in masked
    assert masked[:6] == person.id_number[:6]
    assert person.id_number not in str(Event.objects.values_list("payload", flat=True))


def test_a_grade_change_emits_its_row(world):
    producer = world.pudong.the_producer
    CreditEvent.objects.create(producer=producer, kind="sample_failed", occurred_on=days_ago(1),
                               summary="抽检不合格", source="test:1", serious=True)
    change = recompute(producer)
    event = Event.objects.get(kind="credit.grade_changed")
    assert event.object_id == str(change.pk) and event.district_id == world.pudong.district
    assert event.payload["from"] == change.from_grade and event.payload["to"] == change.to_grade
    assert event.payload["producer"] == {"id": producer.pk, "name": producer.name,
                                         "uscc": producer.uscc}


def test_a_bulk_recomputation_emits_one_event_per_change_in_batches(world):
    with Receiver("s" * 32) as receiver:
        sub = subscription(world, agency(world), receiver.url, regions=[CITY],
                           kinds=["credit.grade_changed"])
        for side in (world.pudong, world.chongming):
            CreditEvent.objects.create(producer=side.the_producer, kind="sample_failed",
                                       occurred_on=days_ago(1), summary="抽检不合格",
                                       source=f"test:{side.district}", serious=True)
        with transaction.atomic():
            summary = recompute_all(cause="refresh")
        assert summary["changed"] == 2
        events = Event.objects.filter(kind="credit.grade_changed")
        assert sorted(events.values_list("object_id", flat=True)) == sorted(
            str(pk) for pk in GradeChange.objects.values_list("pk", flat=True))
        assert set(events.values_list("district_id", flat=True)) == {
            world.pudong.district, world.chongming.district}
        [batch] = DBTaskResult.objects.filter(task_path="nongan.exchange.tasks.deliver_batch")
        ids = batch.args_kwargs["args"][0]
        assert sorted(ids) == sorted(Delivery.objects.filter(subscription=sub)
                                     .values_list("pk", flat=True))
        assert deliver_batch.call(ids) == {"delivered": 2}
    assert len(receiver.accepted) == 2


def test_a_batch_stops_calling_a_failing_receiver(world):
    with Receiver("s" * 32, [500] * 5) as receiver:
        sub = subscription(world, agency(world), receiver.url, regions=[CITY],
                           kinds=["credit.grade_changed"])
        for side in (world.pudong, world.chongming):
            CreditEvent.objects.create(producer=side.the_producer, kind="sample_failed",
                                       occurred_on=days_ago(1), summary="抽检不合格",
                                       source=f"test:{side.district}", serious=True)
        with transaction.atomic():
            recompute_all(cause="refresh")
        ids = sorted(Delivery.objects.filter(subscription=sub).values_list("pk", flat=True))
        assert deliver_batch.call(ids) == {"pending": 1, "postponed": 1}
    assert len(receiver.received) == 1
    later = DBTaskResult.objects.filter(task_path="nongan.exchange.tasks.deliver_batch") \
        .order_by("enqueued_at").last()
    assert later.args_kwargs["args"] == [ids[1:]]
    assert later.run_after == Delivery.objects.get(pk=ids[0]).next_attempt_at


def test_only_matching_subscriptions_get_a_delivery(world):
    city = agency(world)
    wanted = subscription(world, city, "http://127.0.0.1:9/a", regions=[world.pudong.district])
    everywhere = subscription(world, city, "http://127.0.0.1:9/b", regions=[CITY])
    other_kind = subscription(world, city, "http://127.0.0.1:9/c", regions=[CITY],
                              kinds=["penalty.decided"])
    other_district = subscription(world, agency(world, world.chongming.district),
                                  "http://127.0.0.1:9/d")
    stopped = subscription(world, city, "http://127.0.0.1:9/e", regions=[CITY])
    services.set_subscription_active(stopped, False, actor=world.city_admin)
    stopped_agency = agency(world)
    of_stopped = subscription(world, stopped_agency, "http://127.0.0.1:9/f", regions=[CITY])
    services.update_agency(stopped_agency, {"active": False}, actor=world.city_admin)

    failed_sample(world, world.pudong)

    got = set(Delivery.objects.values_list("subscription_id", flat=True))
    assert got == {wanted.pk, everywhere.pk}
    assert not got & {other_kind.pk, other_district.pk, stopped.pk, of_stopped.pk}
    tasks = DBTaskResult.objects.filter(task_path="nongan.exchange.tasks.deliver")
    assert sorted(t.args_kwargs["args"][0] for t in tasks) == sorted(
        Delivery.objects.values_list("pk", flat=True))


def test_a_write_that_rolls_back_leaves_no_event_delivery_or_task(world):
    subscription(world, agency(world), "http://127.0.0.1:9/a", regions=[CITY])
    sample = failed_sample(world, world.pudong)
    before = (Event.objects.count(), Delivery.objects.count(), DBTaskResult.objects.count())
    with pytest.raises(RuntimeError), transaction.atomic():
        emit("sample.non_compliant", sample, dataset="samples",
             district_code=sample.district_id)
        assert Event.objects.count() == before[0] + 1
        raise RuntimeError("the write failed after emitting")
    assert (Event.objects.count(), Delivery.objects.count(),
            DBTaskResult.objects.count()) == before

