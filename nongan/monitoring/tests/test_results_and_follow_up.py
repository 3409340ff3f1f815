"""Results make the verdict; a failure starts its follow-up at once and nothing is lost."""

import pytest
from django.db.models import ProtectedError

from nongan.core.errors import FieldErrors
from nongan.core.models import Notification
from nongan.monitoring import services
from nongan.monitoring.models import FollowUp, Result
from nongan.regions.services import assign_grid_member
from nongan.testing import make_plan, make_sample

from .helpers import small_standard


@pytest.fixture
def sample(world):
    small_standard()
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    return make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                       pesticides_used=[{"pesticide": "啶虫脒", "dose": "20 g/亩",
                                         "applied_on": None}])


def test_the_verdict_waits_for_every_analyte(world, sample):
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "0.3"}], actor=world.lab)
    sample.refresh_from_db()
    assert sample.verdict == "incomplete" and sample.completed_at is None
    services.record_results(sample, [{"analyte": "毒死蜱", "value": None}], actor=world.lab)
    sample.refresh_from_db()
    assert sample.verdict == "compliant" and sample.completed_at is not None


def test_a_correction_needs_its_reason_and_keeps_the_old_value(world, sample):
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "0.3"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    with pytest.raises(FieldErrors) as exc:
        services.record_results(sample, [{"analyte": "啶虫脒", "value": "3"}], actor=world.lab)
    assert "更正须说明原因" in exc.value.errors[0][1]
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "3"}], actor=world.lab,
                            reason="录入时小数点错位")
    rows = list(Result.objects.filter(sample=sample, analyte="啶虫脒").order_by("entered_at"))
    assert [(str(r.value.normalize()), r.current) for r in rows] == [("0.3", False),
                                                                      ("3", True)]
    assert rows[1].supersedes == rows[0] and rows[1].reason == "录入时小数点错位"
    sample.refresh_from_db()
    assert sample.verdict == "non_compliant"


def test_a_banned_pesticide_detected_fails_the_sample(world, sample):
    services.record_results(sample, [{"analyte": "毒死蜱", "value": "0.001"},
                                     {"analyte": "啶虫脒", "value": None}], actor=world.lab)
    sample.refresh_from_db()
    assert sample.verdict == "non_compliant"
    assert sample.results.get(analyte="毒死蜱").status == "banned_detected"


def test_a_failure_tells_district_town_and_grid_and_traces_inputs(world, sample):
    grid = world.pudong.the_producer.grid
    assign_grid_member(grid, user=world.pudong.grid_worker, name="网格员", duty="巡查",
                       actor=world.city_admin)
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "1.5"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    follow_up = FollowUp.objects.get(sample=sample)
    told = set(Notification.objects.filter(kind="sample.non_compliant")
               .values_list("recipient__username", flat=True))
    assert told == {"pudong-district", "pudong-town", "pudong-grid"}
    assert follow_up.traced_inputs[0]["pesticide"] == "啶虫脒"
    assert follow_up.traced_inputs[0]["source"] == "采样单"
    assert follow_up.notes.first().kind == "opened"


def test_follow_up_steps_are_appended_never_removed(world, sample):
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "1.5"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    follow_up = sample.follow_up
    officer = world.pudong.district_officer
    services.add_note(follow_up, "已责令暂停上市，封存同批次产品", actor=officer)
    services.propose_case(follow_up, "涉嫌农残超标，移交执法大队", actor=officer)
    services.close_follow_up(follow_up, "执法大队已立案", actor=officer)
    assert [n.kind for n in follow_up.notes.all()] == ["opened", "note", "proposed", "closed"]
    with pytest.raises(ProtectedError):
        follow_up.delete()


def test_a_correction_to_compliant_keeps_the_follow_up(world, sample):
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "1.5"},
                                     {"analyte": "毒死蜱", "value": None}], actor=world.lab)
    services.record_results(sample, [{"analyte": "啶虫脒", "value": "0.15"}], actor=world.lab,
                            reason="复核原始记录，小数点错位")
    sample.refresh_from_db()
    assert sample.verdict == "compliant"
    assert sample.follow_up.notes.last().kind == "correction"


def test_a_rapid_positive_waits_for_a_lab_confirmation(world):
    from nongan.monitoring.queries import overdue

    small_standard()
    officer = world.pudong.town_officer
    rapid = make_sample(world.pudong.the_producer, actor=officer, kind="rapid",
                        lab=world.lab.org.pk, analytes=["有机磷和氨基甲酸酯类（酶抑制法）"])
    services.record_results(rapid, [{"analyte": "有机磷和氨基甲酸酯类（酶抑制法）",
                                     "outcome": "positive"}], actor=world.lab)
    rapid.refresh_from_db()
    assert rapid.verdict == "non_compliant"
    assert "confirm" in [i["kind"] for i in overdue(world.pudong.district_officer)]
    with pytest.raises(FieldErrors):
        make_sample(world.pudong.the_producer, actor=officer, kind="rapid",
                    lab=world.lab.org.pk, confirms=rapid.sample_no)
    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    make_sample(world.pudong.the_producer, actor=world.lab, plan=plan.pk,
                confirms=rapid.sample_no)
    assert "confirm" not in [i["kind"] for i in overdue(world.pudong.district_officer)]
