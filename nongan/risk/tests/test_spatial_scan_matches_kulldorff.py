"""The spatial scan's most likely cluster is Kulldorff's: its LLR is the formula worked by
hand on a small map, and on random maps (with locations at equal distances) it equals a
brute force over every circle written straight from the formula; windows hold at most half
of the samples and only count when their rate is above the rest's."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nongan.risk.methods.spatial import Location, bernoulli_scan, great_circle_km


def kulldorff_llr(c, n, C, N):
    """Kulldorff's Bernoulli LLR with 0·ln 0 = 0, term by term as SaTScan writes it."""
    def x_ln(x, ratio):
        return 0.0 if x == 0 else x * math.log(ratio)

    inside = x_ln(c, c / n) + x_ln(n - c, (n - c) / n)
    outside = x_ln(C - c, (C - c) / (N - n)) + x_ln(N - n - C + c, (N - n - C + c) / (N - n))
    return inside + outside - x_ln(C, C / N) - x_ln(N - C, (N - C) / N)


def haversine_km(a, b):
    lon1, lat1, lon2, lat2 = map(math.radians, (a.lon, a.lat, b.lon, b.lat))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 2 * 6371.0088 * math.asin(math.sqrt(min(1.0, h)))


def brute_force(locations, max_share=0.5, higher_only=True):
    """The largest LLR over every circle: each location as centre, each distance to another
    location as radius (locations within 1e-9 km of the radius inside)."""
    C = sum(loc.cases for loc in locations)
    N = sum(loc.total for loc in locations)
    best = 0.0
    for centre in locations:
        distance = {loc.id: haversine_km(centre, loc) for loc in locations}
        for radius in set(distance.values()):
            inside = [loc for loc in locations if distance[loc.id] <= radius + 1e-9]
            c = sum(loc.cases for loc in inside)
            n = sum(loc.total for loc in inside)
            if n == 0 or n > max_share * N or n == N:
                continue
            if higher_only and not c / n > (C - c) / (N - n):
                continue
            best = max(best, kulldorff_llr(c, n, C, N))
    return best


def test_a_small_map_worked_by_hand():
    # On one parallel: A, then B 0.1° east, then C 0.2° further. N = 40, C = 8, so windows
    # hold at most 20 samples: {A}, {A,B}, {B}, {B,A} and {C} (rate 0.1, below the rest's
    # 0.3). {A}: 5/10 against 3/30; {A,B}: 6/20 against 2/20.
    towns = [Location("A", 121.0, 31.0, 5, 10), Location("B", 121.1, 31.0, 1, 10),
             Location("C", 121.3, 31.0, 2, 20)]
    by_hand_a = (5 * math.log(0.5) + 5 * math.log(0.5) + 3 * math.log(0.1) + 27 * math.log(0.9)
                 - 8 * math.log(0.2) - 32 * math.log(0.8))
    by_hand_ab = (6 * math.log(0.3) + 14 * math.log(0.7) + 2 * math.log(0.1)
                  + 18 * math.log(0.9) - 8 * math.log(0.2) - 32 * math.log(0.8))
    assert by_hand_a == pytest.approx(3.3321, abs=1e-4) and by_hand_ab < by_hand_a
    cluster = bernoulli_scan(towns, replications=99, random_seed=1)
    assert cluster.members == ["A"] and cluster.center == "A" and cluster.radius_km == 0
    assert abs(cluster.llr - by_hand_a) < 1e-9
    assert (cluster.cases, cluster.total, cluster.expected) == (5, 10, 2.0)
    assert cluster.rate_inside == 0.5 and cluster.rate_outside == pytest.approx(0.1)
    assert cluster.replications == 99 and 0 < cluster.p_value <= 1


def test_the_great_circle_distance():
    # One degree of latitude is 111.2 km; Shanghai (121.47, 31.23) to Beijing (116.41, 39.90)
    # is about 1068 km.
    assert great_circle_km(121.0, 31.0, 121.0, 32.0) == pytest.approx(111.19, abs=0.01)
    assert great_circle_km(121.47, 31.23, 116.41, 39.90) == pytest.approx(1068, abs=3)
    many = great_circle_km(np.array([121.0, 121.5]), 31.0, 121.0, np.array([31.0, 31.0]))
    assert many[0] == 0 and many[1] == pytest.approx(47.6, abs=0.1)


GRID = st.tuples(st.integers(0, 3), st.integers(0, 3))  # few points: many equal distances


@st.composite
def grid_maps(draw):
    """2–12 locations on a 4 × 4 grid of 0.1° (duplicates allowed: distance 0 ties)."""
    count = draw(st.integers(2, 12))
    locations = []
    for i in range(count):
        x, y = draw(GRID)
        total = draw(st.integers(0, 30))
        cases = draw(st.integers(0, total))
        locations.append(Location(f"L{i}", 121.0 + 0.1 * x, 31.0 + 0.1 * y, cases, total))
    return locations


@settings(max_examples=300, deadline=None)
@given(grid_maps(), st.sampled_from([0.5, 0.3, 0.9]))
def test_the_llr_equals_a_brute_force_on_grid_maps(locations, max_share):
    cluster = bernoulli_scan(locations, replications=0, max_share=max_share)
    expected = brute_force(locations, max_share)
    if cluster is None:
        assert expected == 0
        return
    assert abs(cluster.llr - expected) < 1e-6
    inside = [loc for loc in locations if loc.id in cluster.members]
    C = sum(loc.cases for loc in locations)
    N = sum(loc.total for loc in locations)
    c, n = sum(loc.cases for loc in inside), sum(loc.total for loc in inside)
    assert (cluster.cases, cluster.total) == (c, n) and n <= max_share * N
    assert abs(kulldorff_llr(c, n, C, N) - cluster.llr) < 1e-6


@pytest.mark.parametrize("seed", range(5))
def test_the_llr_equals_a_brute_force_on_shanghai_maps(seed):
    rng = np.random.default_rng(seed)
    totals = rng.integers(1, 200, 60)
    locations = [Location(f"T{i}", rng.uniform(120.9, 121.9), rng.uniform(30.7, 31.9),
                          int(rng.binomial(total, rng.uniform(0.01, 0.1))), int(total))
                 for i, total in enumerate(totals)]
    cluster = bernoulli_scan(locations, replications=0)
    assert abs(cluster.llr - brute_force(locations)) < 1e-6


def test_members_come_centre_first_then_by_distance_with_ties_together():
    # B and C lie 0.1° north and south of the centre A, at equal distance; D twice as far.
    towns = [Location("D", 121.0, 31.2, 0, 60), Location("B", 121.0, 31.1, 3, 10),
             Location("A", 121.0, 31.0, 3, 10), Location("C", 121.0, 30.9, 3, 10),
             Location("E", 122.0, 31.0, 0, 60)]
    cluster = bernoulli_scan(towns, replications=0)
    assert cluster.center == "A" and cluster.members[0] == "A"
    assert sorted(cluster.members[1:]) == ["B", "C"]  # never B without C
    assert cluster.radius_km == pytest.approx(11.12, abs=0.01)


def test_windows_hold_at_most_half_of_the_samples():
    # Six towns in a row, the western four at 20 % and the eastern two at 2 %: the whole
    # high-rate stretch holds 240 of the 440 samples, beyond the default cap of 220.
    towns = [Location(f"W{i}", 121.0 + 0.05 * i, 31.0, 12, 60) for i in range(4)]
    towns += [Location(f"E{i}", 121.5 + 0.05 * i, 31.0, 2, 100) for i in range(2)]
    half = bernoulli_scan(towns, replications=0)
    assert half.total == 180 and len(half.members) == 3
    assert half.llr == pytest.approx(brute_force(towns, 0.5), abs=1e-9)
    wider = bernoulli_scan(towns, replications=0, max_share=0.6)
    assert sorted(wider.members) == ["W0", "W1", "W2", "W3"] and wider.llr > half.llr
    assert wider.llr == pytest.approx(brute_force(towns, 0.6), abs=1e-9)


def test_only_windows_with_a_rate_above_the_rest_count():
    # A big clean town is the strongest departure from the average, but a cluster of low
    # rates is not a risk: the scan reports the best high-rate window instead.
    towns = [Location("clean", 121.0, 31.0, 0, 200)]
    towns += [Location(f"T{i}", 121.5 + 0.05 * i, 31.2, 6 + i % 3, 60) for i in range(6)]
    cluster = bernoulli_scan(towns, replications=0)
    assert "clean" not in cluster.members and cluster.rate_inside > cluster.rate_outside
    assert cluster.llr == pytest.approx(brute_force(towns), abs=1e-9)
    assert brute_force(towns, higher_only=False) > cluster.llr + 1


@pytest.mark.parametrize("towns", [
    [Location("A", 121.0, 31.0, 0, 10), Location("B", 121.1, 31.0, 0, 20)],  # no cases
    [Location("A", 121.0, 31.0, 10, 10), Location("B", 121.1, 31.0, 20, 20)],  # no controls
    [Location("A", 121.0, 31.0, 2, 10), Location("B", 121.1, 31.0, 2, 10)],  # equal rates
    [Location("A", 121.0, 31.0, 1, 10)],  # one town is the whole map
    [],
])
def test_no_cluster_without_a_window_above_the_rest(towns):
    assert bernoulli_scan(towns, replications=9) is None


def test_bad_locations_are_refused():
    with pytest.raises(ValueError):
        bernoulli_scan([Location("A", 121.0, 31.0, 3, 2)])
    with pytest.raises(ValueError):
        bernoulli_scan([Location("A", 121.0, 31.0, 1, 2)], max_share=0)
