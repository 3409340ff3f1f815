"""The records behind a figure (`/analysis/records/<figure>/`), for the figures no list
page of another app filters the same way: each a scoped list built from the same query as
its figure, so its count is the figure; every row links to the record's own page.

A figure here is {title, headers, select(scope, params) → rows, row(record) → cells,
sorts}. Its rows are a queryset, a list, or `Paged` (rows the database orders and pages
without a model of theirs). A cell is a value, or (value, url) when it opens a record.
"""

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from nongan.core.errors import FieldErrors
from nongan.core.scoping import visible
from nongan.inspections import schedules
from nongan.inspections.standing import Standing, paged
from nongan.monitoring.models import NON_COMPLIANT, Result
from nongan.regions import queries as rq
from nongan.regions.models import Grid, Region

from .figures import commitments, inspections, register, samples, warnings


@dataclass(frozen=True)
class Figure:
    title: str
    headers: list[str]
    select: Callable
    row: Callable
    # sort key → (column it heads, ORM ordering for querysets or key function for lists);
    # the first is the default
    sorts: dict = field(default_factory=dict)
    descending_first: tuple = ()


@dataclass(frozen=True)
class Paged:
    """A figure's rows that the database orders, counts and pages itself, not being a
    queryset: `fetch(how, descending, offset, limit)` gives the `limit` of them from
    `offset` (None: all of them) in the order `how` (a figure's sort, its second member)
    names, and how many there are in all."""

    fetch: Callable
    how: str = ""
    descending: bool = False

    def sorted_by(self, how: str, descending: bool) -> "Paged":
        return replace(self, how=how, descending=descending)

    def page(self, page, page_size) -> dict:
        found = {}

        def fetch(offset, limit) -> list:
            items, found["count"] = self.fetch(self.how, self.descending, offset, limit)
            return items
        return paged(lambda: found["count"], page, page_size, fetch)

    def __iter__(self):
        return iter(self.fetch(self.how, self.descending, 0, None)[0])


def _url(name: str, *args) -> str:
    return reverse(name, args=args)


def _choice(params, name: str, choices) -> str:
    value = (params.get(name) or "").strip()
    if value and value not in choices:
        raise FieldErrors({name: "取值无效"}, prefix=("query",))
    return value


def _flag(params, name: str) -> bool:
    return _choice(params, name, ("0", "1")) == "1"


def _day(value) -> str:
    return f"{timezone.localtime(value):%Y-%m-%d}" if value else ""


def _yes(value: bool) -> str:
    return "是" if value else "否"


# --- the register ------------------------------------------------------------------------


def _producers(scope, params):
    qs = rq.producers(scope.user, scope.region)
    if _flag(params, "new"):
        qs = register.registered_in(qs, scope)
    return qs.select_related("town", "village")


def _producer_row(p) -> list:
    return [(p.name, _url("producer", p.pk)), p.get_kind_display(), p.town.name,
            p.village.name, _yes(p.is_scale), float(p.area_mu), _day(p.created_at)]


def _plots(scope, params):
    qs = rq.plots(scope.user, scope.region)
    if _flag(params, "new"):
        qs = register.registered_in(qs, scope)
    return qs.select_related("producer", "town", "village", "grid")


def _plot_row(p) -> list:
    return [(p.plot_no, _url("plot", p.pk)), (p.producer.name, _url("producer", p.producer_id)),
            p.crop, float(p.area_mu), p.town.name, p.village.name,
            p.grid.code if p.grid_id else "", _day(p.created_at)]


def _villages(scope, params) -> list[dict]:
    """Villages with producers and no manned grid, with their producers and grids."""
    user, region = scope.user, scope.region
    codes = register.uncovered_villages(user, region)
    producers = rq.counts_by(rq.producers(user, region).filter(village__in=codes), "village")
    grids = rq.counts_by(rq.grids(user, region).filter(village__in=codes), "village")
    return [{"village": village, "producers": producers.get(village.code, 0),
             "grids": grids.get(village.code, 0)}
            for village in Region.objects.filter(code__in=codes).select_related("town")]


def _village_row(v) -> list:
    village = v["village"]
    return [(village.name, _url("region", village.code)), village.code, village.town.name,
            v["producers"], "网格无人员" if v["grids"] else "未划定网格"]


# --- commitments, inspections ----------------------------------------------------------


def _letters(scope, params):
    status = _choice(params, "status", ("signed", "unsigned"))
    return commitments.letters(scope, scope.region, status).select_related(
        "producer__town", "campaign__region")


def _letter_row(letter) -> list:
    return [(letter.producer.name, _url("producer", letter.producer_id)),
            letter.producer.town.name, (letter.campaign.title, _url("campaign",
                                                                    letter.campaign_id)),
            letter.number, "已签订" if letter.signed else "未签订"]


def _obligations(scope, params) -> Paged:
    """The rows of `inspections.obligations` (of a status, an obligation, a grid or none),
    a page of them read from the database (`Standing.owed`): building every row of a
    district in Python to show fifty took half a second."""
    status = _choice(params, "status", inspections.STATUS_NAMES)
    kind = _choice(params, "obligation", [rule["obligation"] for rule in schedules.RULES])
    grid = (params.get("grid") or "").strip()
    if grid and grid != "none" and not (
            grid.isdigit() and visible(Grid, scope.user).filter(pk=grid).exists()):
        raise FieldErrors({"grid": "网格不存在"}, prefix=("query",))
    producers = inspections.owing(scope)
    if grid:
        producers = producers.filter(grid=None if grid == "none" else grid)
    standing = Standing(producers, schedules.windows_between(scope.start, scope.end),
                        schedules.shanghai_today(), obligations=(kind,) if kind else None)

    def fetch(how, descending, offset, limit):
        # Ties keep the rows' own order (producers by name, then schedule's), as a stable
        # sort of them would, either way round.
        order = f"{how}{' DESC' if descending else ''}, name, id, slot"
        return standing.owed(order, (status,) if status else None, offset, limit)
    return Paged(fetch)


def _obligation_row(r) -> list:
    producer = r["producer"]
    return [(producer.name, _url("producer", producer.pk)), producer.town.name,
            producer.grid.name if producer.grid_id else "", r["name"], r["label"],
            r["required"], r["done"], inspections.STATUS_NAMES[r["status"]]]


# --- samples, warnings -----------------------------------------------------------------


def _samples(scope, params):
    qs = samples.samples(scope)
    verdict = _choice(params, "verdict", samples.VERDICTS)
    if verdict:
        qs = qs.filter(verdict=verdict)
    product = (params.get("product") or "").strip()
    if product:
        qs = qs.filter(product=product)
    analyte = (params.get("analyte") or "").strip()
    if analyte:
        qs = qs.filter(Exists(Result.objects.filter(
            sample=OuterRef("pk"), current=True, analyte=analyte, status__in=NON_COMPLIANT)))
    return qs.select_related("producer", "town")


def _sample_row(s) -> list:
    return [(s.sample_no, _url("sample", s.sample_no)),
            f"{timezone.localtime(s.sampled_at):%Y-%m-%d %H:%M}", s.product,
            (s.producer.name, _url("producer", s.producer_id)), s.town.name,
            s.get_kind_display(), s.get_verdict_display()]


def _warnings(scope, params):
    level = _choice(params, "level", warnings.LEVEL_ORDER)
    qs = (warnings.issued(scope) if _flag(params, "issued")
          else warnings.open_warnings(scope))
    if level:
        qs = qs.filter(level=level)
    if _choice(params, "town", ("none",)):
        qs = qs.filter(town=None)
    return qs.select_related("region", "town")


def _warning_row(w) -> list:
    return [(w.get_level_display(), _url("warning", w.pk)), w.get_kind_display(),
            w.town.name if w.town_id else w.region.name, w.product, w.pesticide,
            w.explanation, w.get_status_display(), _day(w.issued_at)]


FIGURES = {
    "producers": Figure(
        "生产主体", ["名称", "主体类型", "镇（街道）", "村（居）", "规模主体", "面积（亩）",
                     "登记日期"],
        _producers, _producer_row,
        {"name": (0, "name"), "area": (5, "area_mu"), "created": (6, "created_at")},
        ("created", "area")),
    "plots": Figure(
        "地块", ["地块编号", "生产主体", "作物", "测算面积（亩）", "镇（街道）", "村（居）",
                 "网格", "登记日期"],
        _plots, _plot_row,
        {"plot_no": (0, "plot_no"), "area": (3, "area_mu"),
         "created": (7, "created_at")}, ("area", "created")),
    "villages": Figure(
        "有生产主体而无网格人员的村（居）", ["村（居）", "区划代码", "镇（街道）", "生产主体",
                                         "网格情况"],
        _villages, _village_row,
        {"code": (1, lambda v: v["village"].code), "producers": (3, lambda v: v["producers"])},
        ("producers",)),
    "letters": Figure(
        "告知书与承诺书签订", ["生产主体", "镇（街道）", "承诺工作", "文书编号", "签订情况"],
        _letters, _letter_row,
        {"producer": (0, "producer__name"), "town": (1, "producer__town_id"),
         "number": (3, "number")}),
    "obligations": Figure(
        "巡查频次", ["生产主体", "镇（街道）", "网格", "巡查要求", "期间", "应巡查次数",
                     "已巡查次数", "状态"],
        _obligations, _obligation_row,
        {"status": (7, "st"), "producer": (0, "name"), "window": (4, "span")}, ("status",)),
    "samples": Figure(
        "样品", ["样品编号", "抽样时间", "样品名称", "生产主体", "镇（街道）", "类型", "结论"],
        _samples, _sample_row,
        {"sampled_at": (1, "sampled_at"), "sample_no": (0, "sample_no"),
         "product": (2, "product"), "verdict": (6, "verdict")}, ("sampled_at",)),
    "warnings": Figure(
        "风险预警", ["等级", "类型", "区域", "产品", "农药", "说明", "状态", "发布日期"],
        _warnings, _warning_row,
        {"issued_at": (7, "issued_at")}, ("issued_at",)),
}


def ordered(figure: Figure, found, sort: str):
    """The rows sorted by `sort` (a key of figure.sorts, "-" for descending)."""
    key = sort.lstrip("-")
    if key not in figure.sorts:
        first = next(iter(figure.sorts))
        key, sort = first, ("-" if first in figure.descending_first else "") + first
    how, descending = figure.sorts[key][1], sort.startswith("-")
    if isinstance(found, list):
        return sorted(found, key=how, reverse=descending), sort
    if isinstance(found, Paged):
        return found.sorted_by(how, descending), sort
    return found.order_by(("-" if descending else "") + how, "pk"), sort


def every(found):
    """All of a figure's rows (`ordered`), a queryset's read in chunks."""
    return iter(found) if isinstance(found, list | Paged) else found.iterator(chunk_size=2000)
