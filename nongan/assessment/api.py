"""District assessment over HTTP (考核): the scores of a year per district with each
indicator's figures, the records that cost points, and the table of indicators the city
administrator reads and replaces. Scope: see `queries` (another district: 404)."""

from typing import Any

from ninja import Router, Schema

from nongan.core.listing import page_of
from nongan.core.permissions import require
from nongan.core.reauth import reauth_required

from . import report, services
from .exports import misses_workbook, table_workbook
from .indicators import METHODS
from .queries import clean_district, clean_indicator, clean_year
from .tables import table_dict

router = Router(tags=["assessment"])


class TableIn(Schema):
    """Raw values: the service checks them and answers 422 naming each row and field."""

    year: Any = None
    version: Any = None
    table_year: Any = None
    indicators: Any = None


@router.get("/assessment", response=dict)
def assessment(request, year: str = "", district: str = "", format: str = ""):
    """考核得分: per district its total, rank (all districts) and per indicator code, name,
    weight, target, achieved (share), numerator, denominator, score, lost points and the
    number of records that cost them, with the link to those records. One district is
    computed live; all districts come from their scores stored today. `?format=xlsx`: the
    table (districts × indicators, totals, ranks) and each indicator's figures."""
    year_ = clean_year(year)
    districts = clean_district(request.auth, district)
    items = report.scores(districts, year_)
    if format == "xlsx":
        return table_workbook(year_, items)
    table = table_dict(year_)
    return {"year": year_, "table_year": table["table_year"], "version": table["version"],
            "count": len(items), "items": items}


@router.get("/assessment/misses", response=dict)
def assessment_misses(request, year: str = "", district: str = "", indicator: str = "",
                      format: str = "", page: int = 1, page_size: int = 50):
    """失分明细: the records that cost points (of one indicator, or all), paged; each with
    district, indicator, label, url, reason, model and pk. `?format=xlsx` exports them."""
    year_ = clean_year(year)
    districts = clean_district(request.auth, district)
    rows = report.misses(districts, year_, clean_indicator(year_, indicator))
    if format == "xlsx":
        return misses_workbook(year_, rows, request.build_absolute_uri("/")[:-1])
    found = page_of(rows, page, page_size)
    return {"count": found["count"], "items": found["items"]}


@router.get("/assessment/indicators", response=dict)
def indicators(request, year: str = ""):
    """考核表: the indicators in force for the year (every account of a district office and
    the city reads how it is scored), with the computations a line may name."""
    require(request.auth, "assessment.view")
    return table_dict(clean_year(year)) | {"methods": [
        {"key": m.key, "label": m.label, "description": m.description,
         "params": {name: {"label": p.label, "default": p.default}
                    for name, p in m.params.items()}} for m in METHODS.values()]}


@router.put("/assessment/indicators", response=dict)
@reauth_required("assessment.edit")
def replace_indicators(request, payload: TableIn):
    """修改考核表 (city administrator): the whole table for `year` (applying from that year
    until a later year's table); all or nothing; `table_year` and `version` (of the table
    in force that was read) guard against a concurrent edit (409). Active weights total
    100."""
    require(request.auth, "assessment.edit")
    year = clean_year(payload.year, prefix=("body",), ahead=1)
    services.save_table(year, payload.indicators, actor=request.auth, version=payload.version,
                        table_year=payload.table_year)
    return table_dict(year)


@router.post("/assessment/refresh", response=dict)
@reauth_required("assessment.edit")
def refresh(request, year: str = ""):
    """重新计算 (city administrator): every district's scores for the year, stored now."""
    require(request.auth, "assessment.edit")
    return services.refresh_scores(clean_year(year), actor=request.auth)
