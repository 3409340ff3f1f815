"""Who reads which district's scores — the one scoping function of assessment reads — and
the checks of the year, district and indicator a request names.

The city administrator reads every district; the accounts of a district office (district
officer, enforcement officer: both act for the whole district) read their own district
only; other roles read none (403 for their own district, 404 for another — CONTRACT.md).
A town officer does not read the district's score: its lost points are traced to records
of other towns, which the town may not open.
"""

from django.http import Http404

from nongan.core.errors import FieldErrors
from nongan.core.permissions import allowed, require
from nongan.inspections.schedules import shanghai_today
from nongan.regions.models import Region

from .tables import table_for

FIRST_YEAR = 2000


def districts_for(user) -> list[Region]:
    """The districts whose scores `user` reads (empty for a role that reads none)."""
    if not allowed(user, "assessment.view"):
        return []
    if user.region.level == "city":
        return list(Region.objects.filter(level="district", active=True).order_by("code"))
    return [user.region.district]


def district_for(user, code) -> Region:
    """The district `code` if `user` reads its scores: 404 outside the user's district (or
    not a district), 403 for a role that reads no scores."""
    region = Region.objects.filter(code=str(code or "").strip(), level="district").first()
    if region is None or user.role == "producer" or (
            user.region.level != "city" and user.region.district_id != region.code):
        raise Http404("no such district")
    require(user, "assessment.view")
    return region


def clean_year(value, *, prefix=("query",), ahead: int = 0) -> int:
    """The year asked (this Shanghai year when empty); 422 naming `year` otherwise. Scores
    go up to this year; a table may be set `ahead` years in advance."""
    this_year = shanghai_today().year
    if value in (None, ""):
        return this_year
    text = str(value).strip()
    last = this_year + ahead
    if not text.isdigit() or not FIRST_YEAR <= int(text) <= last:
        raise FieldErrors({"year": f"年度应为 {FIRST_YEAR} 到 {last} 之间的整数"}, prefix=prefix)
    return int(text)


def clean_district(user, value, *, prefix=("query",)) -> list[Region]:
    """The districts a request covers: the one named (404 outside the user's scope; 422
    for a code that is no district), or every district the user reads."""
    code = str(value or "").strip()
    if not code:
        districts = districts_for(user)
        if not districts:
            require(user, "assessment.view")
        return districts
    if not Region.objects.filter(code=code, level="district").exists():
        raise FieldErrors({"district": "应为区的12位区划代码"}, prefix=prefix)
    return [district_for(user, code)]


def clean_indicator(year: int, value, *, prefix=("query",)) -> str:
    """An indicator code of the year's table, or "" for all of them."""
    code = str(value or "").strip()
    if code and code not in {i.code for i in table_for(year)[1]}:
        raise FieldErrors({"indicator": f"{year}年度考核表中没有指标“{code}”"}, prefix=prefix)
    return code
