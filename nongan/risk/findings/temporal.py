"""Temporal findings (时间聚集): every region × category × pesticide series evaluated at the
latest complete month(s) — Farrington-flexible where the series has b years and the
window of history, EARS otherwise (`methods.temporal.detect`).

Only series with at least `min_cases` cases in the `min_cases_months` months up to an
evaluated month are evaluated: the limit54 rule of Farrington-flexible, which forbids an
alarm without them, applied to EARS as well. It is also what keeps the nightly run cheap:
the failing results of those months say which (category, pesticide) pairs can alarm at
all, and only their history is aggregated (most pairs have no failure at all)."""

import datetime as dt

import numpy as np

from .. import explain, rules, series
from ..methods import temporal as methods
from . import Finding, region_names, rounded, significant

HISTORY_SHOWN = 13  # months of the series kept in the figures (for the chart)


def evaluated_months(today: dt.date, s: dict) -> list[dt.date]:
    this_month = series.month_start(today)
    n = s["temporal"]["evaluate_months"]
    return [series.add_months(this_month, -k) for k in range(n, 0, -1)]


def months_loaded(today: dt.date, s: dict) -> list[dt.date]:
    """From b years and the window before the first evaluated month (not before the
    records began) to the last evaluated month."""
    t = s["temporal"]
    evaluated = evaluated_months(today, s)
    start = series.add_months(evaluated[0], -methods.first_farrington_index(t["freq"], t["b"],
                                                                            t["w"]))
    first = series.first_month()
    if first is None or first > evaluated[-1]:
        return []
    start = max(start, first)
    months, month = [], start
    while month <= evaluated[-1]:
        months.append(month)
        month = series.add_months(month, 1)
    return months


def _recent(counts: np.ndarray, t: int, span: int) -> np.ndarray:
    return counts[:, max(0, t - span + 1):t + 1].sum(axis=1)


def _params(s: dict) -> dict:
    t = s["temporal"]
    return {"freq": t["freq"], "b": t["b"], "w": t["w"], "alpha": t["alpha"],
            "limit54": (t["min_cases"], t["min_cases_months"]),
            "ears_method": t["ears_method"], "ears_alpha": t["ears_alpha"],
            "ears_min_sigma": t["ears_min_sigma"]}


def evaluate(found: series.SeriesSet, s: dict, evaluated: list[int]) -> list[tuple]:
    """(row, detection, recent cases) of every alarm in `found` at the evaluated months."""
    t = s["temporal"]
    earliest = t.get("ears_baseline", 7) + 2  # EARS C2 needs 7 months and a gap of 2
    alarms = []
    for k in evaluated:
        recent = _recent(found.counts, k, t["min_cases_months"])
        for row in np.flatnonzero(recent >= t["min_cases"]):
            sampled = np.flatnonzero(found.totals[row, :k + 1])
            start = int(sampled[0]) if sampled.size else k
            if k - start < earliest:
                continue
            detections = methods.detect(found.counts[row, start:], found.totals[row, start:],
                                        indices=[k - start], **_params(s))
            for d in detections:
                if d.alarm:
                    alarms.append((int(row), d, int(recent[row]), k))
    return alarms


def candidates(months: list[dt.date], evaluated: list[int], s: dict,
               district: str | None = None) -> tuple[set, set | None]:
    """(category, pesticide) pairs whose city series has `min_cases` failures in the months
    up to an evaluated one — read from the failing results of those months alone; a
    district's series is part of its city's, so no other pair can alarm anywhere. With
    `district`, also the pairs it failed in those months (with its categories' all-pesticide
    pairs): what its new results can change; the candidates are then limited to them."""
    span = s["temporal"]["min_cases_months"]
    recent = months[max(0, evaluated[0] - span + 1):]
    shift = len(months) - len(recent)
    fails = series.analyte_series(recent, failing_only=True)
    city = series.city_series(fails)
    passing = set()
    for k in evaluated:
        enough = _recent(city.counts, k - shift, span) >= s["temporal"]["min_cases"]
        passing |= {city.keys[i][1:] for i in np.flatnonzero(enough)}
    if district is None:
        return passing, None
    touched = {key[1:] for key in fails.keys if key[0] == district}
    touched |= {(category, "") for category, _ in touched}
    return passing & touched, touched


def findings(today: dt.date, s: dict, *, district: str | None = None) -> tuple[list, int]:
    """Findings of the districts' series and the city's; returns them and the number of
    series evaluated. With `district`, only the (category, pesticide) pairs that district
    failed recently are evaluated — in every district and the city, so that one risk is
    still one warning (`without_repeats`)."""
    months = months_loaded(today, s)
    if not months:
        return [], 0
    evaluated = [months.index(m) for m in evaluated_months(today, s) if m in months]
    pairs, touched = candidates(months, evaluated, s, district)
    every = series.concat(series.analyte_series(months, keys=pairs),
                          series.sample_series(months))
    if touched is not None:
        every = series.subset(every, [i for i, key in enumerate(every.keys)
                                      if key[1:] in touched])
    found, n = [], 0
    for family in (every, series.city_series(every)):
        for k in evaluated:
            recent = _recent(family.counts, k, s["temporal"]["min_cases_months"])
            n += int((recent >= s["temporal"]["min_cases"]).sum())
        found += [_finding(family, row, d, recent, k, s)
                  for row, d, recent, k in evaluate(family, s, evaluated)]
    return without_repeats(found), n


def without_repeats(found: list[Finding]) -> list[Finding]:
    """One warning per risk: the city's alarm of a category and pesticide is left out when
    every district with failures in it alarmed on its own, and an all-pesticides alarm when
    a pesticide of the same region and category alarmed (the same failing samples)."""
    alarmed: dict[tuple, set] = {}
    for f in found:
        if f.region != series.CITY:
            alarmed.setdefault((f.category, f.pesticide), set()).add(f.region)
    found = [f for f in found if f.region != series.CITY
             or not set(f.districts) <= alarmed.get((f.category, f.pesticide), set())]
    specific = {(f.region, f.category) for f in found if f.pesticide}
    return [f for f in found if f.pesticide or (f.region, f.category) not in specific]


def _finding(found: series.SeriesSet, row: int, d, recent: int, k: int, s: dict) -> Finding:
    region, category, pesticide = found.keys[row]
    month = found.months[k]
    start = max(0, k - HISTORY_SHOWN + 1)
    city = region == series.CITY
    samples = failing_samples(region, category, pesticide, month)
    figures = {
        "period": f"{month:%Y-%m}", "period_label": f"{month.year}年{month.month}月",
        "category": category, "pesticide": pesticide, "method": d.method,
        "observed": d.observed, "tested": int(found.totals[row, k]),
        "expected": rounded(d.expected), "upper": rounded(d.upper),
        "p_value": significant(d.details.get("p_value")),
        "recent_cases": recent, "recent_months": s["temporal"]["min_cases_months"],
        "history": [[f"{m:%Y-%m}", int(found.counts[row, j]), int(found.totals[row, j])]
                    for j, m in enumerate(found.months[start:k + 1], start)],
    }
    involved = sorted({d for _pk, d, _t in samples})
    name = region_names([region]).get(region, region)
    return Finding(
        key=f"temporal:{region}:{category}:{pesticide or '*'}", kind="temporal",
        level=rules.temporal_level(d.observed, d.upper, s), region=region,
        district=None if city else region, town=None,
        explanation=explain.temporal(name, figures), figures=figures,
        samples=[pk for pk, _d, _t in samples], category=category, pesticide=pesticide,
        districts=tuple(involved) if city else (region,))


def failing_samples(region: str, category: str, pesticide: str, month: dt.date) -> list:
    """(pk, district, town) of the series' failing samples in `month`."""
    qs = series.lab_samples().filter(
        category=category, sampled_at__gte=series.at_midnight(month),
        sampled_at__lt=series.at_midnight(series.add_months(month, 1)))
    if region != series.CITY:
        qs = qs.filter(district_id=region)
    if pesticide:
        qs = qs.filter(results__current=True, results__analyte=pesticide,
                       results__status__in=series.FAILING)
    else:
        qs = qs.filter(verdict="non_compliant")
    return list(qs.order_by("sampled_at", "pk").values_list("pk", "district_id", "town_id")
                .distinct())
