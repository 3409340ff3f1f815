"""行政处罚: the cases opened (立案) in the period, by the stage each has reached; the case
list filters the same way (region, stage, opening date), so every bar opens its cases."""

from django.db.models import Count, Sum

from nongan.core.scoping import visible, within
from nongan.enforcement.models import Case

from .. import links

FINISHED = ("closed", "revoked")


def opened(scope):
    return within(visible(Case, scope.user), scope.region).filter(
        opened_on__gte=scope.start, opened_on__lte=scope.end)


def cases(scope) -> dict:
    qs = opened(scope)
    counts = dict(qs.order_by().values_list("stage").annotate(n=Count("pk")))
    fines = qs.filter(decided_on__isnull=False).aggregate(fine=Sum("fine"))["fine"] or 0

    def listed(**params) -> str:
        return links.page("case_list", region=scope.region.code,
                          **{"from": scope.start.isoformat(), "to": scope.end.isoformat()},
                          **params)

    total = sum(counts.values())
    return {"total": total, "open": total - sum(counts.get(s, 0) for s in FINISHED),
            "fines": float(fines),
            "stages": [{"stage": stage, "name": name, "count": counts.get(stage, 0),
                        "records": listed(stage=stage)} for stage, name in Case.STAGES],
            "records": {"cases": listed()}}
