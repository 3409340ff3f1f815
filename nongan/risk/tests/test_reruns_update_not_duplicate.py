"""Running again does not duplicate: the same evidence changes nothing, new evidence updates
the open warning (detections + 1, level raised never lowered, an "updated" event, newly
involved people assigned); once closed, the same risk found again is a new warning."""

import datetime as dt

from nongan.core.models import Notification
from nongan.risk import services
from nongan.risk.findings import Finding
from nongan.risk.models import RiskWarning
from nongan.risk.runner import run_all

from .factories import add_samples, producers

TODAY = dt.date(2026, 6, 15)
DAY = dt.date(2026, 5, 20)


def _banned(world, village):
    producer = producers(village, 1)[0]
    add_samples(world, producer, DAY, [("克百威", "banned_detected", "0.05", None)])


def test_the_same_evidence_twice_changes_nothing(world):
    _banned(world, world.pudong.village)
    first = run_all(TODAY, replications=99)
    second = run_all(TODAY, replications=99)
    assert (first["issued"], second["issued"], second["unchanged"]) == (1, 0, 1)
    warning = RiskWarning.objects.get()
    assert warning.detections == 1
    assert list(warning.events.values_list("kind", flat=True)) == ["issued"]


def test_new_evidence_updates_the_open_warning(world):
    _banned(world, world.pudong.village)
    run_all(TODAY, replications=99)
    told = Notification.objects.filter(kind="risk.warning").count()
    _banned(world, world.pudong.village2)

    outcome = run_all(TODAY, replications=99)

    assert outcome["updated"] == 1 and outcome["issued"] == 0
    warning = RiskWarning.objects.get()
    assert warning.detections == 2 and warning.samples.count() == 2
    assert len(warning.figures["detections"]) == 2
    assert list(warning.events.values_list("kind", flat=True)) == ["issued", "updated"]
    # Still red: nobody new to tell (the same district and town).
    assert Notification.objects.filter(kind="risk.warning").count() == told


def _finding(world, level, figures):
    side = world.pudong
    return Finding(key="test:levels", kind="producer", level=level, region=side.town,
                   district=side.district, town=side.town, explanation=f"测试 {figures}",
                   figures=figures, producer=side.the_producer.pk, districts=(side.district,),
                   towns=(side.town,))


def test_a_level_is_raised_never_lowered(world):
    warning, outcome = services.issue_or_update(_finding(world, "yellow", {"y": 4}))
    assert outcome == "issued"
    assert services.issue_or_update(_finding(world, "orange", {"y": 5}))[1] == "updated"
    assert services.issue_or_update(_finding(world, "blue", {"y": 6}))[1] == "updated"
    warning.refresh_from_db()
    assert warning.level == "orange" and warning.detections == 3
    raised = Notification.objects.filter(kind="risk.warning", text__contains="升级为")
    assert raised.filter(recipient=world.pudong.district_officer).exists()


def test_after_closing_the_same_risk_is_a_new_warning(world):
    first, _ = services.issue_or_update(_finding(world, "yellow", {"y": 4}))
    services.acknowledge(first, actor=world.pudong.district_officer)
    services.close(first, "已约谈，整改到位", actor=world.pudong.district_officer)

    second, outcome = services.issue_or_update(_finding(world, "yellow", {"y": 4}))

    assert outcome == "issued" and second.pk != first.pk
    assert RiskWarning.objects.filter(key="test:levels").count() == 2
