"""Every figure opens the records behind it, and that list counts what the figure says —
whether it is another app's list page filtered the same way or this app's record list."""

from urllib.parse import urlparse

from nongan.inspections.schedules import shanghai_today


def listed(page, url) -> int:
    """How many records the page at `url` lists (its `result` or, on the coverage page,
    the section named by the fragment)."""
    parts = urlparse(url)
    response = page.get(parts.path + ("?" + parts.query if parts.query else ""))
    assert response.status_code == 200, url
    if parts.fragment:
        return response.context["pages"][parts.fragment]["count"]
    return response.context["result"]["count"]


def pairs(found: dict) -> list[tuple[int, str]]:
    """(figure, the link it opens) for every headline figure of the overview."""
    register, coverage = found["register"], found["coverage"]
    signing, inspections = found["commitments"], found["inspections"]
    samples, warnings, cases = found["samples"], found["warnings"], found["cases"]
    out = [(register[key], register["records"][key]) for key in register["records"]]
    out += [(k["count"], k["records"]) for k in register["by_kind"]]
    out += [(coverage[key], coverage["records"][key]) for key in coverage["records"]]
    out += [(signing["letters"], signing["records"]["letters"]),
            (signing["signed"], signing["records"]["signed"]),
            (signing["unsigned"], signing["records"]["unsigned"])]
    out += [(a["unsigned"], a["records"]) for a in signing["areas"]]
    out += [(inspections[key], inspections["records"][key]) for key in
            ("due", "done", "overdue", "visits")]
    out += [(k["total"], k["records"]) for k in inspections["by_obligation"]]
    out += [(a["overdue"], a["records"]) for a in inspections["areas"]]
    out += [(samples["total"], samples["records"]["samples"]),
            (samples["non_compliant"], samples["records"]["non_compliant"])]
    out += [(warnings["total"], warnings["records"]["open"]),
            (warnings["issued_in_period"], warnings["records"]["issued_in_period"]),
            (warnings["without_town"]["total"], warnings["without_town"]["records"])]
    out += [(t["total"], t["records"]) for t in warnings["towns"]]
    out += [(level["count"], level["records"]) for level in warnings["levels"]]
    out += [(cases["total"], cases["records"]["cases"])]
    out += [(s["count"], s["records"]) for s in cases["stages"]]
    return out


def test_every_headline_figure_opens_its_records(world, made, api, login):
    officer = world.pudong.district_officer
    found = api(officer).get("/stats/overview").json()
    page = login(officer)
    checked = [(figure, url, listed(page, url)) for figure, url in pairs(found)]
    assert len(checked) > 40
    assert [c for c in checked if c[0] != c[2]] == []


def test_every_series_item_opens_its_records(world, made, api, login):
    officer = api(world.city_admin)
    page = login(world.city_admin)
    for by, count in (("month", "non_compliant"), ("product", "total"),
                      ("pesticide", "failed"), ("district", "total"), ("town", "total")):
        for item in officer.get("/stats/samples", by=by).json()["items"]:
            assert listed(page, item["records"]) == item[count], (by, item)


def test_a_months_link_keeps_inside_the_period(world, made, api):
    today = shanghai_today()
    start = today.replace(day=min(today.day, 2))
    months = api(world.pudong.district_officer).get(
        "/stats/samples", by="month", **{"from": start.isoformat(),
                                         "to": today.isoformat()}).json()["items"]
    assert [m["month"] for m in months] == [f"{today:%Y-%m}"]
    assert f"from={start.isoformat()}" in months[0]["records"]
