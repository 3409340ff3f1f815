"""Indicators of the register, the grids and the commitments (实施方案 四.(一)–(三)).

Each computation takes the districts to score at once and answers one `Measurement` per
district code (see `measurement.py` for the rule "an obligation counts once it is due").
The register and the grids keep no history, so they are measured as they stand today,
whatever the year asked.
"""

import datetime as dt
import functools

from django.db.models import Count, Exists, OuterRef, Q

from nongan.commitments.models import Campaign, Commitment, Letter
from nongan.producers.models import Plot, Producer
from nongan.producers.rules import ID_REQUIRED, USCC_REQUIRED
from nongan.regions.models import Grid, GridMember, Region

from .measurement import CITY, Miss, link, per_district

PRODUCER = "producers.producer"

# 实施方案 四.(四).1 and 四.(二): what an entry of the register (生产主体名录) must carry.
REGISTER_FIELDS = {
    "name": "名称",
    "identity": "统一社会信用代码或身份证号码",
    "legal_rep": "法定代表人/负责人",
    "phone": "联系电话",
    "village": "所在村（现行区划）",
    "area": "生产面积",
    "grid": "所属网格",
    "products": "产品与品种",
}


def _has_identity(row) -> bool:
    """Registered entities by their USCC, a household by its ID number, a family farm by
    either (producers.rules)."""
    if row["kind"] in USCC_REQUIRED:
        return bool(row["uscc"])
    if row["kind"] in ID_REQUIRED:
        return bool(row["id_number"])
    return bool(row["uscc"] or row["id_number"])


CHECKS = {
    "name": lambda r: bool((r["name"] or "").strip()),
    "identity": _has_identity,
    "legal_rep": lambda r: bool((r["legal_rep"] or "").strip()),
    "phone": lambda r: bool((r["phone"] or "").strip()),
    "village": lambda r: bool(r["village__active"]),
    "area": lambda r: r["area_mu"] is not None and r["area_mu"] > 0,
    "grid": lambda r: r["grid_id"] is not None and bool(r["grid__active"]),
    "products": lambda r: bool(r["products"]),
}


def register_completeness(districts, year: int, params: dict, today: dt.date) -> dict:
    """名录信息完整: every active producer with the fields of `params["fields"]` filled."""
    found = per_district(districts)
    fields = params["fields"]
    columns = ["pk", "district_id", "name", "kind", "uscc", "id_number", "legal_rep", "phone",
               "village__active", "area_mu", "grid_id", "grid__active"]
    rows = (Producer.objects.filter(district__in=list(found), active=True).order_by("name", "pk")
            .values(*columns, *(["products"] if "products" in fields else [])))
    for row in rows:
        lacking = [REGISTER_FIELDS[f] for f in fields if not CHECKS[f](row)]
        found[row["district_id"]].add(None if not lacking else Miss(
            row["name"] or f"#{row['pk']}", link("producer", row["pk"]),
            "名录信息不全，缺少：" + "、".join(lacking), PRODUCER, str(row["pk"])))
    return found


def grid_coverage(districts, year: int, params: dict, today: dt.date) -> dict:
    """不漏一家主体，不少一块地块 (四.(一)): every active producer and plot in an open grid,
    and every village with producers covered by an open grid with a person named in it
    (落实村级监管责任人). Each producer, plot and village is one obligation."""
    found = per_district(districts)
    parts = params["parts"]
    # NO_GRID by the keys of the closed grids (a handful): the count of a district's plots
    # (some 200,000 in 浦东) then reads the plots' own index, with no join to the grids.
    closed = list(Grid.objects.filter(active=False).values_list("pk", flat=True))
    outside = Q(grid__isnull=True) | Q(grid__in=closed)
    if "producers" in parts:
        _records_in_grid(found, Producer.objects.filter(active=True), outside, PRODUCER,
                         "producer", ("name",), lambda p: p["name"], "未划入有效网格")
    if "plots" in parts:
        _records_in_grid(found, Plot.objects.filter(active=True), outside, "producers.plot",
                         "plot", ("plot_no", "producer__name"),
                         lambda p: f"{p['plot_no']}（{p['producer__name']}）", "地块未划入有效网格")
    if "villages" in parts:
        _villages_covered(found)
    return found


def _records_in_grid(found, qs, outside, model, url_name, fields, label, reason) -> None:
    """Counted in the database; the records outside a grid are read when asked (a page of
    them), by their key."""
    qs = qs.filter(district__in=list(found)).order_by()
    for code, total, missing in (qs.values("district").annotate(n=Count("pk"),
                                                               out=Count("pk", filter=outside))
                                 .values_list("district", "n", "out")):
        found[code].met(total - missing)
        found[code].missed_stored(missing, functools.partial(
            _outside, qs.filter(outside, district=code).order_by("pk").values("pk", *fields),
            model, url_name, label, reason))


def _outside(rows, model, url_name, label, reason, offset, limit) -> list[Miss]:
    return [Miss(label(r), link(url_name, r["pk"]), reason, model, str(r["pk"]))
            for r in rows[offset:None if limit is None else offset + limit]]


def _villages_covered(found) -> None:
    staffed = Grid.objects.filter(village=OuterRef("pk"), active=True).filter(
        Exists(GridMember.objects.filter(grid=OuterRef("pk"))))
    with_producers = Producer.objects.filter(active=True, village=OuterRef("pk"))
    villages = (Region.objects.filter(level="village", district__in=list(found))
                .filter(Exists(with_producers)).annotate(covered=Exists(staffed))
                .select_related("town").order_by("code"))
    for v in villages:
        found[v.district_id].add(None if v.covered else Miss(
            f"{v.town.name if v.town else ''}{v.name}", link("coverage", v.code),
            "村内有生产主体，但没有落实监管人员的有效网格", "regions.region", v.code))


def with_producers(found) -> set[str]:
    """The districts asked that have active producers (an urban district with none owes
    no campaign and no spot check)."""
    return set(Producer.objects.filter(district__in=list(found), active=True).order_by()
               .values_list("district", flat=True).distinct())


def _month_day(year: int, text: str) -> dt.date:
    month, day = (int(part) for part in text.split("-"))
    return dt.date(year, month, day)


def commitments_on_time(districts, year: int, params: dict, today: dt.date) -> dict:
    """告知承诺 (四.(三)): every producer sent the year's letter by the deadline (3月底) has
    signed its commitment by then. A district with producers and no campaign for the year
    (its own or the city's) once the deadline has passed misses the whole obligation (one
    miss)."""
    found = per_district(districts)
    deadline = _month_day(year, params["deadline"])
    campaigns = set(Campaign.objects.filter(year=year).values_list("region_id", flat=True))
    letters = (Letter.objects
               .filter(campaign__year=year, issued_on__lte=deadline, producer__active=True,
                       producer__district__in=list(found))
               .order_by("producer__name", "producer_id")
               .values_list("producer_id", "producer__name", "producer__district_id"))
    signed = {}
    for c in (Commitment.objects.filter(year=year, version=1,
                                        producer__district__in=list(found))
              .values("pk", "producer_id", "signed_on")):
        signed[c["producer_id"]] = c
    seen = set()
    for producer, name, code in letters:
        if producer in seen:
            continue
        seen.add(producer)
        commitment = signed.get(producer)
        if commitment is None and deadline >= today:
            continue  # not due yet
        found[code].add(_late_commitment(producer, name, commitment, deadline))
    if deadline < today:
        for code in with_producers(found) - {c for c in found if campaigns & {c, CITY}}:
            found[code].missed(Miss(f"{year}年度告知承诺", link("campaign_list"),
                                    f"截至{deadline:%m月%d日}未发起本年度告知书发放和承诺书签订工作",
                                    "commitments.campaign", ""))
    return found


def _late_commitment(producer, name, commitment, deadline) -> Miss | None:
    if commitment is not None and commitment["signed_on"] <= deadline:
        return None
    if commitment is None:
        return Miss(name, link("producer", producer),
                    f"已发告知书，{deadline:%Y-%m-%d}前未签订承诺书", PRODUCER, str(producer))
    return Miss(name, link("commitment", commitment["pk"]),
                f"承诺书于{commitment['signed_on']:%Y-%m-%d}签订，晚于{deadline:%Y-%m-%d}",
                "commitments.commitment", str(commitment["pk"]))
