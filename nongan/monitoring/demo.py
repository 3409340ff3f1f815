"""Synthetic monitoring history for the demo (`nongan seed`): two years of plans, samples
taken at the producers' plots, lab results judged by the real GB 2763 engine, follow-ups of
the non-compliant ones and the labs' monthly summaries. Same seed, same history.

How often a residue is found, how many, how close to the limit, how often over it and in
which months come from `data/calibration.json`, derived by `bench/calibrate_monitoring.py`
from the UK PRiF residue monitoring 2016–2022 (Open Government Licence v3): the detection
and exceedance rates per product category, the number of residues in a positive sample,
quantiles of the residue/limit ratio and month indices. A value is drawn as a ratio of the
limit the edition in force gives for the food and the pesticide, then the whole sample is
judged by `limits.judge_many`, and its verdict settled by the rule of
`services._settle_verdict`: the engine, not this module, says what complies.

What is synthetic without a measured basis (and says so here): the volumes (samples per
producer and year by kind), the share of non-compliant samples due to a banned pesticide,
the rapid-test positive rate and how often a lab confirms it, and the follow-up outcomes.

Rows are written with `bulk_create` in chronological batches (the per-record services
validate, notify and audit one write at a time, far too slow for a history); like the
inspection history, no audit entry is written per record: the seed run is one audited
action whose counts include these. No Notification rows are made for the history (they
would be thousands of stale messages in every officer's inbox); each follow-up records whom
it told in `notified` and its first note, as `services.open_follow_up` does. Reports: one
small placeholder PDF, saying it is synthetic, is stored once and referenced by every
sample whose report counts as uploaded (no per-sample files). Sampling forms carry no
signature or photo files.
"""

import datetime as dt
import hashlib
import json
import random
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from shapely.geometry import shape

from nongan.core.geo import locate
from nongan.core.models import CalendarDay
from nongan.core.workdays import is_working_day
from nongan.inspections.services import location_flags
from nongan.people.models import Organisation, User
from nongan.producers.models import Plot, Producer
from nongan.regions.models import Region

from . import deadlines, limits, summaries
from .models import (
    KIND_LETTER,
    NON_COMPLIANT,
    STATUSES,
    FollowUp,
    FollowUpNote,
    MonitoringPlan,
    MonthlySummary,
    PlanQuota,
    Result,
    Sample,
    SampleSequence,
    Standard,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = "310000000000"
CALIBRATION = Path(__file__).parent / "data" / "calibration.json"
MAX_YEARS = 2
BATCH = 1000  # samples per write; their results, follow-ups and notes go with them
REPORT_NAME = "reports/demo/nongan-demo-report.pdf"
# Monthly summaries are drafted (a real workbook each) for the last months due only: each
# costs a query of its month's samples and results and an .xlsx file; the to-do list looks
# three months back.
SUMMARY_MONTHS = 6

# Samples per producer and year, by who takes them (synthetic; the real Shanghai system
# takes ~4 quantitative samples per registered producer a year, markets included).
RATES = {"city": 0.5, "district": 0.3, "risk": 0.4, "supervisory": 0.08, "rapid": 0.5}
# Risk monitoring and enforcement target suspicion: more failures than routine work.
KIND_FAILURE_FACTOR = {"routine": 1.0, "risk": 1.5, "supervisory": 1.3}
BANNED_SHARE = 0.3  # of non-compliant samples, those due to a banned pesticide
RAPID_POSITIVE = 0.015  # enzyme-inhibition rapid tests (酶抑制率法) found positive
RAPID_CONFIRMED = 0.35  # of positives, those the lab's quantitative test confirms
RETEST_SHARE = 0.12  # of non-compliant lab samples, those whose party asks for a re-test
RETEST_UPHELD = 0.75  # of re-tests, those that confirm the first result
PROPOSED_SHARE = {"banned_detected": 0.7, "over_limit": 0.2}
RAPID_ITEM = "有机磷和氨基甲酸酯类农药"
RAPID_METHOD = "GB/T 5009.199-2003 酶抑制率法"
METHODS = ["GB 23200.113-2018 气相色谱-质谱联用法", "GB 23200.121-2021 液相色谱-质谱联用法"]
RISK_TOPICS = {2: ("蔬菜", "蔬菜农药残留风险监测"),
               3: ("水果", "夏季时令水果农药残留风险监测")}

# The seed's products (nongan.seeding.PRODUCTS) as foods of the GB 2763 classification, the
# first name the edition knows wins; a variety may name a food of its own. Aquatic products
# are left out: GB 2763 sets no limits for them (veterinary drugs are GB 31650).
FOODS = {
    "青菜": ["青菜", "普通白菜"], "鸡毛菜": ["小白菜", "普通白菜"], "番茄": ["番茄"],
    "黄瓜": ["黄瓜"], "茄子": ["茄子"], "辣椒": ["辣椒"], "甘蓝": ["结球甘蓝"],
    "西兰花": ["青花菜", "花椰菜"], "芹菜": ["芹菜"], "韭菜": ["韭菜"], "豇豆": ["豇豆"],
    "毛豆": ["菜用大豆"], "芦笋": ["芦笋"], "茭白": ["茭白"], "大蒜": ["大蒜"],
    "金瓜": ["西葫芦", "南瓜"], "白扁豆": ["扁豆", "菜豆"], "草莓": ["草莓"],
    "葡萄": ["葡萄"], "水蜜桃": ["桃"], "黄桃": ["桃"], "蟠桃": ["桃"], "梨": ["梨"],
    "柑橘": ["温州蜜柑", "柑", "橘"], "西瓜": ["西瓜"], "甜瓜": ["香瓜", "哈密瓜"],
    "水稻": ["稻谷", "糙米"], "小麦": ["小麦"],
}
VARIETY_FOODS = {"樱桃番茄": "樱桃番茄", "东方蜜1号": "哈密瓜"}
# Months in which each product is harvested (and so sampled) in Shanghai.
ALL_YEAR = tuple(range(1, 13))
SEASONS = {
    "青菜": ALL_YEAR, "鸡毛菜": ALL_YEAR, "韭菜": ALL_YEAR, "番茄": (3, 4, 5, 6, 7, 10, 11, 12),
    "黄瓜": (4, 5, 6, 7, 8, 9, 10), "茄子": (5, 6, 7, 8, 9, 10), "辣椒": (5, 6, 7, 8, 9, 10),
    "甘蓝": (1, 2, 3, 4, 5, 10, 11, 12), "西兰花": (1, 2, 3, 4, 11, 12),
    "芹菜": (1, 2, 3, 4, 10, 11, 12), "豇豆": (6, 7, 8, 9, 10), "毛豆": (6, 7, 8, 9, 10),
    "芦笋": (4, 5, 6, 7, 8, 9, 10), "茭白": (5, 6, 9, 10, 11), "大蒜": (3, 4, 5, 6),
    "金瓜": (7, 8, 9, 10), "白扁豆": (8, 9, 10, 11), "草莓": (1, 2, 3, 4, 5, 12),
    "葡萄": (6, 7, 8, 9, 10), "水蜜桃": (6, 7, 8), "黄桃": (7, 8, 9), "蟠桃": (6, 7, 8),
    "梨": (7, 8, 9), "柑橘": (1, 10, 11, 12), "西瓜": (5, 6, 7, 8, 9), "甜瓜": (5, 6, 7, 8),
    "水稻": (1, 10, 11, 12), "小麦": (5, 6),
}
# Pesticides growers in Shanghai commonly use, by category (for the sampling form's 用药).
USED = {
    "蔬菜": ["吡虫啉", "啶虫脒", "阿维菌素", "甲氨基阿维菌素苯甲酸盐", "氯虫苯甲酰胺",
           "高效氯氟氰菊酯", "苯醚甲环唑", "嘧菌酯", "代森锰锌", "百菌清", "腐霉利", "烯酰吗啉",
           "多菌灵", "噻虫嗪", "虫螨腈", "茚虫威", "乙基多杀菌素"],
    "水果": ["苯醚甲环唑", "戊唑醇", "嘧菌酯", "吡唑醚菌酯", "多菌灵", "甲基硫菌灵", "吡虫啉",
           "螺虫乙酯", "高效氯氰菊酯", "乙螨唑", "腐霉利", "啶酰菌胺", "代森锰锌"],
    "谷物": ["氯虫苯甲酰胺", "吡蚜酮", "三环唑", "井冈霉素", "噻呋酰胺", "己唑醇", "稻瘟灵",
           "苯醚甲环唑", "戊唑醇", "丙环唑", "吡唑醚菌酯", "噻虫嗪"],
}
DOSES = ["1000倍液", "1500倍液", "2000倍液", "3000倍液", "20毫升/亩", "30毫升/亩", "40克/亩",
         "50克/亩", "60毫升/亩"]
# Organophosphates and carbamates: what a positive enzyme-inhibition test points at.
OP_CARBAMATES = {
    "敌敌畏", "乐果", "氧乐果", "毒死蜱", "甲胺磷", "乙酰甲胺磷", "克百威", "涕灭威", "灭多威",
    "甲拌磷", "三唑磷", "丙溴磷", "辛硫磷", "马拉硫磷", "水胺硫磷", "甲基异柳磷", "杀扑磷",
    "久效磷", "对硫磷", "甲基对硫磷", "灭线磷", "治螟磷", "内吸磷", "硫环磷", "地虫硫磷",
    "氯唑磷", "苯线磷", "特丁硫磷", "丁硫克百威", "抗蚜威", "异丙威", "仲丁威", "二嗪磷",
    "敌百虫", "杀螟硫磷", "亚胺硫磷", "伏杀硫磷", "喹硫磷", "丙线磷", "硫线磷",
}
STATUS_NAMES = dict(STATUSES)


def _calibration() -> dict:
    with CALIBRATION.open(encoding="utf-8") as handle:
        return json.load(handle)


# --- small draws -------------------------------------------------------------------------


def _quantile(rng: random.Random, table) -> float:
    """A draw from a distribution given by [[p, q], ...] (linear between the points)."""
    u = rng.uniform(table[0][0], table[-1][0])
    for (p0, q0), (p1, q1) in zip(table, table[1:], strict=False):
        if u <= p1:
            return q0 + (q1 - q0) * (u - p0) / (p1 - p0) if p1 > p0 else q1
    return table[-1][1]


def _mg(value: float) -> Decimal:
    """Three significant figures, as labs report, in the Result field's six decimals."""
    return Decimal(f"{value:.3g}").quantize(Decimal("0.000001"))


def _at(day: dt.date, rng: random.Random, first=8, last=16) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(rng.randint(first, last), rng.randrange(60)),
                               tzinfo=SHANGHAI)


def _quarters(start: dt.date, end: dt.date):
    """(first, last) day of each calendar quarter from start's to end's."""
    first = dt.date(start.year, 3 * ((start.month - 1) // 3) + 1, 1)
    while first <= end:
        month = first.month + 3
        after = dt.date(first.year + (month > 12), (month - 1) % 12 + 1, 1)
        yield first, after - dt.timedelta(days=1)
        first = after


def _placeholder_pdf() -> bytes:
    """A one-page PDF saying that the demo's reports are not real test reports."""
    lines = ["nongan demo data - synthetic monitoring history",
             "This placeholder stands in for every seeded test report.",
             "It is not a test report; no sample was tested."]
    text = " ".join(f"({line}) Tj 0 -18 Td" for line in lines)
    stream = f"BT /F1 12 Tf 60 780 Td {text} ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for n, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


def _report_file() -> tuple[str, str]:
    data = _placeholder_pdf()
    if not default_storage.exists(REPORT_NAME):
        default_storage.save(REPORT_NAME, ContentFile(data))
    return REPORT_NAME, hashlib.sha256(data).hexdigest()


@contextmanager
def _dates_as_given(*models):
    """Creation times set by the history (a sample's form was submitted when it was taken,
    a result entered when the lab finished), not the moment of the seed run."""
    fields = [f for m in models for f in m._meta.concrete_fields
              if getattr(f, "auto_now_add", False)]
    for f in fields:
        f.auto_now_add = False
    try:
        yield
    finally:
        for f in fields:
            f.auto_now_add = True


RESULT_COLUMNS = ["sample", "analyte", "value", "unit", "lod", "method", "status", "mrl",
                  "matched_food", "standard", "basis", "entered_by", "entered_at", "current",
                  "reason"]


def _insert_results(rows: list[tuple]) -> None:
    """Result rows in RESULT_COLUMNS order, by one prepared INSERT: bulk_create's per-field
    preparation costs minutes for a million rows. Values are adapted as the fields adapt
    them (Decimal passes as it is, datetimes and JSON through the backend's adapters)."""
    fields = [Result._meta.get_field(name) for name in RESULT_COLUMNS]
    ops, quote = connection.ops, connection.ops.quote_name
    json_at = RESULT_COLUMNS.index("basis")
    time_at = RESULT_COLUMNS.index("entered_at")
    encoder = fields[json_at].encoder
    sql = (f"INSERT INTO {quote(Result._meta.db_table)} "
           f"({', '.join(quote(f.column) for f in fields)}) "
           f"VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        for start in range(0, len(rows), 5 * BATCH):
            chunk = []
            for row in rows[start:start + 5 * BATCH]:
                row = list(row)
                row[json_at] = ops.adapt_json_value(row[json_at], encoder)
                row[time_at] = ops.adapt_datetimefield_value(row[time_at])
                chunk.append(row)
            cursor.executemany(sql, chunk)


# --- what the world holds ----------------------------------------------------------------


@dataclass(slots=True)
class Grower:
    pk: int
    name: str
    district: str
    town: str
    village: str
    products: list  # [(seed product, [varieties])]


@dataclass
class Draft:
    """A sample decided but not yet written."""

    kind: str
    plan: MonitoringPlan | None
    lab: int
    grower: Grower
    product: str  # the seed's product name (the grower's)
    variety: str
    at: dt.datetime
    sampler: int
    co_sampler: int | None = None


@dataclass
class Edition:
    """What the seed needs of one GB 2763 edition, asked once of the engine."""

    standard: Standard
    pesticides: list
    foods: dict = field(default_factory=dict)  # seed product/variety -> food
    categories: dict = field(default_factory=dict)  # food -> top category
    relevant: dict = field(default_factory=dict)  # food -> {pesticide: (mrl, banned)}


class World:
    """The accounts, labs, producers and limit editions the history is made of."""

    def __init__(self, today: dt.date, start: dt.date):
        self.today, self.start = today, start
        users = list(User.objects.filter(is_active=True).exclude(role="producer")
                     .order_by("username").values_list(
                         "id", "username", "full_name", "role", "region_id", "org_id",
                         "enforcement_card_no", "enforcement_card_valid_to"))
        self.names = {pk: full or name for pk, name, full, *_ in users}
        self.admin = next((u[0] for u in users if u[3] == "city_admin"), None)
        self.lab_staff, self.district_officers, self.town_officers = {}, {}, {}
        self.grid_workers, self.enforcers = {}, {}
        for pk, _, _, role, region, org, card, valid_to in users:
            if role == "lab_staff" and org:
                self.lab_staff.setdefault(org, pk)
            elif role == "district_officer":
                self.district_officers.setdefault(region, []).append(pk)
            elif role == "town_officer":
                self.town_officers.setdefault(region, pk)
            elif role == "grid_worker":
                self.grid_workers.setdefault(region, pk)
            elif role == "enforcement_officer" and card and valid_to:
                self.enforcers.setdefault(region, []).append((pk, valid_to))
        labs = list(Organisation.objects.filter(kind="lab").order_by("pk")
                    .values_list("pk", "region_id", "name"))
        self.lab_names = {pk: name for pk, _, name in labs}
        self.city_labs = [pk for pk, region, _ in labs if region == CITY
                          and pk in self.lab_staff]
        self.district_labs = {}
        for pk, region, _ in labs:
            if region != CITY and pk in self.lab_staff:
                self.district_labs.setdefault(region, pk)
        self.district_names = dict(Region.objects.filter(level="district")
                                   .values_list("code", "name"))
        self.growers = [
            Grower(pk, name, district, town, village,
                   [(p["name"], list(p.get("varieties") or [])) for p in products or []
                    if p.get("name") in FOODS])
            for pk, name, district, town, village, products in Producer.objects.filter(
                active=True).order_by("pk").values_list(
                    "id", "name", "district_id", "town_id", "village_id", "products").iterator()]
        self.growers = [g for g in self.growers if g.products]
        exceptions = dict(CalendarDay.objects.filter(
            date__range=(start - dt.timedelta(days=100), today + dt.timedelta(days=100)))
            .values_list("date", "working"))
        self.working = {start + dt.timedelta(days=n) for n in range((today - start).days + 100)
                        if is_working_day(start + dt.timedelta(days=n), exceptions)}
        self._editions: dict[int, Edition] = {}
        self._in_force: dict[dt.date, Edition | None] = {}

    def edition(self, day: dt.date) -> Edition | None:
        if day not in self._in_force:
            standard = limits.standard_in_force(day)
            if standard is None:
                self._in_force[day] = None
            else:
                if standard.pk not in self._editions:
                    self._editions[standard.pk] = self._load(standard)
                self._in_force[day] = self._editions[standard.pk]
        return self._in_force[day]

    def _load(self, standard) -> Edition:
        from .models import ResidueLimit

        pesticides = list(dict.fromkeys(
            ResidueLimit.objects.filter(standard=standard).order_by("pesticide_cn")
            .values_list("pesticide_cn", flat=True)))
        edition = Edition(standard, pesticides)
        known = set(limits.food_names(standard))
        wanted = {**{p: names for p, names in FOODS.items()},
                  **{v: [food] for v, food in VARIETY_FOODS.items()}}
        for key, names in wanted.items():
            food = next((n for n in names if n in known), None)
            if food is None:
                continue
            edition.foods[key] = food
            if food not in edition.categories:
                edition.categories[food] = limits.food_category(standard, food)
                # One probe of the engine: which of the edition's pesticides it can judge
                # for this food, with which limit, and which are banned on it.
                probe = limits.judge_many(standard, food, [
                    {"analyte": p, "value": Decimal(1), "unit": "mg/kg", "lod": None}
                    for p in pesticides])
                edition.relevant[food] = {
                    p: (j["mrl"], j["status"] == "banned_detected")
                    for p, j in zip(pesticides, probe, strict=True) if j["status"] != "no_limit"}
        return edition

    def food(self, edition: Edition, product: str, variety: str) -> str | None:
        return edition.foods.get(variety) or edition.foods.get(product)


# --- the history -------------------------------------------------------------------------


class History:
    def __init__(self, world: World, rng: random.Random, calibration: dict, cutoff):
        self.world, self.rng, self.cal = world, rng, calibration
        self.cutoff = cutoff  # the history ends here: nothing after it has happened yet
        self.serials: dict[str, int] = dict(SampleSequence.objects.values_list("prefix", "last"))
        self.city_sampled: dict[tuple, list] = {}
        self.report_name, self.report_sha = _report_file()
        self.counts = {"monitoring_plans": 0, "samples": 0, "rapid_tests": 0, "results": 0,
                       "non_compliant_samples": 0, "follow_ups": 0, "monthly_summaries": 0}
        self._days: dict[tuple, list] = {}

    # ---- plans

    def plans(self, first: dt.date, last: dt.date, q: int) -> list[Draft]:
        """The quarter's plans, their quotas, and the samples they lead to (drafts)."""
        world, rng = self.world, self.rng
        starts = max(first, world.start)
        share = ((last - starts).days + 1) / ((last - first).days + 1)
        middle = first + (last - first) / 2
        edition = world.edition(min(middle, world.today)) or world.edition(last)
        if edition is None:
            return []
        months = {m for m in range(first.month, first.month + 3)}
        cells: dict[tuple, list] = {}  # (district, category) -> [(grower, product)]
        for grower in world.growers:
            for product, _varieties in grower.products:
                food = edition.foods.get(product)
                if food is None or not months & set(SEASONS[product]):
                    continue
                category = edition.categories.get(food) or ""
                cells.setdefault((grower.district, category), []).append((grower, product))
        districts = sorted({d for d, _ in cells})
        drafts = []
        year = first.year
        label = f"{year}年第{q}季度"
        # City routine plans: the districts shared among the city labs, rotating.
        labs = world.city_labs
        for n, lab in enumerate(labs):
            mine = [d for i, d in enumerate(districts) if (i + q + year) % len(labs) == n]
            quotas = self._quotas(cells, mine, None, RATES["city"] * share / 4)
            if quotas:
                plan = self._plan(f"{label}市级农产品质量安全例行监测（{world.lab_names[lab]}）",
                                  "city", "routine", CITY, starts, last, lab, world.admin,
                                  quotas, edition, 28, 36, 4)
                drafts += self._drafts(plan, quotas, cells, world.lab_staff[lab])
        # District routine plans, by each district's own lab.
        for district in districts:
            lab = world.district_labs.get(district)
            officer = (world.district_officers.get(district) or [None])[0]
            if lab is None or officer is None:
                continue
            name = world.district_names.get(district, district)
            quotas = self._quotas(cells, [district], None, RATES["district"] * share / 4)
            if quotas:
                plan = self._plan(f"{label}{name}农产品质量安全例行监测", "district", "routine",
                                  district, starts, last, lab, officer, quotas, edition,
                                  18, 24, 3)
                drafts += self._drafts(plan, quotas, cells, world.lab_staff[lab])
            # Rapid tests by the town stations, under a district plan.
            quotas = self._quotas(cells, [district], {"蔬菜", "水果"},
                                  RATES["rapid"] * share / 4)
            if quotas:
                plan = self._plan(f"{label}{name}农产品农药残留快速检测", "district", "rapid",
                                  district, starts, last, lab, officer, quotas, None, 0, 0, 0)
                drafts += self._drafts(plan, quotas, cells, None)
        # Risk monitoring: one city plan in the second and third quarter, on one category.
        if q in RISK_TOPICS and labs:
            category, topic = RISK_TOPICS[q]
            lab = labs[(year + q) % len(labs)]
            quotas = self._quotas(cells, districts, {category}, RATES["risk"] * share / 4)
            if quotas:
                plan = self._plan(f"{year}年{topic}", "city", "risk", CITY, starts, last, lab,
                                  world.admin, quotas, edition, 30, 40, 10)
                drafts += self._drafts(plan, quotas, cells, world.lab_staff[lab])
        # Supervisory sampling (监督抽查): no plan, two carded enforcement officers.
        for district in districts:
            pool = [c for (d, _), cs in cells.items() if d == district for c in cs]
            count = round(len({g.pk for g, _ in pool}) * RATES["supervisory"] * share / 4
                          + rng.random())
            for _ in range(count):
                draft = self._supervisory(district, pool, starts, last)
                if draft:
                    drafts.append(draft)
        return [d for d in drafts if world.start <= d.at.date() < world.today]

    def _quotas(self, cells, districts, categories, rate) -> dict:
        quotas = {}
        for (district, category), members in sorted(cells.items(), key=lambda c: c[0]):
            if district not in districts or (categories and category not in categories):
                continue
            if not category:
                continue
            growers = len({g.pk for g, _ in members})
            count = max(1, round(growers * rate + self.rng.random() - 0.5))
            quotas[(district, category)] = count
        return quotas

    def _plan(self, name, level, kind, region, starts, ends, lab, creator, quotas, edition,
              low, high, banned) -> MonitoringPlan:
        analytes = ([RAPID_ITEM] if kind == "rapid"
                    else self._analytes(edition, {c for _, c in quotas}, low, high, banned))
        plan = MonitoringPlan.objects.create(
            name=name, level=level, kind=kind, region_id=region, starts_on=starts,
            ends_on=ends, analytes=analytes, lab_id=lab, created_by_id=creator,
            created_at=dt.datetime.combine(starts - dt.timedelta(days=self.rng.randint(3, 12)),
                                           dt.time(10), tzinfo=SHANGHAI))
        PlanQuota.objects.bulk_create([
            PlanQuota(plan=plan, district_id=d, category=c, count=n)
            for (d, c), n in quotas.items()])
        self.counts["monitoring_plans"] += 1
        return plan

    def _analytes(self, edition: Edition, categories, low, high, banned_wanted) -> list[str]:
        """The plan's test items: the pesticides with limits on most of its foods, and a
        few banned ones, as a city plan lists 30-odd items for all its product types."""
        foods = [f for f, c in edition.categories.items() if c in categories]
        cover, banned = {}, set()
        for food in foods:
            for pesticide, (_, is_banned) in edition.relevant.get(food, {}).items():
                cover[pesticide] = cover.get(pesticide, 0) + 1
                if is_banned:
                    banned.add(pesticide)
        rng = self.rng
        ranked = sorted((p for p in cover if p not in banned),
                        key=lambda p: (-cover[p], rng.random()))
        chosen = ranked[:rng.randint(low, high) - banned_wanted]
        chosen += rng.sample(sorted(banned), min(banned_wanted, len(banned)))
        return chosen

    def _drafts(self, plan, quotas, cells, sampler) -> list[Draft]:
        world, rng = self.world, self.rng
        drafts = []
        for (district, category), count in quotas.items():
            members = cells[(district, category)]
            picks = (rng.sample(members, count) if count <= len(members)
                     else [rng.choice(members) for _ in range(count)])
            for grower, product in picks:
                day = self._day(product, plan.starts_on, plan.ends_on)
                if day is None:
                    continue
                who = sampler
                if plan.kind == "rapid":
                    who = world.town_officers.get(grower.town)
                    if who is None:
                        continue
                variety = rng.choice(dict(grower.products)[product] or [""])
                drafts.append(Draft(plan.kind, plan, plan.lab_id, grower, product, variety,
                                    _at(day, rng), who))
        return drafts

    def _day(self, product, first, last) -> dt.date | None:
        key = (product, first, last)
        if key not in self._days:
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
            self._days[key] = [d for d in days if d.month in SEASONS[product]
                               and d in self.world.working]
        days = self._days[key]
        return self.rng.choice(days) if days else None

    def _supervisory(self, district, pool, first, last) -> Draft | None:
        world, rng = self.world, self.rng
        if not pool:
            return None
        grower, product = rng.choice(pool)
        day = self._day(product, first, last)
        if day is None:
            return None
        carded = [pk for pk, valid_to in world.enforcers.get(district, []) if valid_to >= day]
        if len(carded) < 2:
            return None
        sampler, co = rng.sample(carded, 2)
        lab = world.district_labs.get(district)
        if lab is None or rng.random() < 0.4:
            lab = rng.choice(world.city_labs)
        variety = rng.choice(dict(grower.products)[product] or [""])
        return Draft("supervisory", None, lab, grower, product, variety, _at(day, rng),
                     sampler, co)

    # ---- writing, in batches of samples in the order they were taken

    def write(self, drafts: list[Draft]) -> None:
        drafts.sort(key=lambda d: (d.at, d.grower.pk, d.product))
        for start in range(0, len(drafts), BATCH):
            self._write_batch(drafts[start:start + BATCH])

    def _write_batch(self, drafts: list[Draft]) -> None:
        plots = self._plots({d.grower.pk for d in drafts})
        made = []  # (sample, rows, extra)
        for draft in drafts:
            built = self._build(draft, plots)
            if built:
                made.append(built)
        made = self._judge_and_complete(made)
        self._save(made)
        # What follows from the results: re-tests, confirmations of rapid positives.
        after = []
        for sample, rows, extra in made:
            if sample.verdict != "non_compliant":
                continue
            if sample.kind == "rapid":
                confirmation = self._confirmation(sample, extra)
                if confirmation:
                    after.append(confirmation)
                    extra["confirmation"] = confirmation[0]
            elif self.rng.random() < RETEST_SHARE and sample.notified_at:
                retest = self._retest(sample, rows, extra)
                if retest:
                    after.append(retest)
                    extra["retest"] = retest[0]
        after = self._judge_and_complete(after)
        self._save(after)
        self._follow_ups(made + after)

    def _plots(self, producers) -> dict:
        found: dict[int, list] = {}
        ids = sorted(producers)
        for start in range(0, len(ids), 500):
            for row in Plot.objects.filter(producer_id__in=ids[start:start + 500], active=True
                                           ).order_by("pk").values_list(
                    "producer_id", "id", "plot_no", "crop", "geometry"):
                found.setdefault(row[0], []).append(row[1:])
        return found

    def _serial(self, district: str, kind: str, at: dt.datetime) -> str:
        prefix = f"{deadlines.local_date(at).year}{district[:6]}{KIND_LETTER[kind]}"
        self.serials[prefix] = self.serials.get(prefix, 0) + 1
        return f"{prefix}{self.serials[prefix]:05d}"

    def _build(self, draft: Draft, plots) -> tuple | None:
        world, rng = self.world, self.rng
        day = draft.at.date()
        edition = world.edition(day)
        if edition is None:
            return None
        food = world.food(edition, draft.product, draft.variety)
        if food is None:
            return None
        category = edition.categories.get(food, "")
        grower = draft.grower
        own = plots.get(grower.pk) or []
        plot = next((p for p in own if p[2] == draft.product), own[0] if own else None)
        lon = lat = None
        check, flags = {}, []
        accuracy = float(rng.choice((5, 8, 10, 15)))
        if plot is not None:
            point = shape(plot[3]).representative_point()  # always inside the polygon
            lon, lat = round(point.x, 7), round(point.y, 7)
            check = {"inside_plot": True, "plot_no": plot[1], "distance_m": 0.0}
            if rng.random() < 0.04:  # taken at the field's edge, by the road
                lon = round(lon + rng.choice((-1, 1)) * 0.0025, 7)
                check = locate(lon, lat, [(p[1], p[3]) for p in own])
                flags = location_flags(check, {"lon": lon, "lat": lat, "accuracy_m": accuracy})
        if draft.plan is not None and draft.plan.level == "district":
            since = draft.at - dt.timedelta(days=30)
            if any(since <= t <= draft.at
                   for t in self.city_sampled.get((grower.pk, food), ())):
                flags.append({"code": "sampled_by_city", "message": "该主体同一产品30日内已被"
                              "市级任务抽检，下级不得重复抽检同一批次"})
        if draft.plan is not None and draft.plan.level == "city":
            self.city_sampled.setdefault((grower.pk, food), []).append(draft.at)
        analytes = self._sample_analytes(draft, edition, food)
        used = self._pesticides_used(category, day)
        sample = Sample(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            sample_no=self._serial(grower.district, draft.kind, draft.at),
            plan=draft.plan, kind=draft.kind, lab_id=draft.lab, producer_id=grower.pk,
            plot_id=plot[0] if plot else None, product=food, variety=draft.variety,
            category=category, quantity=self._quantity(category, draft.kind),
            sampled_at=draft.at, lon=lon, lat=lat, accuracy_m=accuracy if plot else None,
            location_check=check, pesticides_used=used, analytes=analytes,
            sampler_id=draft.sampler, flags=flags,
            submitted_at=draft.at + dt.timedelta(minutes=rng.randint(5, 90)),
            results_due=deadlines.results_due(draft.at), standard=edition.standard,
            district_id=grower.district, town_id=grower.town, village_id=grower.village)
        sample.payload_hash = hashlib.sha256(sample.uuid.bytes).hexdigest()
        rows, done = self._test(sample, edition, draft.kind)
        return sample, rows, {"draft": draft, "edition": edition,
                              "co_sampler": draft.co_sampler, "done": done}

    def _quantity(self, category, kind) -> str:
        if kind == "rapid":
            return "0.5 kg"
        return {"谷物": "1 kg", "水果": "3 kg"}.get(category, "2 kg")

    def _sample_analytes(self, draft, edition, food) -> list[str]:
        relevant = edition.relevant.get(food, {})
        if draft.kind == "rapid":
            return [RAPID_ITEM]
        if draft.plan is not None:
            mine = [a for a in draft.plan.analytes if a in relevant]
            return mine if len(mine) >= 5 else list(draft.plan.analytes)
        # A supervisory sample: the items with limits on this food, banned ones first.
        banned = sorted(p for p, (_, b) in relevant.items() if b)
        other = sorted(p for p, (_, b) in relevant.items() if not b)
        self.rng.shuffle(other)
        return self.rng.sample(banned, min(6, len(banned))) + other[:self.rng.randint(14, 20)]

    def _pesticides_used(self, category, day) -> list[dict]:
        rng = self.rng
        names = USED.get(category) or USED["蔬菜"]
        count = rng.choices([0, 1, 2, 3], [10, 40, 35, 15])[0]
        return [{"pesticide": name, "dose": rng.choice(DOSES),
                 "applied_on": (day - dt.timedelta(days=rng.randint(7, 45))).isoformat()}
                for name in rng.sample(names, count)]

    # ---- testing

    def _test(self, sample: Sample, edition: Edition, kind: str, *, force=None) -> tuple:
        """The values the lab (or the station) finds, and when it is done; a rapid test's
        outcome is judged here as services._judge does (no limit table), a lab's values by
        the engine in `_judge_and_complete`."""
        rng, cutoff = self.rng, self.cutoff
        at = sample.sampled_at
        if kind == "rapid":
            sample.received_at = at
            done = at + dt.timedelta(minutes=rng.randint(20, 60))
            month = deadlines.local_date(at).month
            positive = (force if force is not None else
                        rng.random() < RAPID_POSITIVE * self.cal["month_exceed_index"][month - 1])
            outcome = "positive" if positive else "negative"
            return [{"analyte": RAPID_ITEM, "value": None, "unit": "mg/kg", "lod": None,
                     "method": RAPID_METHOD, "status": outcome, "mrl": None,
                     "matched_food": "", "standard": "",
                     "basis": {"message": "快检阳性，须经实验室定量检测确证"
                               if positive else "快检阴性"}}], done
        received = at + dt.timedelta(hours=rng.uniform(2, 20))
        sample.received_at = received if received < cutoff else None
        lag = rng.choices([rng.randint(2, 9), 10, rng.randint(11, 18)], [90, 6, 4])[0]
        done = _at(deadlines.local_date(at) + dt.timedelta(days=lag), rng, 9, 17)
        if cutoff - at < dt.timedelta(days=30) and rng.random() < 0.05:
            done = None  # still waiting for its results (a late lab in the last month)
        return self._values(sample, edition, kind, force), done

    def _judge_and_complete(self, made: list) -> list:
        """Every lab value judged by the engine, one `judge_many` call per edition and food
        for the whole batch (each row is judged on its own, so this is the same as a call
        per sample); then each sample's verdict, completion, report and notification."""
        groups: dict[tuple, tuple] = {}
        for sample, rows, _ in made:
            if sample.kind != "rapid":
                key = (sample.standard_id, sample.product)
                groups.setdefault(key, (sample.standard, []))[1].extend(rows)
        for (_, food), (standard, rows) in groups.items():
            judged = limits.judge_many(standard, food, [
                {k: r[k] for k in ("analyte", "value", "unit", "lod")} for r in rows])
            for row, judgement in zip(rows, judged, strict=True):
                row.update(status=judgement["status"], mrl=judgement["mrl"],
                           matched_food=judgement["matched_food"],
                           standard=judgement["standard"], basis=judgement["basis"])
        done = []
        for sample, rows, extra in made:
            days = (0, 0) if sample.kind == "rapid" else (0, 1) if sample.retest_of_id \
                else (0, 2)
            done.append((sample, self._complete(sample, rows, extra["done"], days), extra))
        return done

    def _complete(self, sample, rows, done, report_days) -> list[dict]:
        rng, cutoff = self.rng, self.cutoff
        if done is None or sample.received_at is None or done >= cutoff:
            sample.verdict, sample.completed_at = "incomplete", None
            return []
        statuses = {r["analyte"]: r["status"] for r in rows}
        # The rule of services._settle_verdict.
        if any(s in NON_COMPLIANT for s in statuses.values()):
            sample.verdict = "non_compliant"
        elif all(a in statuses for a in sample.analytes):
            sample.verdict = "compliant"
        else:
            sample.verdict = "incomplete"
        sample.completed_at = done
        old = cutoff - done > dt.timedelta(days=30)
        if old or rng.random() < 0.96:
            uploaded = done + dt.timedelta(days=rng.randint(*report_days),
                                           minutes=rng.randint(10, 300))
            if not old and rng.random() < 0.04:
                uploaded += dt.timedelta(days=rng.randint(3, 20))  # uploaded late
            if uploaded < cutoff:
                sample.report = self.report_name
                sample.report_sha256 = self.report_sha
                sample.report_uploaded_at = uploaded
        if sample.verdict == "non_compliant":
            told = done + dt.timedelta(hours=rng.uniform(1, 20) if rng.random() < 0.97
                                       else rng.uniform(26, 50))
            sample.notified_at = told if told < cutoff else None
        return rows

    def _values(self, sample, edition, kind, force) -> list[dict]:
        """Which analytes are found and at what level, drawn from the calibration."""
        rng = self.rng
        cal = self.cal["categories"].get(sample.category) or self.cal["categories"]["全部"]
        month = deadlines.local_date(sample.sampled_at).month
        relevant = edition.relevant.get(sample.product, {})
        if force is None:
            fail_p = (cal["exceed_rate"] * self.cal["month_exceed_index"][month - 1]
                      * KIND_FAILURE_FACTOR.get(kind, 1.0))
            fails = rng.random() < fail_p
            detect_p = min(0.97, cal["detect_rate"] * cal["month_detect_index"][month - 1])
            detected = fails or rng.random() < max(0.0, (detect_p - fail_p) / (1 - fail_p))
        else:
            fails = detected = force
        found: dict[str, float] = {}
        analytes = sample.analytes
        banned = [a for a in analytes if a in relevant and relevant[a][1]]
        limited = [a for a in analytes if a in relevant and not relevant[a][1]
                   and relevant[a][0] is not None]
        used = {p["pesticide"] for p in sample.pesticides_used}
        if fails:
            if banned and (rng.random() < BANNED_SHARE or not limited):
                name = rng.choice(banned)
                found[name] = 10 ** _quantile(rng, cal["log10_residue_lod_exceeding_mg_kg"])
            elif limited:
                name = self._pick(limited, used, found)
                found[name] = float(relevant[name][0]) * 10 ** _quantile(
                    rng, cal["log10_ratio_above"])
        if detected:
            counts = cal["residues_per_positive"]
            k = rng.choices([int(n) for n in counts], list(counts.values()))[0] - len(found)
            for _ in range(max(0, k)):
                name = self._pick(limited, used, found)
                if name is None:
                    break
                mrl = float(relevant[name][0])
                found[name] = min(mrl, mrl * 10 ** _quantile(rng, cal["log10_ratio_within"]))
        rows = []
        for analyte in analytes:
            mrl = relevant.get(analyte, (None, False))[0]
            lod = Decimal("0.005") if (mrl is not None and mrl <= Decimal("0.02")) or \
                relevant.get(analyte, (None, False))[1] else Decimal("0.01")
            value = None
            if analyte in found:
                value = max(_mg(found[analyte]), lod)
                if mrl is not None and found[analyte] <= float(mrl):
                    value = min(value, mrl)  # rounding never pushes a compliant value over
            method = METHODS[int(hashlib.md5(analyte.encode()).hexdigest(), 16) % 2]
            rows.append({"analyte": analyte, "value": value, "unit": "mg/kg", "lod": lod,
                         "method": method})
        return rows

    def _pick(self, names, used, found):
        left = [n for n in names if n not in found]
        if not left:
            return None
        weights = [5 if n in used else 1 for n in left]
        return self.rng.choices(left, weights)[0]

    # ---- what follows a failure

    def _confirmation(self, rapid: Sample, extra) -> tuple | None:
        """A positive rapid test: two enforcement officers take a sample of the same crop
        for the lab's quantitative test (确证), a day or three later."""
        world, rng = self.world, self.rng
        draft = extra["draft"]
        day = deadlines.local_date(rapid.sampled_at) + dt.timedelta(days=rng.randint(1, 3))
        while day not in world.working:
            day += dt.timedelta(days=1)
        at = _at(day, rng)
        if at >= self.cutoff - dt.timedelta(hours=6):
            return None  # not yet: it shows on the to-do list
        carded = [pk for pk, valid_to in world.enforcers.get(draft.grower.district, [])
                  if valid_to >= day]
        edition = world.edition(day)
        if len(carded) < 2 or edition is None:
            return None
        sampler, co = rng.sample(carded, 2)
        lab = world.district_labs.get(draft.grower.district) or rng.choice(world.city_labs)
        relevant = edition.relevant.get(rapid.product, {})
        ops = sorted(a for a in relevant if a in OP_CARBAMATES)
        others = sorted(a for a in relevant if a not in OP_CARBAMATES)
        analytes = ops + rng.sample(others, min(len(others), max(0, 12 - len(ops))))
        if not analytes:
            return None
        sample = Sample(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            sample_no=self._serial(draft.grower.district, "supervisory", at),
            kind="supervisory", lab_id=lab, producer_id=rapid.producer_id,
            plot_id=rapid.plot_id, product=rapid.product, variety=rapid.variety,
            category=rapid.category, quantity=self._quantity(rapid.category, "supervisory"),
            sampled_at=at, lon=rapid.lon, lat=rapid.lat, accuracy_m=rapid.accuracy_m,
            location_check=rapid.location_check, pesticides_used=rapid.pesticides_used,
            analytes=analytes, sampler_id=sampler, flags=[],
            submitted_at=at + dt.timedelta(minutes=rng.randint(5, 60)),
            results_due=deadlines.results_due(at), standard=edition.standard, confirms=rapid,
            district_id=rapid.district_id, town_id=rapid.town_id, village_id=rapid.village_id)
        sample.payload_hash = hashlib.sha256(sample.uuid.bytes).hexdigest()
        confirmed = rng.random() < RAPID_CONFIRMED
        rows, done = self._test(sample, edition, "supervisory", force=confirmed or None)
        return sample, rows, {"draft": draft, "edition": edition, "co_sampler": co,
                              "done": done}

    def _retest(self, sample: Sample, rows, extra) -> tuple | None:
        """复检: the party asks within 5 working days of being told; another lab tests the
        retained portion, within 7 working days of receiving it."""
        world, rng = self.world, self.rng
        told = sample.notified_at
        asked_day = deadlines.local_date(told)
        for _ in range(rng.randint(1, 4)):
            asked_day += dt.timedelta(days=1)
            while asked_day not in world.working:
                asked_day += dt.timedelta(days=1)
        asked = _at(asked_day, rng, 9, 16)
        officer = (world.district_officers.get(sample.district_id) or [None])[0]
        labs = [lab for lab in [*world.city_labs, *world.district_labs.values()]
                if lab != sample.lab_id]
        if asked >= self.cutoff or officer is None or not labs:
            return None
        lab = rng.choice(labs)
        failed = [r for r in rows if r["status"] in NON_COMPLIANT]
        received = asked + dt.timedelta(hours=rng.uniform(18, 30))
        due = received.date()
        for _ in range(deadlines.RETEST_REPORT_WORKING_DAYS):
            due += dt.timedelta(days=1)
            while due not in world.working:
                due += dt.timedelta(days=1)
        retest = Sample(
            uuid=uuid.UUID(int=rng.getrandbits(128), version=4),
            sample_no=self._serial(sample.district_id, sample.kind, sample.sampled_at),
            kind=sample.kind, plan=sample.plan, lab_id=lab, producer_id=sample.producer_id,
            plot_id=sample.plot_id, product=sample.product, variety=sample.variety,
            category=sample.category, quantity=sample.quantity, sampled_at=sample.sampled_at,
            pesticides_used=sample.pesticides_used, analytes=[r["analyte"] for r in failed],
            sampler_id=officer, refusal="复检（备份样品）", flags=[], location_check={},
            submitted_at=asked, results_due=due, standard=sample.standard, retest_of=sample,
            district_id=sample.district_id, town_id=sample.town_id,
            village_id=sample.village_id)
        retest.payload_hash = ""
        upheld = rng.random() < RETEST_UPHELD
        values = []
        for row in failed:
            value = row["value"]
            if upheld:
                value = _mg(float(value) * rng.uniform(0.9, 1.1))
                if row["mrl"] is not None and value <= row["mrl"]:
                    value = row["value"]
            elif row["mrl"] is not None:
                value = max(row["lod"], _mg(float(row["mrl"]) * rng.uniform(0.5, 0.95)))
            else:
                value = None
            values.append({"analyte": row["analyte"], "value": value, "unit": "mg/kg",
                           "lod": row["lod"], "method": row["method"]})
        retest.received_at = received if received < self.cutoff else None
        done = _at(received.date() + dt.timedelta(days=rng.randint(3, 6)), rng, 9, 17)
        if done.date() > due:
            done = _at(due, rng, 9, 17)
        return retest, values, {"draft": extra["draft"], "edition": extra["edition"],
                                "co_sampler": None, "done": done}

    # ---- saving

    def _save(self, made: list) -> None:
        if not made:
            return
        Sample.objects.bulk_create([s for s, _, _ in made], batch_size=BATCH)
        Through = Sample.co_samplers.through
        Through.objects.bulk_create([
            Through(sample_id=s.pk, user_id=extra["co_sampler"])
            for s, _, extra in made if extra.get("co_sampler")], batch_size=BATCH)
        results = []
        for sample, rows, _extra in made:
            lab_staff = self.world.lab_staff.get(sample.lab_id)
            entered_by = lab_staff if sample.kind != "rapid" else sample.sampler_id
            results += [(sample.pk, row["analyte"], row["value"], row["unit"], row["lod"],
                         row["method"], row["status"], row["mrl"], row["matched_food"],
                         row["standard"], row["basis"], entered_by, sample.completed_at,
                         True, "") for row in rows]
        _insert_results(results)
        self.counts["results"] += len(results)
        for sample, _, _ in made:
            self.counts["samples"] += 1
            self.counts["rapid_tests"] += sample.kind == "rapid"
            self.counts["non_compliant_samples"] += sample.verdict == "non_compliant"

    def _follow_ups(self, made: list) -> None:
        """不合格处置 for every non-compliant sample, as services.open_follow_up starts it,
        then its steps: the party told, the batch held, a re-test or a lab confirmation, a
        case proposed to enforcement, closure after some weeks (recent ones still open)."""
        follow_ups, notes = [], []
        for sample, rows, extra in made:
            if sample.verdict != "non_compliant":
                continue
            follow_up, steps = self._follow_up(sample, rows, extra)
            steps = sorted((s for s in steps if s[0] < self.cutoff), key=lambda s: s[0])
            if steps[-1][1] == "closed":
                follow_up.state, follow_up.closed_at = "closed", steps[-1][0]
            follow_ups.append(follow_up)
            notes.append(steps)
        FollowUp.objects.bulk_create(follow_ups, batch_size=BATCH)
        FollowUpNote.objects.bulk_create([
            FollowUpNote(follow_up_id=f.pk, kind=kind, text=text, author_id=author, at=at)
            for f, steps in zip(follow_ups, notes, strict=True)
            for at, kind, text, author in steps], batch_size=BATCH)
        self.counts["follow_ups"] += len(follow_ups)

    def _follow_up(self, sample, rows, extra) -> tuple[FollowUp, list]:
        world, rng = self.world, self.rng
        failed_rows = [r for r in rows if r["status"] in NON_COMPLIANT]
        failed = "、".join(f"{r['analyte']}（{STATUS_NAMES[r['status']]}）" for r in failed_rows)
        officers = world.district_officers.get(sample.district_id) or []
        told = [world.names[pk] for pk in (*officers, world.town_officers.get(sample.town_id),
                                           world.grid_workers.get(sample.village_id)) if pk]
        opened = sample.completed_at
        follow_up = FollowUp(
            sample=sample, producer_id=sample.producer_id, plot_id=sample.plot_id,
            traced_inputs=[dict(p, source="采样单") for p in sample.pesticides_used],
            notified=told, state="open", opened_at=opened, district_id=sample.district_id,
            town_id=sample.town_id, village_id=sample.village_id)
        district_officer = officers[0] if officers else None
        town_officer = world.town_officers.get(sample.town_id) or district_officer
        text = (f"【农安】{extra['draft'].grower.name}的样品{sample.sample_no}（{sample.product}）"
                f"检测不合格：{failed}。请及时核查处置。")
        steps = [(opened, "opened", f"{text} 已通知：{'、'.join(told) or '无'}", None)]
        if sample.retest_of_id:  # a re-test upholding the result: one case with the first
            if sample.notified_at:
                steps.append((sample.notified_at, "notified",
                              "已告知被抽样方复检结果；复检结论为最终结论", town_officer))
            steps.append((opened + dt.timedelta(days=rng.randint(2, 10)), "closed",
                          f"复检维持原检测结论，并入原样品{sample.retest_of.sample_no}的处置",
                          district_officer))
            return follow_up, steps
        if sample.notified_at:
            steps.append((sample.notified_at, "notified", "已告知被抽样方检测结果及复检权利，"
                          f"复检申请期限至{self._ask_by(sample):%Y-%m-%d %H:%M}", town_officer))
        steps.append((opened + dt.timedelta(hours=rng.uniform(20, 60)), "note",
                      f"已责令暂停销售同批次{sample.product}，"
                      f"{rng.choice(['监督召回并销毁', '就地封存待处理', '监督无害化处理'])}；"
                      "核查生产记录，追溯用药："
                      f"{'、'.join(p['pesticide'] for p in sample.pesticides_used) or '无记录'}",
                      town_officer))
        end = opened + dt.timedelta(days=rng.randint(14, 60))
        if sample.kind == "rapid":
            confirmation = extra.get("confirmation")
            if confirmation is None:
                return follow_up, steps
            steps.append((confirmation.sampled_at, "note",
                          f"已采集确证样品{confirmation.sample_no}送"
                          f"{world.lab_names[confirmation.lab_id]}定量检测", town_officer))
            if confirmation.completed_at:
                outcome = ("确证检测不合格，转入该样品的不合格处置"
                           if confirmation.verdict == "non_compliant"
                           else "确证检测合格，解除暂停销售")
                steps.append((confirmation.completed_at + dt.timedelta(hours=rng.uniform(2, 48)),
                              "closed", f"{outcome}（{confirmation.sample_no}）", town_officer))
            return follow_up, steps
        retest = extra.get("retest")
        if retest is not None:
            steps.append((retest.submitted_at, "retest", "被抽样方申请复检，复检机构："
                          f"{world.lab_names[retest.lab_id]}，复检样品编号{retest.sample_no}",
                          district_officer))
            if not retest.completed_at:
                return follow_up, steps
            upheld = retest.verdict == "non_compliant"
            steps.append((retest.completed_at + dt.timedelta(hours=2), "note",
                          f"复检结果：{'维持原检测结论' if upheld else '复检合格'}"
                          f"（{retest.sample_no}）", district_officer))
            end = max(end, retest.completed_at + dt.timedelta(days=3))
            if not upheld:
                steps.append((end, "closed", "复检合格，依法以复检结论为准，解除暂停销售",
                              district_officer))
                return follow_up, steps
        banned = any(r["status"] == "banned_detected" for r in failed_rows)
        if rng.random() < PROPOSED_SHARE["banned_detected" if banned else "over_limit"]:
            proposed = opened + dt.timedelta(days=rng.randint(3, 15))
            if proposed < self.cutoff:
                follow_up.state, follow_up.proposed_at = "proposed", proposed
                law = "第七十条" if banned else "第七十一条"
                steps.append((proposed, "proposed", f"移交执法：{failed_rows[0]['analyte']}"
                              f"{'检出禁用农药' if banned else '残留超标'}，涉嫌违反"
                              f"《农产品质量安全法》{law}", district_officer))
                end = max(end, proposed + dt.timedelta(days=rng.randint(20, 60)))
                steps.append((end, "closed", "执法大队已立案查处；同批次产品已处置，"
                              "生产主体完成整改，复查合格", district_officer))
                return follow_up, steps
        steps.append((end, "closed", "同批次产品已处置，生产主体完成整改并接受培训，复查合格",
                      district_officer))
        return follow_up, steps

    def _ask_by(self, sample) -> dt.datetime:
        """deadlines.retest_ask_by, on the calendar already loaded."""
        if sample.kind == "rapid":
            return (sample.notified_at + deadlines.RAPID_RETEST_ASK).astimezone(SHANGHAI)
        day = deadlines.local_date(sample.notified_at)
        for _ in range(deadlines.RETEST_ASK_WORKING_DAYS):
            day += dt.timedelta(days=1)
            while day not in self.world.working:
                day += dt.timedelta(days=1)
        return dt.datetime.combine(day, dt.time(23, 59), tzinfo=SHANGHAI)

    # ---- the end of the run

    def sequences(self) -> None:
        existing = dict(SampleSequence.objects.values_list("prefix", "last"))
        SampleSequence.objects.bulk_create([
            SampleSequence(prefix=p, last=n) for p, n in sorted(self.serials.items())
            if p not in existing])
        for prefix, last in self.serials.items():
            if prefix in existing and existing[prefix] != last:
                SampleSequence.objects.filter(prefix=prefix).update(last=last)

    def monthly_summaries(self) -> None:
        """每月检测汇总表 of every lab month with finished tests, drafted by the system and
        submitted by the 25th; in the last month due, one lab late and one missing."""
        world, rng, cutoff = self.world, self.rng, self.cutoff
        pending = set()
        for lab, done in Sample.objects.filter(completed_at__isnull=False).values_list(
                "lab_id", "completed_at").iterator():
            pending.add((lab, deadlines.summary_month(deadlines.local_date(done))))
        due_months = sorted(m for m in {m for _, m in pending}
                            if deadlines.summary_due(m) < deadlines.local_date(cutoff))
        due_months = due_months[-SUMMARY_MONTHS:]
        if not due_months:
            return
        latest = due_months[-1]
        latest_labs = sorted(lab for lab, m in pending if m == latest)
        missing = rng.choice(latest_labs) if len(latest_labs) > 1 else None
        late = rng.choice([lab for lab in latest_labs if lab != missing] or [None])
        for lab_id, month in sorted(pending):
            due = deadlines.summary_due(month)
            if month not in due_months or lab_id == missing and month == latest:
                continue
            staff = world.lab_staff.get(lab_id)
            lab = Organisation.objects.get(pk=lab_id)
            drafted = _at(due - dt.timedelta(days=rng.choice([0, 0, 1, 2])), rng, 9, 11)
            submitted = drafted + dt.timedelta(hours=rng.uniform(1, 6))
            if (month == latest and lab_id == late) or rng.random() < 0.03:
                submitted = _at(due + dt.timedelta(days=rng.randint(1, 6)), rng, 9, 17)
            if submitted >= cutoff:
                submitted = None
            content, rows = summaries.workbook(lab, month)
            summary = MonthlySummary(lab=lab, month=month, rows=rows, drafted_at=drafted,
                                     submitted_at=submitted,
                                     submitted_by_id=staff if submitted else None)
            summary.file.save(f"{lab.pk}-{month:%Y-%m}-汇总表.xlsx", ContentFile(content),
                              save=False)
            summary.save()
            self.counts["monthly_summaries"] += 1


def seed_monitoring(*, years: int, seed: int, today: dt.date, progress=None,
                    max_years: int | None = None) -> dict:
    """Write `min(years, max_years or 2)` years of monitoring history up to the day before
    `today`. `progress`, when given, is called with (steps done, steps in all)."""
    years = min(years, max_years or MAX_YEARS)
    empty = {"monitoring_plans": 0, "samples": 0, "rapid_tests": 0, "results": 0,
             "non_compliant_samples": 0, "follow_ups": 0, "monthly_summaries": 0}
    if years <= 0:
        return empty
    start = today.replace(year=today.year - years) if not (
        today.month == 2 and today.day == 29) else today - dt.timedelta(days=365 * years)
    if not Standard.objects.exists():  # as `nongan init` loads them
        from .standards import load_demo_standards

        load_demo_standards()
    world = World(today, start)
    if not world.growers or not world.city_labs or world.admin is None:
        return empty
    rng = random.Random(f"nongan-seed:{seed}:monitoring")
    cutoff = dt.datetime.combine(today, dt.time(0), tzinfo=SHANGHAI)
    history = History(world, rng, _calibration(), cutoff)
    quarters = list(_quarters(start, today))
    steps = len(quarters) + 1
    with _dates_as_given(MonitoringPlan, Sample, Result, FollowUp, FollowUpNote):
        for n, (first, last) in enumerate(quarters):
            q = (first.month - 1) // 3 + 1
            history.write(history.plans(first, last, q))
            if progress:
                progress(n + 1, steps)
        history.sequences()
        history.monthly_summaries()
    if progress:
        progress(steps, steps)
    return history.counts
