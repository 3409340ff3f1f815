"""The case pages: the list (filters, sort, Excel), opening a case from its source, one
case with its timeline, time limits, the next step's form and the publication, and each
document printable."""

import io
import re

from openpyxl import load_workbook

from nongan.enforcement.legal import load_legal_bases
from nongan.enforcement.models import Case, CaseStep, PenaltyNotice

from .case_factories import (
    FACTS,
    days_ago,
    decided,
    failed_sample,
    grower,
    investigated,
    noticed,
    open_case,
    refer_inspection,
    refer_target,
    served_case,
)


def test_the_list_filters_sorts_and_exports(world, login):
    side = world.pudong
    first = open_case(side, title="甲案", opened_on=days_ago(95))
    second = served_case(side, title="乙案")
    page = login(side.enforcement_officer)
    html = page.get("/cases/").content.decode()
    assert first.case_no in html and second.case_no in html and "立案" in html
    assert re.search(rf'<tr class="overdue">\s*<td[^>]*><a href="/cases/{first.pk}/"', html)
    only = page.get("/cases/", {"stage": "service"}).content.decode()
    assert second.case_no in only and first.case_no not in only
    searched = page.get("/cases/", {"q": "甲"}).content.decode()
    assert first.case_no in searched and second.case_no not in searched
    by_number = page.get("/cases/", {"sort": "case_no"}).content.decode()
    assert by_number.index(first.case_no) < by_number.index(second.case_no)
    by_number_desc = page.get("/cases/", {"sort": "-case_no"}).content.decode()
    assert by_number_desc.index(second.case_no) < by_number_desc.index(first.case_no)
    late = page.get("/cases/", {"overdue": "1"}).content.decode()
    assert first.case_no in late
    export = page.get("/cases/", {"format": "xlsx", "q": "乙"})
    rows = list(load_workbook(io.BytesIO(export.content)).active.values)
    assert rows[0][:2] == ("案件编号", "案由") and rows[1][0] == second.case_no
    assert len(rows) == 2
    outside = page.get("/cases/", {"region": "310151000000"}).content.decode()
    assert "不在辖区内" in outside and first.case_no not in outside


def test_a_case_is_opened_from_a_failed_sample(world, login):
    side = world.pudong
    sample = failed_sample(world, side)
    page = login(side.enforcement_officer)
    html = page.get("/cases/new/", {"sample": sample.sample_no}).content.decode()
    assert f'value="{sample.sample_no}"' in html and '<option value="sample" selected>' in html
    assert "毒死蜱" in html  # the facts are pre-filled from the results
    empty = page.post("/cases/new/", {"source": "sample", "sample": sample.sample_no,
                                      "title": "", "facts": FACTS,
                                      "officers": [side.enforcement_officer.username]})
    assert empty.status_code == 422
    text = empty.content.decode()
    assert "须填写案由" in text and "两名以上" in text
    assert not Case.objects.exists()
    done = page.post("/cases/new/", {"source": "sample", "sample": sample.sample_no,
                                     "title": "涉嫌销售农药残留超标青菜案", "facts": FACTS,
                                     "officers": [side.enforcement_officer.username,
                                                  side.enforcement_officer2.username]})
    case = Case.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/cases/{case.pk}/"
    assert case.sample == sample and case.follow_up == sample.follow_up
    shown = page.get(done["Location"]).content.decode()
    assert f"已立案，案件编号 {case.case_no}" in shown and sample.sample_no in shown


def test_the_new_case_form_is_prefilled_from_a_target_or_an_inspection(world, login):
    side = world.pudong
    target, inspection = refer_target(side), refer_inspection(side)
    page = login(side.enforcement_officer)
    html = page.get("/cases/new/", {"target": target.pk}).content.decode()
    assert '<option value="spot_check" selected>' in html and target.result_note in html
    assert f'name="target" value="{target.pk}"' in html
    assert target.spot_check.title in html
    html = page.get("/cases/new/", {"inspection": inspection.pk}).content.decode()
    assert '<option value="inspection" selected>' in html
    assert f'name="inspection" value="{inspection.pk}"' in html
    # Another district's record pre-fills nothing.
    other = login(world.chongming.enforcement_officer).get(
        "/cases/new/", {"target": target.pk}).content.decode()
    assert f'name="target" value="{target.pk}"' not in other


def test_only_enforcement_officers_open_cases(world, login):
    assert login(world.pudong.district_officer).get("/cases/new/").status_code == 403


def test_the_case_page_offers_the_next_steps_and_records_them(world, login):
    load_legal_bases()
    side = world.pudong
    case = open_case(side)
    page = login(side.enforcement_officer)
    url = f"/cases/{case.pk}/"
    html = page.get(url).content.decode()
    assert 'id="form-investigation"' in html and 'id="form-extension"' in html
    assert 'id="form-decision"' not in html and 'id="form-notice"' not in html
    assert "剩 30 天" in html  # the decision's time limit, 90 days from 立案
    missing = page.post(url + "steps/", {"kind": "investigation",
                                         "investigation-occurred_on": days_ago(55),
                                         "investigation-evidence": ""})
    assert missing.status_code == 422 and "须列出调查取得的证据" in missing.content.decode()
    refused = page.post(url + "steps/", {"kind": "decision"})
    assert refused.status_code == 409
    assert "须先事先告知" in refused.content.decode()
    done = page.post(url + "steps/", {
        "kind": "investigation", "investigation-occurred_on": days_ago(55),
        "investigation-evidence": "询问笔录\n检测报告",
        "investigation-officers": [side.enforcement_officer.username,
                                   side.enforcement_officer2.username],
        "investigation-site_check": "现场有待售青菜"})
    assert done.status_code == 302
    checked = CaseStep.objects.get(case=case, kind="investigation")
    assert checked.details["evidence"] == ["询问笔录", "检测报告"]
    assert checked.doc_kind == "现场检查笔录" and checked.doc_no.endswith("1号")
    html = page.get(url).content.decode()
    assert checked.doc_no in html and f"/cases/{case.pk}/steps/{checked.pk}/print/" in html
    assert 'id="form-notice"' in html


def test_penalty_rows_show_their_errors_beside_them(world, login):
    load_legal_bases()
    side = world.pudong
    case = open_case(side)
    investigated(case, side)
    page = login(side.enforcement_officer)
    answer = page.post(f"/cases/{case.pk}/steps/", {
        "kind": "notice", "notice-occurred_on": days_ago(50), "notice-facts": FACTS,
        "notice-legal_bases": ["NCPAQ-71"],
        "notice-p_kind": ["warning", "fine", ""], "notice-p_amount": ["", "", ""],
        "notice-p_text": ["", "", ""]})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "罚款须填写金额" in html
    assert re.search(r'<details open id="form-notice">', html)
    saved = page.post(f"/cases/{case.pk}/steps/", {
        "kind": "notice", "notice-occurred_on": days_ago(50), "notice-facts": FACTS,
        "notice-legal_bases": ["NCPAQ-71"],
        "notice-p_kind": ["warning", "fine", ""], "notice-p_amount": ["", "3000", ""],
        "notice-p_text": ["", "", ""]})
    assert saved.status_code == 302
    notice = CaseStep.objects.get(case=case, kind="notice")
    assert [p["kind"] for p in notice.details["penalties"]] == ["warning", "fine"]


def test_publication_shows_the_masked_preview_and_can_be_withdrawn(world, login):
    side = world.pudong
    person = grower(side)
    facts = f"王小明，电话{person.phone}，身份证号{person.id_number}。" + FACTS
    case = open_case(side, party=person.pk, facts=facts)
    investigated(case, side)
    noticed(case, side, facts=facts)
    decided(case, side, facts=facts)
    page = login(side.district_officer)
    url = f"/cases/{case.pk}/"
    html = page.get(url).content.decode()
    preview = html[html.index('id="notice"'):]
    assert "公示内容预览" in preview and "王**" in preview and "电话139****5678" in preview
    assert person.phone not in preview and person.id_number not in preview
    assert '<option value="12" selected>' in preview
    bad = page.post(url + "notice/", {"display_months": "13"})
    assert bad.status_code == 422 and "3至12个月" in bad.content.decode()
    assert page.post(url + "notice/", {"display_months": "6"}).status_code == 302
    notice = PenaltyNotice.objects.get(case=case)
    assert notice.published_at is not None
    again = page.post(url + "notice/", {})
    assert again.status_code == 409 and "已公示" in again.content.decode()
    assert page.post(url + "notice/withdraw/", {"reason": ""}).status_code == 422
    assert page.post(url + "notice/withdraw/", {"reason": "更正后重新公示"}).status_code == 302
    notice.refresh_from_db()
    assert notice.withdrawn_at is not None
    assert "已撤下" in page.get(url).content.decode()


def test_each_document_prints_as_issued(world, login):
    side = world.pudong
    case = served_case(side)
    page = login(side.enforcement_officer)
    decision = CaseStep.objects.get(case=case, kind="decision")
    printed = page.get(f"/cases/{case.pk}/steps/{decision.pk}/print/").content.decode()
    assert 'class="printable"' in printed and decision.document in printed
    assert "data-print" in printed and "print.css" in printed
    payment = CaseStep.objects.create(case=case, kind="payment", occurred_on=days_ago(1),
                                      recorded_by=side.enforcement_officer)
    assert page.get(f"/cases/{case.pk}/steps/{payment.pk}/print/").status_code == 404
    other = open_case(side)
    step_of_other = CaseStep.objects.get(case=other, kind="registered")
    wrong = page.get(f"/cases/{case.pk}/steps/{step_of_other.pk}/print/")
    assert wrong.status_code == 404


def test_a_value_the_form_cannot_read_is_named_not_dropped(world, login):
    side = world.pudong
    case = open_case(side)
    answer = login(side.enforcement_officer).post(f"/cases/{case.pk}/steps/", {
        "kind": "extension", "extension-occurred_on": "yesterday", "extension-days": "lots",
        "extension-reason": "需要鉴定", "extension-approver": "局长",
        "extension-approval": "head"})
    assert answer.status_code == 422
    html = answer.content.decode()
    assert "日期格式应为 YYYY-MM-DD" in html and "每次延长办案期限30日" in html
    assert not CaseStep.objects.filter(case=case, kind="extension").exists()
