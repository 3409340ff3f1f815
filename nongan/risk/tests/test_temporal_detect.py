"""`detect`: Farrington where the series has three years and the window, EARS before that."""

import numpy as np
import pytest

from nongan.risk.methods.temporal import detect, ears, farrington_flexible


def series(n, seed=1):
    rng = np.random.default_rng(seed)
    totals = rng.integers(30, 60, n)
    return rng.binomial(totals, 0.1), totals


def test_each_period_gets_the_detector_its_history_allows():
    counts, totals = series(45)
    found = {d.index: d.method for d in detect(counts, totals)}
    assert min(found) == 9  # EARS C2 needs 7 months and a gap of 2; nothing before
    assert {found[9], found[10]} == {"ears-c2"}
    assert {found[k] for k in range(11, 39)} == {"ears-c3"}
    assert {found[k] for k in range(39, 45)} == {"farrington"}


def test_detect_gives_the_detectors_own_answers():
    counts, totals = series(45)
    (late,) = detect(counts, totals, indices=[44], alpha=0.01)
    assert late == farrington_flexible(counts, totals, indices=[44], alpha=0.01)[0]
    (early,) = detect(counts, totals, indices=[20], ears_method="C1", ears_alpha=0.01,
                      ears_min_sigma=0.5)
    assert early == ears(counts, method="C1", alpha=0.01, min_sigma=0.5, indices=[20])[0]


def test_a_fit_without_information_falls_back_to_ears():
    counts, totals = series(45)
    totals[:36] = 0  # nothing sampled in the baseline years
    counts[:36] = 0
    (d,) = farrington_flexible(counts, totals, indices=[44])
    assert not d.details["converged"] and np.isnan(d.upper) and not d.alarm
    (d,) = detect(counts, totals, indices=[44])
    assert d.method == "ears-c3"


def test_unknown_parameters_are_refused():
    counts, totals = series(45)
    with pytest.raises(TypeError):
        detect(counts, totals, beta=2)
    with pytest.raises(ValueError):
        detect(counts, totals, indices=[3])
