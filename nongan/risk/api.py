"""Risk warnings over HTTP (CONTRACT.md "warning"): the scoped list (filters, paging,
`?format=xlsx`), one warning with its figures, samples, events and measures, its
transitions, and the recomputation (city administrator).

`POST /risk/run` queues the nightly run and answers 202 with the task id; with `?wait=1`
it runs at once (for scripts) and answers 200 with what it evaluated and wrote."""

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import require
from nongan.core.reauth import reauth_required

from . import queries, rules, services
from .tasks import run_risk

router = Router(tags=["risk"])


class TransitionIn(Schema):
    """`to`: acknowledged | acting | closed; `note` (签收说明), `conclusion` (办结结论,
    required to close), `measure` (required for acting): `{"kind": "sampling" | "inspection"
    | "spot_check", "note", …}` — sampling: lab, analytes, quotas [{district, category,
    count}], starts_on, ends_on, name; inspection: producers (ids), due_on; spot_check:
    matter, count or share, team_size, period_start, period_end, title, region."""

    to: Any = None
    note: str = ""
    conclusion: str = ""
    measure: Any = None


@router.get("/warnings", response=dict)
def list_warnings(request, region: str = "", status: str = "", level: str = "",
                  kind: str = "", producer: int | None = None, sort: str = "",
                  format: str = "", page: int = 1, page_size: int = 50):
    """风险预警列表; `status=open` for every warning not closed; `sort` one of level,
    detected_at, issued_at, status, kind, region (`-` first for descending)."""
    filters = {"status": status, "level": level, "kind": kind, "sort": sort}
    bad = {name: "取值无效" for name, value in filters.items()
           if value and queries.valid_filters(filters)[name] != value}
    if bad:
        raise FieldErrors(bad, prefix=("query",))
    qs = queries.warnings_for(request.auth, filters | {"region": region, "producer": producer})
    if format == "xlsx":
        return xlsx_response("风险预警.xlsx", queries.EXPORT_HEADERS, queries.export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.summary_dict(w) for w in found["items"]]}


def _warning(request, pk):
    return get_object_or_404(queries.warnings_for(request.auth), pk=pk)


@router.get("/warnings/{pk}", response=dict)
def get_warning(request, pk: int):
    return queries.warning_dict(_warning(request, pk))


@router.post("/warnings/{pk}/transitions", response=dict)
def transition(request, pk: int, body: TransitionIn):
    """签收 / 采取措施 / 办结; answers the warning. A state that does not allow it → 409."""
    services.transition(_warning(request, pk), body.dict(), actor=request.auth)
    return queries.warning_dict(_warning(request, pk))


@router.post("/risk/run", response={200: dict, 202: dict})
def run(request, wait: bool = False):
    """重新计算预警 (city administrator)."""
    require(request.auth, "risk.run")
    if wait:
        from .runner import run_all

        return Status(200, run_all())
    result = run_risk.enqueue()
    return Status(202, {"task_id": str(result.id), "status": str(result.status)})


class SettingsIn(Schema):
    """Every section of `GET /risk/settings` (temporal, spatial, systemic, producer,
    lifecycle) with its keys; a missing key keeps its default."""

    temporal: Any = None
    spatial: Any = None
    systemic: Any = None
    producer: Any = None
    lifecycle: Any = None


@router.get("/risk/settings", response=dict)
def get_settings(request):
    """预警参数 in force (the shipped defaults with the city's edits)."""
    return rules.current()


@router.put("/risk/settings", response=dict)
@reauth_required("risk.run")
def put_settings(request, body: SettingsIn):
    """修改预警参数 (city administrator): all or nothing, each bad value named (422)."""
    return rules.update(body.dict(), actor=request.auth)
