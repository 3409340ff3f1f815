"""The spatial scan's Monte-Carlo p-value: a planted cluster of non-compliance is found and
significant, a map without one mostly is not, the same seed gives the same answer and two
seeds agree within Monte-Carlo error."""

import math

import numpy as np

from nongan.risk.methods.spatial import Location, bernoulli_scan, great_circle_km


def shanghai_map(seed, towns=100, rate=0.03, planted=0, relative_risk=1.0):
    """Towns at random in Shanghai's box with 20–200 samples each; the `planted` towns
    nearest to a random one have `relative_risk` times the rate. Returns the towns and the
    planted ids."""
    rng = np.random.default_rng(seed)
    lon, lat = rng.uniform(120.9, 121.9, towns), rng.uniform(30.7, 31.9, towns)
    totals = rng.integers(20, 201, towns)
    centre = rng.integers(towns)
    nearest = np.argsort(great_circle_km(lon[centre], lat[centre], lon, lat))[:planted]
    rates = np.full(towns, rate)
    rates[nearest] *= relative_risk
    cases = rng.binomial(totals, rates)
    locations = [Location(f"T{i}", float(lon[i]), float(lat[i]), int(cases[i]), int(totals[i]))
                 for i in range(towns)]
    return locations, {f"T{i}" for i in nearest}


def test_a_planted_cluster_is_found_and_significant():
    towns, planted = shanghai_map(seed=7, planted=4, relative_risk=4)
    cluster = bernoulli_scan(towns, random_seed=1)
    assert cluster.p_value < 0.05 and cluster.replications == 999
    assert planted & set(cluster.members)
    assert cluster.rate_inside > 2 * cluster.rate_outside


def test_maps_without_a_cluster_are_mostly_not_significant():
    p_values = [bernoulli_scan(shanghai_map(seed)[0], replications=199, random_seed=seed).p_value
                for seed in range(20)]
    assert sum(p <= 0.05 for p in p_values) <= 2  # 1 expected at the 5 % level
    assert np.median(p_values) > 0.2


def test_the_same_seed_gives_the_same_p_value():
    towns, _ = shanghai_map(seed=3)
    first = bernoulli_scan(towns, replications=199, random_seed=11)
    assert bernoulli_scan(towns, replications=199, random_seed=11) == first


def test_two_seeds_agree_within_monte_carlo_error():
    towns, _ = shanghai_map(seed=5, planted=3, relative_risk=1.8)
    one = bernoulli_scan(towns, random_seed=1)
    two = bernoulli_scan(towns, random_seed=2)
    assert one.llr == two.llr and one.members == two.members
    p = (one.p_value + two.p_value) / 2
    assert 0.02 < p < 0.98  # a map where the p-value is not at its bounds
    standard_error = math.sqrt(2 * p * (1 - p) / 999)  # of the difference of two estimates
    assert abs(one.p_value - two.p_value) < 4 * standard_error


def test_the_p_value_is_a_rank_among_the_replications():
    towns, _ = shanghai_map(seed=9, planted=5, relative_risk=6)
    cluster = bernoulli_scan(towns, replications=99, random_seed=1)
    assert cluster.p_value == 0.01  # no replication reached it: rank 1 of 100
    assert bernoulli_scan(towns, replications=0).p_value == 1.0
