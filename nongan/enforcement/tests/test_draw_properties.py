"""The draw (enforcement.draws) as a pure function, over random populations and pools: the
same snapshot and seed give the same draw, a different seed a different one; each stratum
gives what was asked; no team breaks a recusal rule or is short; the published formulas
(SHA-256 of "seed:id", canonical JSON) are what decides."""

import copy
import hashlib
import json
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from nongan.enforcement import draws

TOWNS = ["310115101000", "310115102000", "310115103000", "310115104000"]
PERIOD_END = "2026-09-30"
seeds = st.binary(min_size=32, max_size=32).map(bytes.hex)


@st.composite
def populations(draw, min_size=0, max_size=60):
    ids = draw(st.lists(st.integers(1, 10**6), min_size=min_size, max_size=max_size,
                        unique=True))
    return [{"id": i, "town": draw(st.sampled_from(TOWNS)), "grade": draw(st.sampled_from("ABCD"))}
            for i in sorted(ids)]


@st.composite
def pools(draw, population, *, recusals=True, min_size=3, max_size=8):
    """Officers (at least the largest team), with (when `recusals`) grid duties, declared
    conflicts and expired cards."""
    ids = [m["id"] for m in population]
    officers = []
    for n in range(draw(st.integers(min_size, max_size))):
        if recusals:
            towns = draw(st.lists(st.sampled_from(TOWNS), max_size=2, unique=True))
            conflict_towns = draw(st.lists(st.sampled_from(TOWNS), max_size=1, unique=True))
            conflict_producers = (draw(st.lists(st.sampled_from(ids), max_size=3, unique=True))
                                  if ids else [])
            valid_to = draw(st.sampled_from(["2026-06-30", PERIOD_END, "2099-12-31"]))
        else:
            towns, conflict_towns, conflict_producers, valid_to = [], [], [], "2099-12-31"
        officers.append({"username": f"law-{n:02d}", "card_no": f"31T{n:05d}",
                         "card_valid_to": valid_to, "towns": sorted(towns),
                         "conflict_producers": sorted(conflict_producers),
                         "conflict_towns": sorted(conflict_towns)})
    return officers


@st.composite
def plans(draw, population_size):
    plan = {"count": None, "share": None, "grade_shares": {},
            "stratify_by": draw(st.sampled_from(["", "town"])),
            "team_size": draw(st.integers(2, 3)), "period_end": PERIOD_END}
    mode = draw(st.sampled_from(["share", "count", "grade_shares"]))
    fraction = st.integers(0, 10000).map(lambda n: str(Decimal(n) / 10000))
    if mode == "share":
        plan["share"] = draw(fraction.filter(lambda s: Decimal(s) > 0))
    elif mode == "count":
        plan["count"] = draw(st.integers(1, max(1, population_size)))
    else:
        plan["grade_shares"] = draw(st.dictionaries(st.sampled_from("ABCD"), fraction,
                                                    min_size=1))
    return plan


@st.composite
def snapshots(draw, *, recusals=True, min_size=1, max_size=60):
    population = draw(populations(min_size=min_size, max_size=max_size))
    return {"format": draws.FORMAT, "plan": draw(plans(len(population))),
            "population": population,
            "officers": draw(pools(population, recusals=recusals))}


def outcome(snapshot, seed):
    try:
        result = draws.derive(snapshot, seed)
    except draws.DrawError as exc:
        return ("error", str(exc))
    return (result["targets"], result["teams"])


def key_of(member, plan):
    return (member["town"] if plan["stratify_by"] == "town" else "",
            member["grade"] if plan["grade_shares"] else "")


def expected_takes(snapshot) -> dict:
    """What RULES the test holds the draw to, computed here independently (Fractions)."""
    plan = snapshot["plan"]
    sizes = Counter(key_of(m, plan) for m in snapshot["population"])
    keys = sorted(sizes)
    if plan["count"] is None:
        def share(key):
            return Decimal(plan["grade_shares"].get(key[1], "0") if plan["grade_shares"]
                           else plan["share"])
        return {k: int((share(k) * sizes[k]).quantize(Decimal(1), rounding=ROUND_HALF_UP))
                for k in keys}
    total = sum(sizes.values())
    quotas = {k: Fraction(plan["count"] * sizes[k], total) for k in keys}
    takes = {k: int(q) for k, q in quotas.items()}
    left = plan["count"] - sum(takes.values())
    for k in sorted(keys, key=lambda k: (-(quotas[k] - int(quotas[k])), k))[:left]:
        takes[k] += 1
    return takes


@given(snapshots(), seeds)
def test_the_same_snapshot_and_seed_always_give_the_same_draw(snapshot, seed):
    first = outcome(snapshot, seed)
    # A copy that went through JSON (as it does through the database) draws the same.
    assert outcome(json.loads(draws.canonical(snapshot)), seed) == first
    assert outcome(copy.deepcopy(snapshot), seed) == first


@settings(max_examples=50)
@given(populations(min_size=200, max_size=300), seeds, seeds)
def test_a_different_seed_gives_a_different_draw(population, seed, other):
    # 10 % of at least 200: C(200, 20) ≈ 1.6 × 10^27 possible target sets.
    assume(seed != other)
    officers = [{"username": f"law-{n}", "card_no": f"31T{n}", "card_valid_to": "2099-12-31",
                 "towns": [], "conflict_producers": [], "conflict_towns": []} for n in range(6)]
    snapshot = {"format": draws.FORMAT, "population": population, "officers": officers,
                "plan": {"count": None, "share": "0.1", "grade_shares": {}, "stratify_by": "",
                         "team_size": 2, "period_end": PERIOD_END}}
    assert draws.derive(snapshot, seed)["targets"] != draws.derive(snapshot, other)["targets"]


@given(snapshots(recusals=False), seeds)
def test_each_stratum_gives_what_was_asked(snapshot, seed):
    expected = expected_takes(snapshot)
    assume(snapshot["plan"]["count"] is None or snapshot["plan"]["count"]
           <= len(snapshot["population"]))
    result = draws.derive(snapshot, seed)
    plan = snapshot["plan"]
    drawn = Counter(key_of(m, plan) for m in result["drawn"])
    assert {k: drawn.get(k, 0) for k in expected} == expected
    assert {(s["town"], s["grade"]): s["take"] for s in result["strata"]} == expected
    if plan["count"] is not None:
        assert len(result["targets"]) == plan["count"]
    # Within a stratum the drawn are those with the smallest SHA-256 of "seed:id".
    rank = {m["id"]: hashlib.sha256(f"{seed}:{m['id']}".encode()).hexdigest()
            for m in snapshot["population"]}
    chosen = set(result["targets"])
    for member in snapshot["population"]:
        if member["id"] in chosen:
            continue
        for other in result["drawn"]:
            if key_of(other, plan) == key_of(member, plan):
                assert rank[other["id"]] < rank[member["id"]]
    assert [rank[i] for i in result["targets"]] == sorted(rank[i] for i in result["targets"])


def eligible(officer, target) -> bool:
    """The recusal rules, stated again for the test."""
    return (officer["card_valid_to"] >= PERIOD_END
            and target["town"] not in officer["towns"]
            and target["town"] not in officer["conflict_towns"]
            and target["id"] not in officer["conflict_producers"])


@given(snapshots(), seeds)
def test_no_team_breaks_a_recusal_rule_or_is_short(snapshot, seed):
    plan = snapshot["plan"]
    assume(plan["count"] is None or plan["count"] <= len(snapshot["population"]))
    by_name = {o["username"]: o for o in snapshot["officers"]}
    try:
        result = draws.derive(snapshot, seed)
    except draws.DrawError:
        # Only when a drawn target really lacks officers: the targets do not depend on the
        # pool, so a pool without recusals shows which were drawn.
        clean = snapshot | {"officers": [o | {"towns": [], "conflict_towns": [],
                                              "conflict_producers": [],
                                              "card_valid_to": "2099-12-31"}
                                         for o in snapshot["officers"]]}
        targets = draws.derive(clean, seed)["drawn"]
        assert any(sum(eligible(o, t) for o in snapshot["officers"]) < plan["team_size"]
                   for t in targets)
        return
    assert len(result["teams"]) == len(result["targets"])
    for target, team in zip(result["drawn"], result["teams"], strict=True):
        assert len(team) == len(set(team)) == plan["team_size"]
        for username in team:
            assert eligible(by_name[username], target)


@given(snapshots(recusals=False), seeds)
def test_work_is_shared_evenly_when_nobody_recuses(snapshot, seed):
    assume(snapshot["plan"]["count"] is None or snapshot["plan"]["count"]
           <= len(snapshot["population"]))
    result = draws.derive(snapshot, seed)
    load = Counter(u for team in result["teams"] for u in team)
    counts = [load.get(o["username"], 0) for o in snapshot["officers"]]
    assert max(counts) - min(counts) <= 1


def test_the_published_formulas_decide_the_draw():
    """A citizen's check: the smallest sha256("seed:id") is drawn, and the snapshot hash is
    SHA-256 of the sorted, compact, UTF-8 JSON."""
    seed = "ab" * 32
    population = [{"id": i, "town": TOWNS[0], "grade": "B"} for i in (11, 12, 13)]
    officers = [{"username": u, "card_no": "31T1", "card_valid_to": "2099-12-31", "towns": [],
                 "conflict_producers": [], "conflict_towns": []} for u in ("张三", "li", "wang")]
    snapshot = {"format": draws.FORMAT, "population": population, "officers": officers,
                "plan": {"count": 1, "share": None, "grade_shares": {}, "stratify_by": "",
                         "team_size": 2, "period_end": PERIOD_END, "title": "测试"}}
    lowest = min((11, 12, 13), key=lambda i: hashlib.sha256(f"{seed}:{i}".encode()).hexdigest())
    result = draws.derive(snapshot, seed)
    assert result["targets"] == [lowest]
    team = sorted(["张三", "li", "wang"],
                  key=lambda u: hashlib.sha256(f"{seed}:{lowest}:{u}".encode()).hexdigest())[:2]
    assert result["teams"] == [team]
    text = json.dumps(snapshot, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    assert draws.snapshot_hash(snapshot) == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert "张三" in draws.canonical(snapshot).decode("utf-8")  # not \u escaped


@pytest.mark.parametrize(("share", "size", "take"), [
    ("0.05", 10, 1),   # 0.5 rounds up
    ("0.05", 9, 0),    # 0.45 rounds down
    ("0.25", 2, 1),    # 0.5 again, where binary floats would say 0.49999…
    ("1", 7, 7),
])
def test_shares_round_half_up(share, size, take):
    snapshot = {"population": [{"id": i, "town": TOWNS[0], "grade": "C"} for i in range(size)],
                "plan": {"count": None, "share": share, "grade_shares": {}, "stratify_by": ""}}
    assert [s["take"] for s in draws.strata(snapshot)] == [take]


def test_count_is_shared_by_largest_remainders_ties_to_the_earlier_stratum():
    population = ([{"id": i, "town": TOWNS[0], "grade": "B"} for i in range(3)]
                  + [{"id": 10 + i, "town": TOWNS[1], "grade": "B"} for i in range(3)]
                  + [{"id": 20 + i, "town": TOWNS[2], "grade": "B"} for i in range(2)])
    snapshot = {"population": population, "plan": {"count": 3, "share": None,
                                                   "grade_shares": {}, "stratify_by": "town"}}
    # Quotas 9/8, 9/8, 6/8: floors 1, 1, 0; one seat left, remainders 1/8, 1/8, 6/8.
    assert [s["take"] for s in draws.strata(snapshot)] == [1, 1, 1]
    snapshot["plan"]["count"] = 4  # quotas 1.5, 1.5, 1: the tie goes to the first town
    assert [s["take"] for s in draws.strata(snapshot)] == [2, 1, 1]
