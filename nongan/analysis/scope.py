"""What a dashboard request asks for: a region the caller may see and a period of dates.

Every figure of 分析评价 is computed for one `Scope`. The region is the caller's own when
none is named; a region outside the caller's scope answers 404 like any record
(CONTRACT.md), a malformed code or date 422 naming the field. Dashboards are for the
supervising offices (permission `stats.view`): a testing institution and a producer get 403.
"""

import datetime as dt
import re
from dataclasses import dataclass

from django.http import Http404

from nongan.core.errors import FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible, within
from nongan.inspections.schedules import SHANGHAI, shanghai_today
from nongan.regions.models import Region

CODE = re.compile(r"^[0-9]{12}$")
# The map and the tables go down to towns; a village is one grid, its list is the register.
LEVELS = ("city", "district", "town")
# One dashboard covers at most this many calendar years (the inspection schedule is worked
# out year by year, so the span bounds the work a request can ask for).
MAX_YEARS = 5


@dataclass(frozen=True)
class Scope:
    user: object
    region: Region
    start: dt.date
    end: dt.date

    @property
    def since(self) -> dt.datetime:
        """The period's first instant, Shanghai time."""
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=SHANGHAI)

    @property
    def until(self) -> dt.datetime:
        """The instant after the period (exclusive), Shanghai time."""
        return dt.datetime.combine(self.end + dt.timedelta(days=1), dt.time.min,
                                   tzinfo=SHANGHAI)

    @property
    def area_level(self) -> str:
        """The level one below the region, at which the tables break figures down."""
        return {"city": "district", "district": "town", "town": "village"}[self.region.level]

    def query(self, **extra) -> dict:
        """The request parameters that name this scope (for drill-down links)."""
        return {"region": self.region.code, "from": self.start.isoformat(),
                "to": self.end.isoformat()} | {k: v for k, v in extra.items() if v not in
                                                  (None, "")}


def _date(params, name: str, errors: dict) -> dt.date | None:
    text = (params.get(name) or "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = "日期格式应为 YYYY-MM-DD"
        return None


def parse(user, params) -> Scope:
    """The scope named by `params` (`region`, `from`, `to`); raises PermissionDenied (403),
    Http404 (a region the user may not see) or FieldErrors (422, prefix `query`)."""
    require(user, "stats.view")
    errors: dict[str, str] = {}
    code = (params.get("region") or "").strip()
    if code and not CODE.match(code):
        errors["region"] = "区划代码应为12位数字"
    end, start = _date(params, "to", errors), _date(params, "from", errors)
    if "from" not in errors and "to" not in errors:
        end = end or shanghai_today()
        start = start or end.replace(month=1, day=1)
        if end < start:
            errors["to"] = "截止日期不能早于起始日期"
        elif end.year - start.year >= MAX_YEARS:
            errors["from"] = f"统计期间最长{MAX_YEARS}个自然年"
    region = user.region
    if code and "region" not in errors:
        region = visible(Region, user).filter(code=code).first()
        if region is None or not in_scope(user, region):
            raise Http404("region")
        if region.level not in LEVELS:
            errors["region"] = "统计区域应为市、区或镇（街道）"
    if errors:
        raise FieldErrors(errors, prefix=("query",))
    return Scope(user=user, region=region, start=start, end=end)


def region_options(user) -> list[tuple[Region, int]]:
    """The regions the picker offers, as (region, depth below the user's region): the
    user's own first, then its active districts and towns in code order."""
    mine = user.region
    below = visible(Region, user).filter(active=True, level__in=("district", "town"))
    below = within(below, mine).exclude(pk=mine.pk).order_by("code")
    depth = {"district": 1, "town": 2} if mine.level == "city" else {"town": 1}
    return [(mine, 0)] + [(region, depth[region.level]) for region in below]
