"""Producer findings (主体风险): each producer's failure rate and near-miss rate over its
laboratory samples of the last `window_days`, by empirical-Bayes beta-binomial
(`methods.smallcounts.flagged`), so a producer is not flagged on one sample. A near miss
is a sample with a residue above `near_ratio` of its limit and within it (a compliant
result); a producer flagged on near misses and not on failures gets a blue warning —
repeated near misses warn before a failure.

The prior is fitted to every producer sampled in the window (the population), also when
only some producers are re-evaluated after new results."""

import datetime as dt

import numpy as np
from django.db.models import Case, Count, F, FloatField, Q, When
from django.db.models.functions import Cast

from nongan.monitoring.models import Result
from nongan.producers.models import Producer

from .. import explain, series
from ..methods.smallcounts import flagged
from . import Finding, rounded

MICROGRAMS = "μg/kg"


def _window(today: dt.date, s: dict) -> tuple[dt.datetime, dt.datetime]:
    return (series.at_midnight(today - dt.timedelta(days=s["producer"]["window_days"])),
            series.at_midnight(today + dt.timedelta(days=1)))


def counts(today: dt.date, s: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Producer ids, samples n, failing samples y, near-miss samples z (aligned arrays)."""
    since, until = _window(today, s)
    samples = (series.lab_samples()
               .filter(sampled_at__gte=since, sampled_at__lt=until, verdict__in=series.JUDGED)
               .values_list("producer_id")
               .annotate(n=Count("pk"), y=Count("pk", filter=Q(verdict="non_compliant")))
               .order_by("producer_id"))
    rows = list(samples)
    if not rows:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty, empty
    ids, n, y = (np.array(c, dtype=np.int64) for c in zip(*rows, strict=True))
    near = dict(_near_misses(since, until, s["producer"]["near_ratio"]))
    z = np.array([near.get(int(pk), 0) for pk in ids], dtype=np.int64)
    return ids, n, y, z


def _near(results, ratio: float):
    """The near-miss results among `results`: compliant, above `ratio` of the limit, the
    residue converted to mg/kg like the limit."""
    value = Cast("value", FloatField())
    mg = Case(When(unit=MICROGRAMS, then=value / 1000.0), default=value,
              output_field=FloatField())
    return (results.filter(current=True, status="compliant", mrl__gt=0, value__isnull=False)
            .annotate(mg=mg, half=Cast("mrl", FloatField()) * ratio)
            .filter(mg__gt=F("half")))


def _near_misses(since, until, ratio: float):
    """(producer, samples with a near miss)."""
    results = Result.objects.filter(
        sample__kind__in=series.LAB_KINDS, sample__retest_of__isnull=True,
        sample__verdict__in=series.JUDGED, sample__sampled_at__gte=since,
        sample__sampled_at__lt=until)
    return (_near(results, ratio).values_list("sample__producer_id")
            .annotate(k=Count("sample_id", distinct=True)).order_by())


def findings(today: dt.date, s: dict, *, producers=None) -> tuple[list, int]:
    """Findings for every producer sampled in the window (or only `producers`), and how
    many producers were evaluated."""
    ids, n, y, z = counts(today, s)
    if not ids.size:
        return [], 0
    p = s["producer"]
    wanted = np.ones(ids.size, dtype=bool) if producers is None else np.isin(ids, list(producers))
    fail = flagged(y, n, probability=p["probability"])
    near = flagged(z, n, probability=p["probability"]) if z.sum() else []
    p_fail, p_near = y.sum() / n.sum(), (z.sum() / n.sum() if z.sum() else 0.0)
    chosen = [(i, "fail", fail[i], p_fail) for i in np.flatnonzero(wanted) if fail[i]["flagged"]]
    chosen += [(i, "near", near[i], p_near) for i in np.flatnonzero(wanted)
               if near and near[i]["flagged"] and not fail[i]["flagged"]]
    if not chosen:
        return [], int(wanted.sum())
    found = Producer.objects.in_bulk([int(ids[i]) for i, *_ in chosen])
    since, until = _window(today, s)
    return [_finding(found[int(ids[i])], kind, row, p_ref, since, until, s)
            for i, kind, row, p_ref in chosen], int(wanted.sum())


def _finding(producer, which, row, p_ref, since, until, s) -> Finding:
    p = s["producer"]
    figures = {"window_days": p["window_days"], "n": row["n"], "y": row["y"],
               "p_ref": rounded(p_ref, 4), "posterior_mean": rounded(row["posterior_mean"], 4),
               "exceedance": rounded(row["exceedance"], 4), "probability": p["probability"],
               "near_ratio": p["near_ratio"], "village": producer.village_id}
    qs = series.lab_samples().filter(producer=producer, sampled_at__gte=since,
                                     sampled_at__lt=until)
    if which == "fail":
        qs = qs.filter(verdict="non_compliant")
        text = explain.producer_failures(producer.name, figures)
    else:
        qs = qs.filter(results__pk__in=_near_result_ids(producer, since, until, p["near_ratio"]))
        text = explain.producer_near(producer.name, figures)
    return Finding(
        key=f"producer:{producer.pk}:{which}", kind="producer",
        level="yellow" if which == "fail" else "blue", region=producer.town_id,
        district=producer.district_id, town=producer.town_id, explanation=text,
        figures=figures,
        samples=sorted(set(qs.values_list("pk", flat=True))), producer=producer.pk,
        districts=(producer.district_id,), towns=(producer.town_id,))


def _near_result_ids(producer, since, until, ratio):
    return _near(Result.objects.filter(sample__producer=producer, sample__sampled_at__gte=since,
                                       sample__sampled_at__lt=until), ratio).values("pk")
