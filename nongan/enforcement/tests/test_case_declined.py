"""不予立案: a lead handed over is checked and not opened as a case — with a reason, once,
in the officer's own district — and it leaves the to-do list."""

import pytest

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.models import AuditEntry
from nongan.core.workdays import load_calendar
from nongan.enforcement.models import DeclinedLead
from nongan.enforcement.services.cases import decline_lead

from .case_factories import failed_sample, refer_inspection, refer_target


def test_a_declined_inspection_leaves_the_to_do_list(world, login):
    load_calendar()
    inspection = refer_inspection(world.pudong)
    client = login(world.pudong.enforcement_officer)
    assert f"?inspection={inspection.pk}" in client.get("/todo/").content.decode()
    page = client.get(f"/cases/new/?inspection={inspection.pk}").content.decode()
    assert 'action="/cases/decline/"' in page
    response = client.post("/cases/decline/", {"source": "inspection",
                                                "inspection": inspection.pk,
                                                "reason": "经核查，系检查人员误选结论"})
    assert response.status_code == 302
    assert f"?inspection={inspection.pk}" not in client.get("/todo/").content.decode()
    lead = DeclinedLead.objects.get(inspection=inspection)
    assert lead.decided_by == world.pudong.enforcement_officer
    assert AuditEntry.objects.filter(action="case.decline", object_id=str(lead.pk)).exists()


def test_declining_a_sample_notes_it_on_the_follow_up(world):
    sample = failed_sample(world, world.pudong)
    decline_lead({"source": "sample", "sample": sample.sample_no, "reason": "复检合格"},
                 actor=world.pudong.enforcement_officer)
    assert sample.follow_up.notes.filter(text__contains="不予立案：复检合格").exists()


def test_a_reason_is_required_and_a_lead_is_declined_once(world, api):
    target = refer_target(world.pudong)
    officer = api(world.pudong.enforcement_officer)
    missing = officer.post("/cases/declined", {"source": "spot_check", "target": target.pk})
    assert missing.status_code == 422
    assert missing.json()["detail"][0]["loc"][-1] == "reason"
    ok = officer.post("/cases/declined", {"source": "spot_check", "target": target.pk,
                                          "reason": "当事人已停产，无违法所得"})
    assert ok.status_code == 201
    again = officer.post("/cases/declined", {"source": "spot_check", "target": target.pk,
                                             "reason": "重复"})
    assert again.status_code == 409
    assert DeclinedLead.objects.count() == 1


def test_another_districts_lead_is_not_found_and_a_case_already_opened_conflicts(world):
    from .case_factories import open_case

    target = refer_target(world.pudong)
    with pytest.raises(FieldErrors) as exc:
        decline_lead({"source": "spot_check", "target": target.pk, "reason": "无"},
                     actor=world.chongming.enforcement_officer)
    assert "不存在" in exc.value.by_field()["target"]
    open_case(world.pudong, source="spot_check", target=target.pk, party=None,
              opened_on=target.concluded_on)
    with pytest.raises(Conflict, match="已立案"):
        decline_lead({"source": "spot_check", "target": target.pk, "reason": "无"},
                     actor=world.pudong.enforcement_officer)
