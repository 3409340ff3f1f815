"""巡查频次: the inspection obligations of the period — due, done, overdue — as the schedule
page works them out (`inspections.schedules`), and the inspections recorded in it."""

from collections import Counter

from nongan.core.scoping import visible, within
from nongan.inspections import schedules
from nongan.inspections.models import Inspection
from nongan.regions import queries as rq

from .. import links

STATUS_NAMES = {"due": "待完成", "done": "已完成", "overdue": "逾期"}
# A town's obligations are broken down by grid, a district's by town, the city's by district.
SUMMARY_BY = {"city": "district", "district": "town", "town": "grid"}


def obligations(scope) -> list[dict]:
    """The schedule rows (one per producer, obligation and window) whose window overlaps
    the period, for the region's active producers that owe any inspection in it."""
    producers = schedules.owing(rq.producers(scope.user, scope.region), scope.start,
                                scope.end)
    return schedules.schedule_between(producers, scope.start, scope.end)


def visits(scope):
    """Inspections finished in the period (any checklist)."""
    return within(visible(Inspection, scope.user), scope.region).filter(
        finished_at__gte=scope.since, finished_at__lt=scope.until)


def inspections(scope) -> dict:
    rows = obligations(scope)
    counts = Counter(row["status"] for row in rows)
    kinds: dict[str, dict] = {}
    for row in rows:
        kind = kinds.setdefault(row["obligation"], {
            "obligation": row["obligation"], "name": row["name"], "due": 0, "done": 0,
            "overdue": 0, "total": 0})
        kind[row["status"]] += 1
        kind["total"] += 1
    by = SUMMARY_BY[scope.region.level]
    areas = []
    for area in schedules.summarise(rows, by=by):
        key = area["area"]
        extra = ({"grid": key if key is not None else "none"} if by == "grid"
                 else {"region": key})
        areas.append(area | {"records": links.records("obligations", scope, status="overdue",
                                                      **extra)})
    for kind in kinds.values():
        kind["records"] = links.records("obligations", scope, obligation=kind["obligation"])
    region = scope.region.code
    return {
        "due": counts["due"], "done": counts["done"], "overdue": counts["overdue"],
        "total": len(rows),
        "done_rate": round(100 * counts["done"] / len(rows), 1) if rows else None,
        "visits": visits(scope).count(),
        "by_obligation": list(kinds.values()), "areas": areas, "area_by": by,
        "records": {status: links.records("obligations", scope, status=status)
                    for status in STATUS_NAMES}
        | {"visits": links.page("inspection_list", region=region,
                                **{"from": scope.start.isoformat(),
                                   "to": scope.end.isoformat()})},
    }
