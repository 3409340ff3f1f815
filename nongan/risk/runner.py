"""Running the detectors over the records and issuing what they find (预警计算).

`run_all` is the nightly run (every method over the whole city); `run_after_results`
recomputes what new results of one district can change — the temporal series of the
categories and pesticides that district failed recently (in every district and the city),
the systemic checks, and the producers whose samples got results — leaving the spatial
scan (999 permutations per scan) to the night."""

import datetime as dt
import time
from collections import Counter

from nongan.inspections.schedules import shanghai_today

from . import rules, services
from .findings import producers, spatial, systemic, temporal


def _issue(found: list, now=None) -> dict:
    outcome = Counter(services.issue_or_update(f, now=now)[1] for f in found)
    return {"issued": outcome["issued"], "updated": outcome["updated"],
            "unchanged": outcome["unchanged"]}


def run_all(today: dt.date | None = None, *, replications: int | None = None,
            now: dt.datetime | None = None) -> dict:
    """The nightly run; answers what it evaluated, found and wrote, and how long it took.
    `now` dates what it writes (the demo replays past nights)."""
    today = today or shanghai_today()
    s = rules.current()
    timings, found = {}, []
    started = time.perf_counter()
    temporal_found, series_evaluated = temporal.findings(today, s)
    timings["temporal"] = time.perf_counter() - started
    mark = time.perf_counter()
    spatial_found, scans = spatial.findings(today, s, replications=replications)
    timings["spatial"] = time.perf_counter() - mark
    mark = time.perf_counter()
    systemic_found = systemic.findings(today, s)
    timings["systemic"] = time.perf_counter() - mark
    mark = time.perf_counter()
    producer_found, producers_evaluated = producers.findings(today, s)
    timings["producer"] = time.perf_counter() - mark
    found = temporal_found + spatial_found + systemic_found + producer_found
    mark = time.perf_counter()
    written = _issue(found, now)
    timings["write"] = time.perf_counter() - mark
    return {"date": today.isoformat(), "series_evaluated": series_evaluated,
            "scans": scans, "producers_evaluated": producers_evaluated,
            "findings": dict(Counter(f.kind for f in found)), **written,
            "seconds": {k: round(v, 3) for k, v in timings.items()}}


def run_after_results(district: str, producer_ids=(), today: dt.date | None = None) -> dict:
    today = today or shanghai_today()
    s = rules.current()
    temporal_found, series_evaluated = temporal.findings(today, s, district=district)
    found = temporal_found + systemic.findings(today, s, district=district)
    if producer_ids:
        found += producers.findings(today, s, producers=set(producer_ids))[0]
    return {"date": today.isoformat(), "district": district,
            "series_evaluated": series_evaluated,
            "findings": dict(Counter(f.kind for f in found)), **_issue(found)}
