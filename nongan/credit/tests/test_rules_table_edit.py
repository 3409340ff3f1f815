"""The city administrator replaces the credit rule table (GET/PUT /api/v1/credit-rules and
the page /credit-rules/): every row checked, 422 naming row and field, nothing stored
unless all pass; a change is audited, raises the version and recomputes every grade."""

import pytest

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditRule, GradeChange
from nongan.credit.rules import load_credit_rules
from nongan.credit.services import refresh

from .factories import visit


@pytest.fixture
def table(world):
    load_credit_rules()
    refresh()
    return world


def current(api, user):
    return api(user).get("/credit-rules").json()


def edited(body, kind, **values):
    """A copy of the table with `kind`'s row changed."""
    rows = [dict(r, **values) if r["kind"] == kind else dict(r) for r in body["rules"]]
    return {"version": body["version"], "thresholds": dict(body["thresholds"]), "rules": rows}


def test_every_account_reads_the_table_in_force(table, api):
    for user in (table.city_admin, table.pudong.grid_worker, table.pudong.producer):
        body = current(api, user)
        assert body["version"] == 1 and body["thresholds"] == {"A": 90, "B": 75, "C": 60}
        penalty = next(r for r in body["rules"] if r["kind"] == "penalty")
        assert (penalty["points"], penalty["months"], penalty["forced_grade"],
                penalty["forced_months"], penalty["serious_only"]) == (-30, 24, "D", 12, True)


def test_only_the_city_administrator_may_change_it(table, api):
    body = current(api, table.city_admin)
    answer = api(table.pudong.district_officer).client.put(
        "/api/v1/credit-rules", edited(body, "penalty", points=-40),
        content_type="application/json", headers=api(table.pudong.district_officer).headers)
    assert answer.status_code == 403
    assert CreditRule.objects.get(kind="penalty").points == -30


def put(api, user, data):
    client = api(user)
    return client.client.put("/api/v1/credit-rules", data, content_type="application/json",
                             headers=client.headers)


def test_bad_rows_are_named_and_nothing_is_stored(table, api):
    body = current(api, table.city_admin)
    data = edited(body, "inspection_refer", points="很多")
    data = edited(data, "penalty", forced_grade="E", months=-1)
    data["rules"][0]["serious_only"] = "maybe"
    answer = put(api, table.city_admin, data)
    assert answer.status_code == 422
    detail = {tuple(d["loc"]): d["msg"] for d in answer.json()["detail"]}
    refer = [n for n, r in enumerate(data["rules"]) if r["kind"] == "inspection_refer"][0]
    penalty = [n for n, r in enumerate(data["rules"]) if r["kind"] == "penalty"][0]
    assert set(detail) == {("body", "rules", refer, "points"), ("body", "rules", penalty,
                                                                "forced_grade"),
                           ("body", "rules", penalty, "months"),
                           ("body", "rules", 0, "serious_only")}
    assert detail[("body", "rules", refer, "points")].startswith(
        f"第 {refer + 1} 行（巡查移交执法）：分值")
    assert current(api, table.city_admin) == body
    assert not AuditEntry.objects.filter(action="credit.rules.update").exists()


@pytest.mark.parametrize(("change", "loc"), [
    (lambda d: d["rules"].pop(), ("body", "rules")),
    (lambda d: d["rules"].append(dict(d["rules"][0])), ("body", "rules", 9, "kind")),
    (lambda d: d["rules"][1].update(kind="littering"), ("body", "rules", 1, "kind")),
    (lambda d: d["thresholds"].update(B=95), ("body", "thresholds")),
    (lambda d: d["thresholds"].update(C=None), ("body", "thresholds", "C")),
    (lambda d: d.update(rules="all"), ("body", "rules")),
])
def test_the_table_must_be_whole_and_ordered(table, api, change, loc):
    data = current(api, table.city_admin)
    change(data)
    answer = put(api, table.city_admin, data)
    assert answer.status_code == 422
    assert loc in {tuple(d["loc"]) for d in answer.json()["detail"]}
    assert current(api, table.city_admin)["version"] == 1


def test_a_change_is_audited_versioned_and_regrades_everyone(table, api):
    side = table.pudong
    visit(side, "rectify")  # 95: A
    body = current(api, table.city_admin)
    answer = put(api, table.city_admin, edited(body, "inspection_rectify", points=-20))
    assert answer.status_code == 200
    result = answer.json()
    assert result["version"] == 2 and result["updated_by"] == table.city_admin.username
    assert result["recomputed"]["changed"] == 1 and result["recomputed"]["rules_version"] == 2
    side.the_producer.refresh_from_db()
    assert side.the_producer.credit_grade == "B"
    change = GradeChange.objects.filter(producer=side.the_producer).first()
    assert (change.cause, change.note, change.score, change.rules_version) == (
        "rules", "信用规则调整（第 2 版）", 80, 2)
    entry = AuditEntry.objects.get(action="credit.rules.update")
    assert entry.actor == table.city_admin
    assert entry.changes["before"]["rules"]["inspection_rectify"][0] == -5
    assert entry.changes["after"]["rules"]["inspection_rectify"][0] == -20
    # An edit made from the old version is refused; the same table again changes nothing.
    assert put(api, table.city_admin, edited(body, "penalty", points=-50)).status_code == 409
    again = put(api, table.city_admin, edited(result, "inspection_rectify", points=-20))
    assert again.json()["version"] == 2 and again.json()["recomputed"] is None


def test_the_page_shows_the_table_and_saves_it_for_the_city_only(table, login):
    page = login(table.pudong.district_officer).get("/credit-rules/")
    assert page.status_code == 200 and "行政处罚" in page.content.decode()
    assert "<input" not in page.content.decode().split("事件计分")[1]
    assert login(table.pudong.district_officer).post("/credit-rules/", {}).status_code == 403
    admin = login(table.city_admin)
    assert 'name="rules-0-points"' in admin.get("/credit-rules/").content.decode()
    form = {"version": "1", "threshold-A": "90", "threshold-B": "75",
            "threshold-C": "60"}
    for n, rule in enumerate(CreditRule.objects.order_by("pk")):
        form |= {f"rules-{n}-kind": rule.kind, f"rules-{n}-points": str(rule.points),
                 f"rules-{n}-months": str(rule.months),
                 f"rules-{n}-forced_grade": rule.forced_grade,
                 f"rules-{n}-forced_months": str(rule.forced_months)}
        if rule.serious_only:
            form[f"rules-{n}-serious_only"] = "on"
    bad = admin.post("/credit-rules/", form | {"rules-2-months": "abc"})
    assert bad.status_code == 422 and "第 3 行" in bad.content.decode()
    assert 'aria-invalid="true"' in bad.content.decode()
    done = admin.post("/credit-rules/", form | {"rules-2-months": "6"}, follow=True)
    assert "第 2 版" in done.content.decode()
    assert CreditRule.objects.get(kind="inspection_rectify").months == 6
    assert CreditRule.objects.get(kind="penalty").serious_only
