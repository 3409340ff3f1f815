"""Dashboard series over HTTP (`GET /api/v1/stats/...`), for any region the caller may see
and any period: `?region=CODE&from=YYYY-MM-DD&to=YYYY-MM-DD` (default: the caller's region,
1 January to today, Shanghai time). Every item carries `records`, the page listing the
records behind it. 403 for a testing institution or a producer; 404 for a region outside
the caller's scope; 422 naming each bad parameter."""

from ninja import Query, Router

from nongan.core.errors import FieldErrors
from nongan.core.permissions import require

from .dashboard import overview, region_dict
from .figures import cases, commitments, inspections, register, samples, warnings
from .scope import parse

router = Router(tags=["analysis"])

REGION = Query("", description="12位区划代码（市、区或镇），默认本人辖区")
FROM = Query("", alias="from", description="起始日期 YYYY-MM-DD，默认当年1月1日")
TO = Query("", alias="to", description="截止日期 YYYY-MM-DD，默认今天")


def _scope(request):
    return parse(request.auth, request.GET)


def _head(scope) -> dict:
    return {"region": region_dict(scope.region), "from": scope.start, "to": scope.end}


@router.get("/stats/overview", response=dict)
def stats_overview(request, region: str = REGION, date_from: str = FROM, date_to: str = TO):
    """Every headline figure: register, grid coverage, commitments, inspections, samples,
    warnings, cases."""
    return overview(_scope(request))


@router.get("/stats/register", response=dict)
def stats_register(request, region: str = REGION, date_from: str = FROM, date_to: str = TO):
    """Producers (by kind, scale, certified) and plots, with each area one level below."""
    scope = _scope(request)
    census = register.census(scope)
    return _head(scope) | register.register(census) | {"areas": register.areas(census)}


@router.get("/stats/coverage", response=dict)
def stats_coverage(request, region: str = REGION, date_from: str = FROM, date_to: str = TO):
    """Villages with producers covered by a manned grid, and the register's grid gaps."""
    scope = _scope(request)
    census = register.census(scope)
    return _head(scope) | register.coverage(census) | {"areas": register.areas(census)}


@router.get("/stats/commitments", response=dict)
def stats_commitments(request, region: str = REGION, date_from: str = FROM,
                      date_to: str = TO):
    """Commitment signing in the year of `to`: letters, signed, on time, rate; per area."""
    scope = _scope(request)
    return _head(scope) | commitments.signing(scope)


@router.get("/stats/inspections", response=dict)
def stats_inspections(request, region: str = REGION, date_from: str = FROM,
                      date_to: str = TO):
    """Inspection obligations whose window overlaps the period: due, done, overdue, in
    total, per obligation and per area; and the inspections recorded."""
    scope = _scope(request)
    return _head(scope) | inspections.inspections(scope)


def _top(text: str) -> int:
    try:
        top = int(text) if text else samples.DEFAULT_TOP
    except ValueError:
        top = 0
    if not 1 <= top <= samples.MAX_TOP:
        raise FieldErrors({"top": f"应为1到{samples.MAX_TOP}之间的整数"}, prefix=("query",))
    return top


@router.get("/stats/samples", response=dict)
def stats_samples(request, by: str = "month", top: str = "", region: str = REGION,
                  date_from: str = FROM, date_to: str = TO):
    """Samples and the non-compliance rate (%) `by` month | product | pesticide | district |
    town; `top` (1–50, default 10) for product and pesticide."""
    require(request.auth, "stats.view")
    errors = {} if by in samples.BY else {"by": "应为 " + " | ".join(samples.BY)}
    try:
        count = _top(top)
    except FieldErrors as exc:
        errors |= exc.by_field()
    try:
        scope = _scope(request)
    except FieldErrors as exc:
        errors |= exc.by_field()
    if errors:
        raise FieldErrors(errors, prefix=("query",))
    return _head(scope) | {"by": by, "totals": samples.totals(scope),
                           "items": samples.series(scope, by, count)}


@router.get("/stats/warnings", response=dict)
def stats_warnings(request, region: str = REGION, date_from: str = FROM, date_to: str = TO):
    """Open warnings by level, per town with its centroid (lon, lat) for a map."""
    scope = _scope(request)
    return _head(scope) | warnings.warnings(scope)


@router.get("/stats/cases", response=dict)
def stats_cases(request, region: str = REGION, date_from: str = FROM, date_to: str = TO):
    """Penalty cases opened in the period by their current stage."""
    scope = _scope(request)
    return _head(scope) | cases.cases(scope)
