"""The 双随机 draw (随机抽取检查对象、随机选派执法检查人员): targets and inspector teams
derived from a frozen snapshot and a seed alone, so that anyone can replay it.

Nothing here reads the database: `derive(snapshot, seed)` is a pure function of its two
arguments. The procedure, step by step — every "hash" below is the lower-case hex SHA-256
of the UTF-8 text shown, which a citizen can compute with any SHA-256 tool, e.g.
`printf '%s' "$SEED:1234" | sha256sum`:

1. Commitment. At planning the system froze the snapshot — the plan's parameters (`plan`),
   the population (`population`: every producer in scope as {id, town, grade}, sorted by
   id) and the pool of officers (`officers`: {username, card_no, card_valid_to, towns,
   conflict_producers, conflict_towns}, sorted by username) — and chose a secret random
   seed (64 hex digits). It published `seed_hash` = hash(seed) and `snapshot_hash` =
   hash(canonical JSON of the snapshot); canonical JSON has its keys sorted, no spaces,
   non-ASCII characters written as themselves, UTF-8: exactly the bytes of the
   downloadable snapshot.json. The draw reveals the seed; anyone can check both hashes.
2. Strata. Producers are grouped by (town code when `stratify_by` is "town", else "";
   credit grade when `grade_shares` are set, else ""); the strata are taken in ascending
   order of that pair.
3. How many from each stratum (n), from the plan:
   - `share` s: n = s × size rounded half up (decimal arithmetic on s as written);
   - `grade_shares`: the same with the share of the stratum's grade (0 for a grade not
     named);
   - `count` c: largest remainders — each stratum first gets ⌊c × size / total⌋, the seats
     left go one each to the strata with the largest remainders (c × size mod total),
     equal remainders in ascending stratum order.
4. Which producers: within each stratum, producers are ranked by hash(f"{seed}:{id}")
   ascending (compared as hex text; equal hashes — never seen in practice — by id) and the
   first n are drawn. All drawn producers are then listed in ascending order of that same
   hash; teams are made in this order.
5. Teams (回避): for each drawn producer in turn, an officer is eligible unless their card
   is valid only to a day before `period_end`, one of their grid-duty towns is the
   producer's town, or they declared a conflict with that town or that producer. Of the
   eligible, the `team_size` officers with the fewest assignments so far are chosen,
   equal counts ranked by hash(f"{seed}:{producer id}:{username}") ascending. If a drawn
   producer has fewer eligible officers than `team_size` the whole draw fails
   (`DrawError`) — there is no partial draw.
"""

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal

from nongan.core.errors import Conflict

FORMAT = "nongan-draw/1"
NO_STRATUM = ""


class DrawError(Conflict):
    """The draw cannot be made (or replayed) from this snapshot and seed; nothing is written."""


def sha256_hex(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


def canonical(snapshot: dict) -> bytes:
    """The snapshot's canonical JSON bytes (what `snapshot_hash` is the hash of)."""
    return json.dumps(snapshot, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def snapshot_hash(snapshot: dict) -> str:
    return sha256_hex(canonical(snapshot))


def target_hash(seed: str, producer_id: int) -> str:
    return sha256_hex(f"{seed}:{producer_id}")


def officer_hash(seed: str, producer_id: int, username: str) -> str:
    return sha256_hex(f"{seed}:{producer_id}:{username}")


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def strata(snapshot: dict) -> list[dict]:
    """Steps 2 and 3: each stratum's town, grade, size, share (None for `count`) and how many
    are drawn from it (`take`). Independent of the seed, so known at planning."""
    plan = snapshot["plan"]
    groups: dict[tuple[str, str], list[dict]] = {}
    for member in snapshot["population"]:
        key = (member["town"] if plan.get("stratify_by") == "town" else NO_STRATUM,
               member["grade"] if plan.get("grade_shares") else NO_STRATUM)
        groups.setdefault(key, []).append(member)
    keys = sorted(groups)
    sizes = [len(groups[k]) for k in keys]
    if plan.get("count") is not None:
        shares = [None] * len(keys)
        takes = largest_remainders(plan["count"], sizes)
    else:
        shares = [Decimal(str(plan["grade_shares"].get(grade, "0")) if plan.get("grade_shares")
                          else str(plan["share"])) for _town, grade in keys]
        takes = [round_half_up(share * size) for share, size in zip(shares, sizes, strict=True)]
    return [{"town": town, "grade": grade, "size": size, "share": share, "take": take,
             "members": groups[(town, grade)]}
            for (town, grade), size, share, take in zip(keys, sizes, shares, takes, strict=True)]


def largest_remainders(count: int, sizes: list[int]) -> list[int]:
    """`count` seats over strata of `sizes` in proportion (Hamilton's method), exactly in
    integers; equal remainders go to the earlier stratum."""
    total = sum(sizes)
    if count > total:
        raise DrawError(f"抽取数量 {count} 超过检查对象总数 {total}")
    if total == 0:
        return [0] * len(sizes)
    seats = [count * size // total for size in sizes]
    remainders = [count * size % total for size in sizes]
    left = count - sum(seats)
    for i in sorted(range(len(sizes)), key=lambda i: (-remainders[i], i))[:left]:
        seats[i] += 1
    return seats


def recusal(officer: dict, target: dict, period_end: str) -> str:
    """Why `officer` may not check `target` ("" when eligible): step 5's rules."""
    if officer["card_valid_to"] < period_end:
        return "执法证有效期早于检查结束日期"
    if target["town"] in officer["towns"]:
        return "在该镇（街道）承担网格职责"
    if target["town"] in officer["conflict_towns"]:
        return "声明回避该镇（街道）"
    if target["id"] in officer["conflict_producers"]:
        return "声明回避该主体"
    return ""


def derive(snapshot: dict, seed: str, trace: list | None = None) -> dict:
    """Steps 2–5: {"targets": [producer ids], "teams": [[usernames]], "drawn": [population
    members in order], "strata": [...]}. Raises DrawError when a team cannot be formed.
    With a `trace` list, each target's candidates are appended to it (see make_teams)."""
    plan = snapshot["plan"]
    layers = strata(snapshot)
    drawn = []
    for layer in layers:
        ranked = sorted(layer["members"], key=lambda m: (target_hash(seed, m["id"]), m["id"]))
        drawn += ranked[:layer["take"]]
    drawn.sort(key=lambda m: (target_hash(seed, m["id"]), m["id"]))
    teams = make_teams(drawn, snapshot["officers"], plan, seed, trace)
    return {"targets": [m["id"] for m in drawn], "teams": teams, "drawn": drawn,
            "strata": [{k: v for k, v in layer.items() if k != "members"} for layer in layers]}


def make_teams(drawn: list[dict], officers: list[dict], plan: dict, seed: str,
               trace: list | None = None) -> list[list]:
    """Step 5. `trace` receives, per target, every officer as {username, recusal, load,
    hash} — the figures the replay page shows."""
    size, period_end = plan["team_size"], plan["period_end"]
    load = {o["username"]: 0 for o in officers}
    teams = []
    for target in drawn:
        if trace is not None:
            trace.append([{"username": o["username"], "recusal": recusal(o, target, period_end),
                           "load": load[o["username"]],
                           "hash": officer_hash(seed, target["id"], o["username"])}
                          for o in officers])
        eligible = [o["username"] for o in officers if not recusal(o, target, period_end)]
        if len(eligible) < size:
            raise DrawError(f"检查对象（编号 {target['id']}）回避后可选派的执法人员只有 "
                            f"{len(eligible)} 名，不足每组 {size} 名，本次不能抽取")
        eligible.sort(key=lambda u: (load[u], officer_hash(seed, target["id"], u)))
        team = eligible[:size]
        for username in team:
            load[username] += 1
        teams.append(team)
    return teams


def short_of_officers(snapshot: dict) -> list[int]:
    """Producers of the population that could never get a full team (the draw would fail if
    one of them were drawn) — shown as a warning on the plan."""
    plan = snapshot["plan"]
    return [m["id"] for m in snapshot["population"]
            if sum(not recusal(o, m, plan["period_end"]) for o in snapshot["officers"])
            < plan["team_size"]]


def replay(spot_check) -> dict:
    """Recompute a drawn spot check from its stored snapshot and revealed seed and compare
    with the targets and teams stored at the draw (the only read: the stored targets)."""
    if spot_check.drawn_at is None:
        raise DrawError("该抽查尚未抽取，随机种子未公开，无法复核")
    seed = spot_check.seed
    seed_hash_ok = sha256_hex(seed) == spot_check.seed_hash
    snapshot_hash_ok = snapshot_hash(spot_check.snapshot) == spot_check.snapshot_hash
    stored = list(spot_check.targets.order_by("position").values_list("producer_id", "team"))
    stored_targets = [producer for producer, _team in stored]
    stored_teams = [list(team) for _producer, team in stored]
    differences = []
    if not seed_hash_ok:
        differences.append("公开的随机种子的SHA-256与计划公布时的种子哈希不一致")
    if not snapshot_hash_ok:
        differences.append("快照的SHA-256与计划公布时的快照哈希不一致")
    try:
        derived = derive(spot_check.snapshot, seed)
        targets, teams = derived["targets"], derived["teams"]
    except DrawError as exc:
        targets, teams = [], []
        differences.append(f"按快照和种子无法重算：{exc}")
    else:
        differences += compare(targets, teams, stored_targets, stored_teams)
    return {"match": not differences, "seed_hash_ok": seed_hash_ok,
            "snapshot_hash_ok": snapshot_hash_ok, "targets": targets, "teams": teams,
            "stored_targets": stored_targets, "stored_teams": stored_teams,
            "differences": differences}


def compare(targets, teams, stored_targets, stored_teams) -> list[str]:
    differences = []
    if len(targets) != len(stored_targets):
        differences.append(f"重算抽出 {len(targets)} 个对象，记录为 {len(stored_targets)} 个")
    for n, (mine, theirs) in enumerate(zip(targets, stored_targets, strict=False), 1):
        if mine != theirs:
            differences.append(f"第 {n} 个对象：重算为 {mine}，记录为 {theirs}")
    for n, (mine, theirs) in enumerate(zip(teams, stored_teams, strict=False), 1):
        if mine != theirs:
            differences.append(f"第 {n} 个对象的检查组：重算为 {'、'.join(mine)}，"
                               f"记录为 {'、'.join(theirs)}")
    return differences
