"""The sample API as CONTRACT.md states it: 201 then 200 by uuid, sample_no, 404 outside scope."""

import uuid

import pytest

from nongan.testing import make_plan

from .helpers import small_standard


@pytest.fixture
def plan(world):
    small_standard()
    return make_plan(actor=world.city_admin, lab=world.lab.org)


def body(world, plan, **fields):
    return {"uuid": str(uuid.uuid4()), "plan": plan.pk, "kind": "routine",
            "producer": world.pudong.the_producer.pk, "product": "青菜",
            "sampled_at": "2026-11-28T09:30:00+08:00", "refusal": "拒签",
            "pesticides_used": [{"pesticide": "啶虫脒", "applied_on": "2026-11-01"}]} | fields


def test_post_sample_then_again(world, plan, api):
    client = api(world.lab)
    data = body(world, plan)
    first = client.post("/samples", data)
    assert first.status_code == 201, first.json()
    assert first.json()["sample_no"] and first.json()["verdict"] == "incomplete"
    again = client.post("/samples", data)
    assert again.status_code == 200 and again.json()["sample_no"] == first.json()["sample_no"]
    changed = client.post("/samples", data | {"product": "番茄"})
    assert changed.status_code == 409


def test_invalid_fields_answer_422_naming_them(world, plan, api):
    answer = api(world.lab).post("/samples", body(world, plan, kind="bogus", product=""))
    assert answer.status_code == 422
    fields = {tuple(e["loc"]) for e in answer.json()["detail"]}
    assert {("body", "kind"), ("body", "product")} <= fields


def test_results_answer_judgements_and_verdict(world, plan, api):
    sample_no = api(world.lab).post("/samples", body(world, plan)).json()["sample_no"]
    answer = api(world.lab).post(f"/samples/{sample_no}/results", {"results": [
        {"analyte": "啶虫脒", "value": 1.2, "unit": "mg/kg", "lod": 0.01},
        {"analyte": "毒死蜱", "value": None, "unit": "mg/kg", "lod": 0.01}]})
    assert answer.status_code == 200, answer.json()
    got = answer.json()
    assert got["sample_no"] == sample_no and got["verdict"] == "non_compliant"
    by = {r["analyte"]: r for r in got["results"]}
    assert by["啶虫脒"]["status"] == "over_limit" and by["啶虫脒"]["mrl"] == 1.0
    assert by["啶虫脒"]["matched_food"] == "叶菜类蔬菜"
    assert by["啶虫脒"]["standard"] == "GB 2763-2021"
    assert by["毒死蜱"]["status"] == "not_detected"


def test_bad_result_values_answer_422(world, plan, api):
    sample_no = api(world.lab).post("/samples", body(world, plan)).json()["sample_no"]
    answer = api(world.lab).post(f"/samples/{sample_no}/results", {"results": [
        {"analyte": "啶虫脒", "value": "abc", "unit": "g/kg"}]})
    assert answer.status_code == 422
    locs = [e["loc"] for e in answer.json()["detail"]]
    assert ["body", "results", 0, "value"] in locs and ["body", "results", 0, "unit"] in locs


def test_another_district_and_another_lab_get_404(world, plan, api):
    sample_no = api(world.lab).post("/samples", body(world, plan)).json()["sample_no"]
    for user in (world.lab2, world.chongming.district_officer, world.chongming.producer):
        assert api(user).get(f"/samples/{sample_no}").status_code == 404
        assert api(user).post(f"/samples/{sample_no}/results",
                              {"results": []}).status_code == 404
    assert api(world.pudong.district_officer).get(f"/samples/{sample_no}").status_code == 200
    assert api(world.pudong.producer).get(f"/samples/{sample_no}").status_code == 200


def test_only_the_lab_enters_results(world, plan, api):
    sample_no = api(world.lab).post("/samples", body(world, plan)).json()["sample_no"]
    answer = api(world.pudong.district_officer).post(f"/samples/{sample_no}/results",
                                                     {"results": []})
    assert answer.status_code == 403


def test_report_upload_is_a_pdf_and_downloads_in_scope(world, plan, api):
    from django.core.files.uploadedfile import SimpleUploadedFile

    sample_no = api(world.lab).post("/samples", body(world, plan)).json()["sample_no"]
    lab = api(world.lab)
    bad = lab.client.post(f"/api/v1/samples/{sample_no}/report",
                          {"report": SimpleUploadedFile("r.pdf", b"not a pdf")},
                          headers=lab.headers)
    assert bad.status_code == 422
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF"
    ok = lab.client.post(f"/api/v1/samples/{sample_no}/report",
                         {"report": SimpleUploadedFile("r.pdf", pdf)}, headers=lab.headers)
    assert ok.status_code == 201
    again = lab.client.post(f"/api/v1/samples/{sample_no}/report",
                            {"report": SimpleUploadedFile("r.pdf", pdf)}, headers=lab.headers)
    assert again.status_code == 409
    got = api(world.pudong.district_officer).get(f"/samples/{sample_no}/report")
    assert got.status_code == 200 and b"".join(got.streaming_content) == pdf
    assert api(world.chongming.district_officer).get(
        f"/samples/{sample_no}/report").status_code == 404
