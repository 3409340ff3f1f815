"""How long a 双随机 draw takes for a district-sized and a city-sized population.

Times `nongan.enforcement.draws.derive` (ranking, strata, teams with recusal) on synthetic
snapshots — producers spread over towns with credit grades, officers with grid duties and
declared conflicts — against a baseline in the same run: hashing every producer once, the
least any seed-based ranking must do. Prints seconds and the ratio.

    .venv/bin/python bench/draw.py [--sizes 6000 30000] [--officers 40] [--repeat 3]
"""

import argparse
import hashlib
import random
import secrets
import statistics
import time

from nongan.enforcement.draws import derive


def snapshot(size: int, officers: int, rng: random.Random) -> dict:
    towns = [f"3101151{n:02d}000" for n in range(30)]
    grades = rng.choices("ABCD", weights=[15, 65, 15, 5], k=size)
    population = [{"id": n + 1, "town": rng.choice(towns), "grade": grades[n]}
                  for n in range(size)]
    pool = [{"username": f"law-{n:03d}", "card_no": f"31{n:06d}", "card_valid_to": "2099-12-31",
             "towns": rng.sample(towns, 2),
             "conflict_producers": rng.sample(range(1, size + 1), 3),
             "conflict_towns": rng.sample(towns, 1) if n % 5 == 0 else []}
            for n in range(officers)]
    plan = {"grade_shares": {"A": "0.05", "B": "0.1", "C": "0.3", "D": "0.65"},
            "stratify_by": "town", "team_size": 2, "period_end": "2026-12-31", "count": None,
            "share": None}
    return {"plan": plan, "population": population, "officers": pool}


def timed(function, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[6000, 30000])
    parser.add_argument("--officers", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(5)
    print(f"{'producers':>10} {'targets':>8} {'draw s':>8} {'hash-only s':>12} {'ratio':>6}")
    for size in args.sizes:
        snap, seed = snapshot(size, args.officers, rng), secrets.token_hex(32)
        targets = len(derive(snap, seed)["targets"])
        draw = timed(lambda snap=snap, seed=seed: derive(snap, seed), args.repeat)
        base = timed(lambda size=size, seed=seed: [
            hashlib.sha256(f"{seed}:{n}".encode()).hexdigest() for n in range(1, size + 1)],
            args.repeat)
        print(f"{size:>10} {targets:>8} {draw:>8.3f} {base:>12.3f} {draw / base:>6.1f}")


if __name__ == "__main__":
    main()
