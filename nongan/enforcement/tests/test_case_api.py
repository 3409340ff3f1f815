"""The case API (CONTRACT.md): open, record steps, publish, list with filters and paging,
export; 409 for a step out of order, 422 naming each bad field."""

import io

from openpyxl import load_workbook

from nongan.core.listing import XLSX
from nongan.enforcement.legal import load_legal_bases

from .case_factories import FACTS, days_ago, decided_case, officers, open_case, served_case


def opening(side, **fields) -> dict:
    return {"source": "complaint", "complaint": "群众举报", "party": side.the_producer.pk,
            "title": "涉嫌使用禁用农药案", "facts": FACTS, "officers": officers(side),
            "opened_on": days_ago(60).isoformat()} | fields


def locs(response) -> dict:
    return {".".join(map(str, e["loc"])): e["msg"] for e in response.json()["detail"]}


def test_a_case_is_worked_through_the_api(world, api):
    load_legal_bases()
    side = world.pudong
    client = api(side.enforcement_officer)
    created = client.post("/cases", opening(side))
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["case_no"].startswith("浦农立〔") and case["stage"] == "registered"
    assert case["next"] == ["investigation", "extension"]
    url = f"/cases/{case['id']}/stages"
    out_of_order = client.post(url, {"kind": "decision", "occurred_on": days_ago(50).isoformat()})
    assert out_of_order.status_code == 409 and "事先告知" in out_of_order.json()["detail"]
    answer = client.post(url, {"kind": "investigation", "occurred_on": days_ago(55).isoformat(),
                               "evidence": ["询问笔录", "检测报告"]})
    assert answer.status_code == 201 and answer.json()["stage"] == "investigation"
    charges = {"facts": FACTS, "legal_bases": ["NCPAQ-71"],
               "penalties": [{"kind": "fine", "amount": "20000"}]}
    assert client.post(url, {"kind": "notice", "occurred_on": days_ago(50).isoformat()}
                       | charges).status_code == 201
    decision = client.post(url, {"kind": "decision", "occurred_on": days_ago(30).isoformat()}
                           | charges).json()
    assert decision["fine"] == "20000.00" and decision["notice"]["published_at"] is None
    assert [s["kind"] for s in decision["steps"]] == ["registered", "investigation", "notice",
                                                      "decision"]
    assert decision["steps"][-1]["print"].endswith("/print/")
    client.post(url, {"kind": "service", "occurred_on": days_ago(28).isoformat(),
                      "method": "直接送达", "recipient": "张三"})
    late = client.get(f"/cases/{case['id']}").json()
    # Served 28 days ago, due 13 days ago: 13 × 3 % = 39 % of 20,000 so far.
    assert late["payment_due"] == days_ago(13).isoformat() and late["surcharge"] == "7800.00"
    assert {d["label"]: d["state"] for d in late["deadlines"]}["缴纳罚款"] == "bad"
    published = client.post(f"/cases/{case['id']}/notice", {"display_months": 6})
    assert published.status_code == 200
    assert published.json()["notice"]["content"]["legal_rep"] == "张*"
    withdrawn = client.post(f"/cases/{case['id']}/notice/withdraw", {"reason": "信息有误"})
    assert withdrawn.json()["notice"]["withdraw_reason"] == "信息有误"


def test_bad_input_answers_422_naming_each_field(world, api):
    load_legal_bases()
    side = world.pudong
    client = api(side.enforcement_officer)
    answer = client.post("/cases", opening(side, facts="", officers=[officers(side)[0]]))
    assert answer.status_code == 422
    found = locs(answer)
    assert "案情摘要" in found["body.facts"] and "两名以上" in found["body.officers"]
    case = decided_case(side)
    bad = client.post(f"/cases/{case.pk}/notice", {"display_months": 24})
    assert bad.status_code == 422 and "3至12个月" in locs(bad)["body.display_months"]
    other = open_case(side)
    client.post(f"/cases/{other.pk}/stages", {"kind": "investigation",
                                              "evidence": ["询问笔录"],
                                              "occurred_on": days_ago(55).isoformat()})
    client.post(f"/cases/{other.pk}/stages", {"kind": "notice", "facts": FACTS,
                                              "legal_bases": ["NCPAQ-71"],
                                              "penalties": [{"kind": "warning"}],
                                              "occurred_on": days_ago(50).isoformat()})
    no_amount = client.post(f"/cases/{other.pk}/stages", {
        "kind": "decision", "occurred_on": days_ago(30).isoformat(),
        "legal_bases": ["NCPAQ-71"], "penalties": [{"kind": "fine"}]})
    assert no_amount.status_code == 422
    assert locs(no_amount)["body.penalties.0.amount"] == "罚款须填写金额"
    unknown = client.post(f"/cases/{other.pk}/stages", {"kind": "teatime"})
    assert unknown.status_code == 422 and "body.kind" in locs(unknown)


def test_the_list_filters_pages_and_exports(world, api):
    side = world.pudong
    open_case(side, title="甲案")
    decided_case(side, title="乙案")
    served = served_case(side, title="丙案")
    client = api(side.district_officer)
    everything = client.get("/cases").json()
    assert everything["count"] == 3
    assert client.get("/cases", stage="service").json()["items"][0]["id"] == served.pk
    assert client.get("/cases", q="乙").json()["count"] == 1
    assert client.get("/cases", source="other").json()["count"] == 3
    assert client.get("/cases", source="sample").json()["count"] == 0
    assert client.get("/cases", party=side.the_producer.pk).json()["count"] == 3
    assert client.get("/cases", opened_from=days_ago(59).isoformat()).json()["count"] == 0
    assert client.get("/cases", opened_to=days_ago(60).isoformat()).json()["count"] == 3
    # Overdue: the decided cases are not published within 7 working days; the served
    # one's fine is also late.
    overdue = client.get("/cases", overdue="true").json()
    assert {i["title"] for i in overdue["items"]} == {"乙案", "丙案"}
    paged = client.get("/cases", page=2, page_size=2).json()
    assert paged["count"] == 3 and len(paged["items"]) == 1
    export = client.get("/cases", format="xlsx")
    assert export["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.values)
    assert rows[0][0] == "案件编号" and len(rows) == 4
    assert {r[1] for r in rows[1:]} == {"甲案", "乙案", "丙案"}


def test_the_legal_bases_are_listed(world, api):
    load_legal_bases()
    items = api(world.pudong.enforcement_officer).get("/legal-bases").json()["items"]
    codes = {i["code"]: i for i in items}
    assert len(codes) == 10 and codes["NCPAQ-70"]["serious"] and codes["NYGL-60"]["serious"]
    assert codes["NCPAQ-73"]["label"] == "《中华人民共和国农产品质量安全法》第七十三条"
