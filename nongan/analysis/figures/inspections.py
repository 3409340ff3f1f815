"""巡查频次: the inspection obligations of the period — due, done, overdue — as the schedule
page works them out (`inspections.schedules`), and the inspections recorded in it.

The figure counts them in the database (`inspections.standing.Standing`: each producer's status per
obligation window, in SQL), summed per area and window in one grouped query; the record
list reads one page of its rows the same way (`Standing.owed`). `obligations` works the
rows out in Python, as `schedules` reads the rules: the tests hold the SQL to it. Building
every row in Python took 1.5 s for the city's 30,000 producers."""

from django.db import connection

from nongan.core.scoping import visible, within
from nongan.inspections import schedules
from nongan.inspections.models import Inspection
from nongan.inspections.standing import Standing, fenced
from nongan.regions import queries as rq
from nongan.regions.models import Grid, Region

from .. import links

STATUS_NAMES = {"due": "待完成", "done": "已完成", "overdue": "逾期"}
# A town's obligations are broken down by grid, a district's by town, the city's by district.
SUMMARY_BY = {"city": "district", "district": "town", "town": "grid"}
NO_GRID_NAME = "未划入网格"


def owing(scope):
    """The region's active producers that owe any inspection in the period."""
    return schedules.owing(rq.producers(scope.user, scope.region), scope.start, scope.end)


def obligations(scope) -> list[dict]:
    """The schedule rows (one per producer, obligation and window) whose window overlaps
    the period, for the region's active producers that owe any inspection in it, worked
    out in Python: the reference the record list's SQL is tested against."""
    return schedules.schedule_between(owing(scope), scope.start, scope.end)


def visits(scope):
    """Inspections finished in the period (any checklist)."""
    return within(visible(Inspection, scope.user), scope.region).filter(
        finished_at__gte=scope.since, finished_at__lt=scope.until)


def tally(scope) -> tuple[list, list[tuple]]:
    """The period's obligation windows (`schedules.Slot`), and per area (SUMMARY_BY) a row:
    area id, then per window its obligations done, due and overdue, then the producers
    with any overdue — one query."""
    standing = Standing(owing(scope), schedules.windows_between(scope.start,
                                                                          scope.end),
                                  schedules.shanghai_today())
    slots = standing.slots
    if standing.empty:
        return slots, []
    ranks = [schedules.STATUS_ORDER[status] for status in schedules.STATUSES]
    counts = ", ".join(f"SUM(CASE WHEN st{i} = {rank} THEN 1 ELSE 0 END)"
                       for i in range(len(slots)) for rank in ranks)
    behind = " OR ".join(f"st{i} = {schedules.STATUS_ORDER['overdue']}"
                         for i in range(len(slots)))
    area = f"{SUMMARY_BY[scope.region.level]}_id"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {area}, {counts}, SUM(CASE WHEN {behind} THEN 1 ELSE 0 END) "
                       f"FROM ({fenced(standing.sql)}) b GROUP BY {area}", standing.params)
        return slots, cursor.fetchall()


def _names(by: str, keys) -> dict:
    places = Grid.objects.only("name") if by == "grid" else Region.objects.only("name")
    return {key: str(place) for key, place in places.in_bulk(set(keys) - {None}).items()}


def inspections(scope) -> dict:
    by = SUMMARY_BY[scope.region.level]
    slots, found = tally(scope)
    per_status = schedules.STATUSES
    kinds = {rule["obligation"]: {"obligation": rule["obligation"], "name": rule["name"],
                                  "due": 0, "done": 0, "overdue": 0, "total": 0}
             for rule in schedules.RULES}
    areas = {}
    for key, *counts in found:
        behind = counts.pop()
        area = {"area": key, "due": 0, "done": 0, "overdue": 0, "total": 0,
                "producers_behind": behind}
        for i, slot in enumerate(slots):
            kind = kinds[slot.rule["obligation"]]
            for j, status in enumerate(per_status):
                n = counts[len(per_status) * i + j]
                for into in (area, kind):
                    into[status] += n
                    into["total"] += n
        if area["total"]:
            areas[key] = area
    names = _names(by, areas)
    rows = []
    for key in sorted(areas, key=lambda k: (k is None, str(k))):
        extra = ({"grid": key if key is not None else "none"} if by == "grid"
                 else {"region": key})
        rows.append(areas[key] | {
            "name": names.get(key, NO_GRID_NAME),
            "records": links.records("obligations", scope, status="overdue", **extra)})
    by_obligation = [kind | {"records": links.records("obligations", scope,
                                                      obligation=kind["obligation"])}
                     for kind in kinds.values() if kind["total"]]
    counts = {status: sum(a[status] for a in areas.values()) for status in per_status}
    total = sum(counts.values())
    region = scope.region.code
    return {
        **counts, "total": total,
        "done_rate": round(100 * counts["done"] / total, 1) if total else None,
        "visits": visits(scope).count(),
        "by_obligation": by_obligation, "areas": rows, "area_by": by,
        "records": {status: links.records("obligations", scope, status=status)
                    for status in STATUS_NAMES}
        | {"visits": links.page("inspection_list", region=region,
                                **{"from": scope.start.isoformat(),
                                   "to": scope.end.isoformat()})},
    }
