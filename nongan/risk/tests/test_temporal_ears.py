"""EARS C1, C2 and C3 as CDC defines them, checked against sums done by hand."""

from statistics import NormalDist, mean, stdev

import pytest

from nongan.risk.methods.temporal import ears

SERIES = [3, 5, 4, 6, 2, 4, 5, 3, 7, 4, 6, 5, 14, 9, 4]
Z = NormalDist().inv_cdf(0.999)  # 3.09


def c(t, gap):
    """(y − mean)/sd over the 7 months ending gap + 1 before t."""
    ref = SERIES[t - gap - 7:t - gap]
    return (SERIES[t] - mean(ref)) / stdev(ref), mean(ref), stdev(ref)


def by_index(found):
    return {d.index: d for d in found}


def test_c1_uses_the_seven_months_before():
    found = by_index(ears(SERIES, method="C1"))
    assert min(found) == 7 and max(found) == 14
    statistic, m, sd = c(12, 0)  # 14 against 3,7,4,6,5 … : mean 4.857, sd 1.345
    d = found[12]
    assert d.expected == pytest.approx(m) and d.upper == pytest.approx(m + Z * sd)
    assert d.details["statistic"] == pytest.approx(statistic) and d.alarm
    assert d.method == "ears-c1"
    assert not found[11].alarm


def test_c2_leaves_a_gap_of_two_months():
    found = by_index(ears(SERIES, method="C2"))
    assert min(found) == 9
    statistic, m, sd = c(12, 2)  # baseline months 3–9
    d = found[12]
    assert d.expected == pytest.approx(m) and d.upper == pytest.approx(m + Z * sd)
    assert d.alarm == (statistic > Z)
    # C2 at month 13 still compares with months 4–10: the spike is not in its baseline.
    assert found[13].details["statistic"] == pytest.approx(c(13, 2)[0])


def test_c3_sums_the_month_and_the_two_before_cdc():
    found = by_index(ears(SERIES, method="C3"))
    assert min(found) == 11

    def part(t):
        return max(0.0, c(t, 2)[0] - 1)

    for t in range(11, 15):
        assert found[t].details["statistic"] == pytest.approx(part(t) + part(t - 1) + part(t - 2))
        assert found[t].alarm == (part(t) + part(t - 1) + part(t - 2) > 2)
    assert found[12].alarm  # the spike itself counts (R's earsC would leave it out)
    # Month 14 alarms on the spike two months earlier whatever its own count.
    assert found[14].alarm and found[14].details["carried_over"]
    assert found[14].observed < found[14].upper
    # Otherwise the upper is the count at which the month alarms.
    _, m, sd = c(12, 2)
    previous = part(11) + part(10)
    assert found[12].upper == pytest.approx(m + sd * (3 - previous))


def test_alpha_sets_c1_and_c2_thresholds():
    strict = by_index(ears(SERIES, method="C1", alpha=0.001))[8]
    loose = by_index(ears(SERIES, method="C1", alpha=0.05))[8]
    _, m, sd = c(8, 0)
    assert loose.upper == pytest.approx(m + NormalDist().inv_cdf(0.95) * sd)
    assert loose.upper < strict.upper


def test_a_constant_baseline_alarms_on_any_excess_unless_sigma_has_a_floor():
    counts = [0] * 7 + [1]
    (d,) = ears(counts, method="C1")
    assert d.alarm and d.upper == 0 and d.details["statistic"] is None  # infinite
    (d,) = ears(counts, method="C1", min_sigma=0.5)
    assert not d.alarm and d.upper == pytest.approx(Z * 0.5)
    (d,) = ears([0] * 8, method="C1")
    assert not d.alarm


def test_bad_arguments():
    with pytest.raises(ValueError):
        ears(SERIES, method="C4")
    with pytest.raises(ValueError):
        ears(SERIES, method="C3", indices=[10])  # C3 needs 11 months before
    with pytest.raises(ValueError):
        ears([1, -1, 2, 3, 4, 5, 6, 7], method="C1")
