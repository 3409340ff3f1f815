"""Synthetic but realistic demo data on the real Shanghai divisions (`nongan seed`).

Everything is drawn from `random.Random` streams derived from the seed, so the same seed
gives the same producers, codes and plot outlines; dates (certificate validity, enforcement
cards) are placed around the day of the run. Positions are synthetic: each town gets a
deterministic point near its district's centre (`regions/data/district_centroids.csv`),
each village a point near its town, and each village's plots are packed row by row in a
block that is moved outward until it touches no other village's block, so no two
producers' plots overlap. Names, varieties and certificate numbers follow Shanghai usage;
no real person or company is meant.

Rows are written with `bulk_create` (the per-row services validate and audit one write at
a time, far too slow for tens of thousands of producers); the seed run itself is one
audited action.
"""

import csv
import datetime as dt
import math
import random
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone
from shapely.geometry import Polygon
from tqdm import tqdm

from nongan.core import audit
from nongan.core.geo import SHANGHAI_BOUNDS, SQ_M_PER_MU, area_mu
from nongan.core.validators import USCC_ALPHABET, id_check_char, uscc_check_char
from nongan.enforcement.demo import seed_enforcement
from nongan.exchange.demo import seed_exchange
from nongan.inspections.defaults import load_defaults
from nongan.inspections.demo import seed_inspections
from nongan.iot.demo import seed_iot
from nongan.joint.demo import seed_joint
from nongan.monitoring.demo import seed_monitoring
from nongan.people.models import ROLE_NAMES, Organisation, User
from nongan.producers import rules
from nongan.producers.models import Certification, Plot, Producer
from nongan.regions.models import Grid, GridMember, Region
from nongan.risk.demo import seed_risk
from nongan.traceability.demo import seed_traceability

CITY = "310000000000"
CENTROIDS = Path(__file__).parent / "regions" / "data" / "district_centroids.csv"
SERVER_ADDRESS = "http://127.0.0.1:8000/"
BATCH = 1000

# The nine agricultural districts: login prefix, share of the producers (roughly by
# farmland: 崇明, 浦东, 松江, 金山, 奉贤, 青浦 large), and how far (km, east-west and
# north-south) their towns spread around the district centre.
AGRI_DISTRICTS = {
    "310151000000": ("chongming", 22, (26, 6)),
    "310115000000": ("pudong", 20, (13, 17)),
    "310117000000": ("songjiang", 11, (12, 8)),
    "310116000000": ("jinshan", 11, (11, 6)),
    "310120000000": ("fengxian", 11, (14, 6)),
    "310118000000": ("qingpu", 11, (12, 9)),
    "310114000000": ("jiading", 6, (8, 8)),
    "310112000000": ("minhang", 4, (6, 8)),
    "310113000000": ("baoshan", 4, (6, 6)),
}
URBAN_SLUGS = {
    "310101000000": "huangpu", "310104000000": "xuhui", "310105000000": "changning",
    "310106000000": "jingan", "310107000000": "putuo", "310109000000": "hongkou",
    "310110000000": "yangpu",
}
# The fixed demo places (the same as nongan.testing.PLACES).
PUDONG_TOWN, PUDONG_VILLAGE = "310115103000", "310115103201"  # 川沙新镇 太平村
CHONGMING_TOWN, CHONGMING_VILLAGE = "310151101000", "310151101201"  # 城桥镇 城桥村
DEMO_LOGINS = ["admin", "pudong", "pudong-town", "pudong-grid", "pudong-law", "chongming",
               "chongming-town", "chongming-grid", "chongming-law", "lab", "producer",
               "chongming-producer"]

KIND_SHARES = {"enterprise": 10, "cooperative": 20, "family_farm": 25, "grower": 45}
# Declared area (mu): median and spread of a log-normal, and its bounds.
AREAS = {
    "grower": (8, 0.8, 2, 60),
    "family_farm": (100, 0.4, 30, 500),
    "cooperative": (200, 0.7, 40, 2500),
    "enterprise": (300, 0.8, 50, 4000),
}
# About Shanghai's cultivated land: past ~20,000 producers the farms (not the growers) get
# smaller, so a stress-test register still fits the city and its plots never overlap.
FARMLAND_MU = 2_500_000
PLOT_COUNTS = {"grower": ([1, 2], [7, 3]), "family_farm": ([1, 2, 3], [4, 4, 2]),
               "cooperative": ([1, 2, 3, 4], [2, 3, 3, 2]),
               "enterprise": ([1, 2, 3, 4], [1, 3, 3, 3])}
PRODUCT_COUNTS = {"grower": [1, 1, 2], "family_farm": [1, 2], "cooperative": [2, 3, 3, 4],
                  "enterprise": [2, 3, 4]}
CERTIFIED_SHARE = {"enterprise": 0.40, "cooperative": 0.25, "family_farm": 0.10,
                   "grower": 0.01}  # ≈ 12 % of all producers hold 二品一标

# Product: (group used in names, varieties grown in Shanghai).
PRODUCTS = {
    "青菜": ("蔬菜", ["上海青", "矮抗青", "华王", "新夏青"]),
    "鸡毛菜": ("蔬菜", ["五月慢", "新夏青"]),
    "番茄": ("蔬菜", ["金棚1号", "粉果番茄", "樱桃番茄"]),
    "黄瓜": ("蔬菜", ["津优1号", "水果黄瓜"]),
    "茄子": ("蔬菜", ["杭茄", "紫长茄"]),
    "辣椒": ("蔬菜", ["苏椒5号", "杭椒"]),
    "甘蓝": ("蔬菜", ["京丰1号", "争春"]),
    "西兰花": ("蔬菜", ["炎秀", "耐寒优秀"]),
    "芹菜": ("蔬菜", ["药芹", "西芹"]),
    "韭菜": ("蔬菜", ["平韭4号", "汉中冬韭"]),
    "豇豆": ("蔬菜", ["之豇28-2", "宁豇3号"]),
    "毛豆": ("蔬菜", ["青酥2号", "沪宁95-1"]),
    "芦笋": ("蔬菜", ["格兰德", "冠军"]),
    "茭白": ("蔬菜", ["浙茭2号", "龙茭2号"]),
    "大蒜": ("蔬菜", ["嘉定白蒜"]),
    "金瓜": ("蔬菜", ["崇明金瓜"]),
    "白扁豆": ("蔬菜", ["崇明白扁豆"]),
    "草莓": ("草莓", ["红颜", "章姬", "宁玉", "甜查理"]),
    "葡萄": ("葡萄", ["巨峰", "夏黑", "阳光玫瑰", "醉金香"]),
    "水蜜桃": ("果品", ["湖景蜜露", "新凤蜜露", "大团蜜露"]),
    "黄桃": ("果品", ["锦绣", "锦园"]),
    "蟠桃": ("果品", ["玉露蟠桃", "早露蟠桃"]),
    "梨": ("果品", ["翠冠", "清香", "早生新水"]),
    "柑橘": ("果品", ["宫川", "大分"]),
    "西瓜": ("瓜果", ["8424", "早佳", "早春红玉"]),
    "甜瓜": ("瓜果", ["东方蜜1号", "玉菇"]),
    "水稻": ("稻米", ["松香粳1018", "沪软1212", "南粳46", "花优14"]),
    "小麦": ("稻米", ["扬麦20"]),
    "中华绒螯蟹": ("水产", ["长江2号", "江海21"]),
    "青虾": ("水产", ["太湖2号"]),
}
# What each district grows (weights), after its local specialities.
DISTRICT_PRODUCTS = {
    "310151000000": {"水稻": 5, "柑橘": 3, "西兰花": 2, "青菜": 2, "芦笋": 2, "金瓜": 1,
                     "白扁豆": 1, "毛豆": 1, "西瓜": 1, "中华绒螯蟹": 1},
    "310115000000": {"青菜": 4, "水蜜桃": 3, "西瓜": 3, "番茄": 2, "水稻": 2, "黄瓜": 1,
                     "葡萄": 1, "草莓": 1, "甘蓝": 1, "鸡毛菜": 1},
    "310117000000": {"水稻": 8, "青菜": 2, "草莓": 1, "葡萄": 1, "梨": 1, "番茄": 1},
    "310116000000": {"水稻": 4, "葡萄": 3, "草莓": 2, "蟠桃": 2, "青菜": 2, "黄瓜": 1,
                     "番茄": 1},
    "310120000000": {"水稻": 4, "黄桃": 3, "梨": 2, "青菜": 2, "芦笋": 1, "番茄": 1,
                     "甜瓜": 1},
    "310118000000": {"水稻": 4, "茭白": 3, "青菜": 2, "韭菜": 1, "豇豆": 1, "葡萄": 1,
                     "青虾": 1},
    "310114000000": {"葡萄": 4, "水稻": 3, "青菜": 2, "草莓": 1, "大蒜": 1, "芹菜": 1},
    "310112000000": {"青菜": 4, "鸡毛菜": 2, "番茄": 1, "黄瓜": 1, "芹菜": 1, "草莓": 1,
                     "茄子": 1, "水稻": 1},
    "310113000000": {"青菜": 4, "甘蓝": 1, "番茄": 1, "黄瓜": 1, "葡萄": 1, "水稻": 2,
                     "韭菜": 1, "辣椒": 1},
}
# 农产品地理标志 used in each district: (mark, product). Numbers are synthetic.
GI_MARKS = {
    "310114000000": [("马陆葡萄", "葡萄"), ("嘉定白蒜", "大蒜")],
    "310115000000": [("南汇水蜜桃", "水蜜桃"), ("南汇8424西瓜", "西瓜")],
    "310117000000": [("松江大米", "水稻"), ("仓桥水晶梨", "梨")],
    "310118000000": [("练塘茭白", "茭白"), ("青浦薄稻米", "水稻")],
    "310120000000": [("奉贤黄桃", "黄桃"), ("庄行蜜梨", "梨")],
    "310151000000": [("崇明金瓜", "金瓜"), ("崇明白扁豆", "白扁豆"), ("崇明柑橘", "柑橘")],
    "310116000000": [("金山蟠桃", "蟠桃")],
}
GREEN_CLASS = {"蔬菜": "15", "草莓": "18", "葡萄": "18", "果品": "18", "瓜果": "18",
               "稻米": "03", "水产": "11"}
ORGANIC_CERTIFIERS = ["124", "227", "032", "155"]
NAME_WORDS = {  # cooperative and enterprise names by the producer's main product group
    "蔬菜": (["蔬菜", "果蔬", "蔬果"], ["蔬菜种植", "农业科技", "生态农业", "农业发展", "果蔬"]),
    "草莓": (["草莓", "果蔬"], ["果业", "农业科技", "生态农业", "果蔬种植"]),
    "葡萄": (["葡萄", "果品"], ["果业", "葡萄种植", "农业科技", "生态农业"]),
    "果品": (["果品", "水果", "果蔬"], ["果业", "果品", "农业发展", "生态农业"]),
    "瓜果": (["瓜果", "西甜瓜", "果蔬"], ["瓜果种植", "农业科技", "果蔬种植"]),
    "稻米": (["稻米", "粮食", "粮食种植"], ["米业", "粮食种植", "农业发展", "生态农业"]),
    "水产": (["水产", "水产养殖"], ["水产养殖", "水产科技", "生态农业"]),
}
PRODUCT_WORDS = {"水蜜桃": "水蜜桃", "黄桃": "黄桃", "蟠桃": "蟠桃", "梨": "蜜梨", "柑橘": "柑橘",
                 "中华绒螯蟹": "河蟹", "青虾": "青虾"}  # a cooperative may be named for its fruit
BRAND_FIRST = "绿丰金鑫申瀛浦沪东新嘉禾润福惠春田谷源盛康瑞宏兴裕晨"
BRAND_SECOND = "园丰源禾穗康农庄华润田泰鲜美茂宝林湾港"
ROADS = ["公路", "路", "大道"]
SURNAMES = ("张王陈李徐朱周沈陆顾吴黄杨施钱金蔡倪孙郁姚龚赵胡刘唐范潘宋曹陶秦俞瞿邱卫"
            "奚季袁郭汤丁马严杜毛蒋薛盛茅")
SURNAME_WEIGHTS = [max(1, 40 - i) for i in range(len(SURNAMES))]
MALE_NAMES = ["建国", "建华", "建明", "国平", "国强", "国华", "卫东", "卫国", "伟明", "永康",
              "永明", "志明", "志刚", "金根", "金龙", "根宝", "海林", "海明", "德明", "忠良",
              "雪根", "林根", "春华", "春明", "文龙", "文杰", "宏伟", "晓东", "俊杰", "明华",
              "秋生", "荣华", "福林", "军", "伟", "勇", "强", "斌", "杰", "峰", "辉", "磊",
              "刚", "平", "华", "健", "涛", "敏"]
FEMALE_NAMES = ["秀英", "美华", "美英", "丽华", "玉兰", "桂英", "雪芳", "红梅", "建英",
                "凤英", "惠芳", "菊芳", "金妹", "丽萍", "秀珍", "月英", "琴", "芳", "丽", "萍",
                "燕", "静", "红", "洁", "敏", "婷", "雯", "佳"]
MOBILE_PREFIXES = ["139", "138", "137", "136", "135", "150", "151", "152", "158", "159",
                   "187", "188", "133", "153", "180", "189", "130", "131", "132", "155",
                   "156", "185", "186", "177", "199"]
GRID_DUTY = "负责本村生产主体巡查、告知承诺、信息采集"
ASSISTANT_DUTY = "协助网格监管员开展巡查，收集报送生产主体信息和异常情况"
LABS = ["上海市农产品质量安全检测中心", "农业农村部农产品质量监督检验测试中心（上海）",
        "上海市农业科学院农产品质量标准与检测技术研究所"]

PLOT_GAP_M = 6  # ditch or path between two plots
VILLAGE_GAP_M = 80  # road between two villages' blocks
JITTER = 0.05  # corners move inward by up to 5 % of a side: quadrilaterals, not squares


class SeedRefused(Exception):
    """The register is not empty (or the divisions are missing); nothing was written."""


# --- the plan: pure functions of the seed ----------------------------------------------


@dataclass(slots=True)
class PlotSpec:
    declared: Decimal
    crop: str
    ring: list = field(default_factory=list)  # [[lon, lat], ...], filled by lay_out


@dataclass(slots=True)
class ProducerSpec:
    village: str
    kind: str
    name: str
    legal_rep: str
    uscc: str | None
    id_number: str
    phone: str
    address: str
    area_mu: Decimal
    products: list
    certifications: list
    plots: list


@dataclass(slots=True)
class Names:
    """Division names by code, and the villages producers may be placed in."""

    names: dict
    villages: dict  # district code -> [village codes ending in 村委会], sorted

    def stem(self, code: str) -> str:
        """太平村村委会 → 太平; 川沙新镇 → 川沙; 浦东新区 → 浦东."""
        name = re.sub(r"（.*?）", "", self.names[code]).removesuffix("村委会")
        for suffix in ("新区", "新镇", "区", "镇", "乡", "村"):
            if name.endswith(suffix) and len(name) - len(suffix) >= 2:
                return name[: -len(suffix)]
        return name

    def village_name(self, code: str) -> str:
        return re.sub(r"（.*?）", "", self.names[code]).removesuffix("村委会")


def district_of(code: str) -> str:
    return code[:6] + "000000"


def town_of(code: str) -> str:
    return code[:9] + "000"


def slug(district: str) -> str:
    entry = AGRI_DISTRICTS.get(district)
    return entry[0] if entry else URBAN_SLUGS.get(district, f"d{district[:6]}")


def person(rng: random.Random, born_from=1955, born_to=1990):
    """(name, male, birthday) of someone who could run a farm in Shanghai."""
    male = rng.random() < 0.72
    name = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0] + rng.choice(
        MALE_NAMES if male else FEMALE_NAMES)
    born = dt.date(rng.randint(born_from, born_to), 1, 1) + dt.timedelta(rng.randrange(365))
    return name, male, born


def id_number(rng: random.Random, area: str, male: bool, born: dt.date) -> str:
    """公民身份号码 (GB 11643): area, birthday, order (odd for men), check character."""
    order = rng.randrange(500) * 2 + (1 if male else 0)
    body = f"{area}{born:%Y%m%d}{order:03d}"
    return body + id_check_char(body)


def org_code(rng: random.Random) -> str:
    """A 9-character organisation code with its GB 11714 check character."""
    body = "MA1" + "".join(rng.choice(USCC_ALPHABET) for _ in range(5))
    value = sum(int(c, 36) * w for c, w in zip(body, (3, 7, 9, 10, 5, 8, 4, 2), strict=True))
    check = 11 - value % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc(rng: random.Random, kind_code: str, area: str) -> str:
    """统一社会信用代码 (GB 32100): 91 enterprise, 92 individual business, 93 cooperative."""
    body = f"{kind_code}{area}{org_code(rng)}"
    return body + uscc_check_char(body)


def phone(rng: random.Random, landline_share=0.0) -> str:
    if rng.random() < landline_share:
        return f"021-{rng.choice('3562')}{rng.randrange(10**7):07d}"
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def area_factor(count: int) -> float:
    """How much farms shrink so `count` producers' declared land stays near FARMLAND_MU."""
    mean = {k: m * math.exp(s * s / 2) for k, (m, s, _, _) in AREAS.items()}
    share = {k: v / sum(KIND_SHARES.values()) for k, v in KIND_SHARES.items()}
    growers = count * share["grower"] * mean["grower"]
    farms = count * sum(share[k] * mean[k] for k in AREAS if k != "grower")
    return min(1.0, max(0.02, (FARMLAND_MU - growers) / farms))


def _area(rng: random.Random, kind: str, factor: float = 1.0) -> Decimal:
    median, sigma, low, high = AREAS[kind]
    if kind != "grower":
        median, low, high = median * factor, max(2, low * factor), high * factor
    value = min(high, max(low, rng.lognormvariate(math.log(median), sigma)))
    step = Decimal("0.1") if kind == "grower" else Decimal("1")
    return Decimal(str(value)).quantize(step)


def _products(rng: random.Random, district: str, kind: str) -> list[dict]:
    weights = DISTRICT_PRODUCTS[district]
    main = rng.choices(list(weights), list(weights.values()))[0]
    group = PRODUCTS[main][0]
    wanted = rng.choice(PRODUCT_COUNTS[kind])
    names = [main]
    if group == "稻米":
        if rng.random() < 0.6:
            names.append("小麦")  # rice–wheat rotation
    else:
        same_kind = [p for p in weights if (PRODUCTS[p][0] == "水产") == (group == "水产")]
        others = [p for p in same_kind if p != main and p not in ("水稻", "小麦")]
        rng.shuffle(others)
        names += others[: wanted - 1]
    items = []
    for name in names:
        varieties = PRODUCTS[name][1]
        items.append({"name": name, "varieties": sorted(
            rng.sample(varieties, min(len(varieties), rng.choice([1, 1, 2]))))})
    return items


class _Namer:
    """Producer names, unique among organisations (growers are people and may repeat)."""

    def __init__(self, rng: random.Random, names: Names):
        self.rng, self.names, self.taken, self.codes = rng, names, set(), set()

    def uscc(self, kind_code: str, area: str) -> str:
        code = uscc(self.rng, kind_code, area)
        while code in self.codes:  # a register holds each code once
            code = uscc(self.rng, kind_code, area)
        self.codes.add(code)
        return code

    def _first_free(self, candidates) -> str | None:
        for name in candidates:
            if name not in self.taken:
                self.taken.add(name)
                return name
        return None

    def brand(self) -> str:
        return self.rng.choice(BRAND_FIRST) + self.rng.choice(BRAND_SECOND)

    def cooperative(self, village: str, group: str, main: str) -> str:
        words = [*NAME_WORDS[group][0], *([PRODUCT_WORDS[main]] if main in PRODUCT_WORDS else [])]
        word = self.rng.choice(words)
        v, t, d = (self.names.stem(village), self.names.stem(town_of(village)),
                   self.names.stem(district_of(village)))
        first = [f"上海{v}{word}专业合作社", f"上海{t}{v}{word}专业合作社",
                 f"上海{d}{v}{word}专业合作社"]
        if self.rng.random() < 0.2:
            first.insert(0, f"上海{t}{word}专业合作社")
        return self._first_free(first) or self._first_free(
            f"上海{self.brand()}{word}专业合作社" for _ in range(50)) or self._numbered(first[0])

    def enterprise(self, village: str, group: str) -> str:
        business = self.rng.choice(NAME_WORDS[group][1])
        brand = self.names.stem(village) if self.rng.random() < 0.3 else self.brand()
        first = [f"上海{brand}{business}有限公司",
                 f"上海{self.names.stem(town_of(village))}{brand}{business}有限公司"]
        return self._first_free(first) or self._first_free(
            f"上海{self.brand()}{business}有限公司" for _ in range(50)) or self._numbered(first[0])

    def family_farm(self, village: str, head: str, numbered=False) -> str | None:
        district = self.names.names[district_of(village)]
        town = self.names.names[town_of(village)]
        first = [f"{district}{head}家庭农场", f"{district}{town}{head}家庭农场"]
        return self._first_free(first) or (self._numbered(first[1]) if numbered else None)

    def _numbered(self, name: str) -> str:
        n = 2
        while f"{name}（{n}）" in self.taken:
            n += 1
        self.taken.add(f"{name}（{n}）")
        return f"{name}（{n}）"


class _CertNumbers:
    def __init__(self, rng: random.Random):
        self.rng, self.taken = rng, set()

    def __call__(self, kind: str, group: str, valid_from: dt.date, gi_index: int = 0) -> str:
        while True:
            if kind == "green":  # LB-类别-年月+省份(上海 09)+序号+级别
                no = (f"LB-{GREEN_CLASS[group]}-{valid_from:%y%m}09"
                      f"{self.rng.randrange(10000):04d}A")
            elif kind == "organic":  # 有机码: 认证机构 3 + 年 2 + 序号 12
                no = (f"{self.rng.choice(ORGANIC_CERTIFIERS)}{valid_from:%y}"
                      f"{self.rng.randrange(10**12):012d}")
            else:  # 地理标志登记证书号 and the user's authorisation serial
                no = f"AGI{1200 + gi_index:05d}-{self.rng.randrange(1, 10000):04d}"
            if no not in self.taken:
                self.taken.add(no)
                return no


def _certifications(rng, numbers: _CertNumbers, district: str, products: list,
                    today: dt.date) -> list[dict]:
    names = [p["name"] for p in products]
    group = PRODUCTS[names[0]][0]
    marks = [(i, mark) for i, (mark, product) in enumerate(GI_MARKS.get(district, []))
             if product in names]
    kinds = [rng.choices(["green", "organic", "gi"], [70, 15, 15])[0]]
    if rng.random() < 0.08:
        kinds.append("green" if kinds[0] != "green" else "organic")
    certs = []
    for kind in dict.fromkeys(kinds):
        if kind == "gi" and not marks:
            kind = "green"
            if any(c["kind"] == "green" for c in certs):
                continue
        years = {"green": 3, "organic": 1, "gi": 3}[kind]
        span = dt.timedelta(days=365 * years - 1)
        roll = rng.random()
        if roll < 0.08:  # lapsed and not renewed
            valid_to = today - dt.timedelta(days=rng.randint(1, 300))
            valid_from, status = valid_to - span, "expired"
        else:
            valid_from = today - dt.timedelta(days=rng.randint(0, 365 * years - 30))
            valid_to = valid_from + span
            status = "suspended" if roll < 0.12 else "revoked" if roll < 0.13 else "valid"
        if kind == "gi":
            index, mark = rng.choice(marks)
            cert_no, certified = numbers("gi", group, valid_from, index), mark
        else:
            cert_no = numbers(kind, group, valid_from)
            certified = "、".join(names[: rng.randint(1, len(names))])
        certs.append({"kind": kind, "cert_no": cert_no, "products": certified,
                      "valid_from": valid_from, "valid_to": valid_to, "status": status})
    return certs


def _plots(rng, kind: str, area: Decimal, products: list) -> list[PlotSpec]:
    counts, weights = PLOT_COUNTS[kind]
    count = rng.choices(counts, weights)[0]
    shares = [rng.uniform(0.6, 1.4) for _ in range(count)]
    total = sum(shares)
    declared = [(area * Decimal(s / total)).quantize(Decimal("0.01")) for s in shares]
    declared[-1] = area - sum(declared[:-1])  # the parts add up to the declared whole
    crops = [p["name"] for p in products if p["name"] != "小麦"] or [products[0]["name"]]
    return [PlotSpec(declared=d, crop=crops[i % len(crops)]) for i, d in enumerate(declared)]


def plan_producers(count: int, seed: int, names: Names, today: dt.date) -> list[ProducerSpec]:
    """`count` producers: the first in 太平村 (the `producer` login), the second in 城桥村,
    the rest spread over the agricultural districts' villages by farmland."""
    rng = random.Random(f"nongan-seed:{seed}:producers")
    namer, numbers = _Namer(rng, names), _CertNumbers(rng)
    districts = [d for d in AGRI_DISTRICTS if names.villages.get(d)]
    district_weights = [AGRI_DISTRICTS[d][1] for d in districts]
    village_weights = {d: [rng.gammavariate(2, 1) for _ in names.villages[d]] for d in districts}
    factor = area_factor(count)
    specs = []
    for n in range(count):
        if n == 0 and PUDONG_VILLAGE in names.names:
            village, kind = PUDONG_VILLAGE, "cooperative"
        elif n == 1 and CHONGMING_VILLAGE in names.names:
            village, kind = CHONGMING_VILLAGE, "family_farm"
        else:
            district = rng.choices(districts, district_weights)[0]
            village = rng.choices(names.villages[district], village_weights[district])[0]
            kind = rng.choices(list(KIND_SHARES), list(KIND_SHARES.values()))[0]
        specs.append(_producer(rng, namer, numbers, names, village, kind, today, factor,
                               certified=n == 0))
    return specs


def _producer(rng, namer: _Namer, numbers: _CertNumbers, names: Names, village: str,
              kind: str, today: dt.date, factor: float, certified=False) -> ProducerSpec:
    district = district_of(village)
    area_code = district[:6]
    products = _products(rng, district, kind)
    main = products[0]["name"]
    group = PRODUCTS[main][0]
    head, male, born = person(rng)
    head_id = id_number(rng, area_code, male, born)
    code, person_id, landline = None, "", 0.0
    if kind == "enterprise":
        name, code, landline = namer.enterprise(village, group), namer.uscc("91", area_code), 0.5
    elif kind == "cooperative":
        name, code = namer.cooperative(village, group, main), namer.uscc("93", area_code)
    elif kind == "family_farm":
        name, tries = namer.family_farm(village, head), 0
        while name is None:  # that farmer's name is taken in the district: another head
            head, male, born = person(rng)
            head_id = id_number(rng, area_code, male, born)
            tries += 1
            name = namer.family_farm(village, head, numbered=tries > 20)
        if rng.random() < 0.85:
            code = namer.uscc(rng.choice(["92", "92", "92", "91"]), area_code)
        if code is None or rng.random() < 0.3:
            person_id = head_id
    else:
        name, person_id = head, head_id
    area = _area(rng, kind, factor)
    team = rng.randint(1, 12)
    house = rng.randint(1, 388)
    if kind in ("enterprise", "cooperative") and rng.random() < 0.4:
        road = names.stem(town_of(village)) + rng.choice(ROADS)
        address = f"上海市{names.names[district]}{names.names[town_of(village)]}{road}{house}号"
    else:
        address = (f"上海市{names.names[district]}{names.names[town_of(village)]}"
                   f"{names.village_name(village)}{team}组{house}号")
    certs = []
    if certified or rng.random() < CERTIFIED_SHARE[kind]:
        certs = _certifications(rng, numbers, district, products, today)
    return ProducerSpec(
        village=village, kind=kind, name=name, legal_rep=head, uscc=code,
        id_number=person_id, phone=phone(rng, landline), address=address, area_mu=area,
        products=products, certifications=certs, plots=_plots(rng, kind, area, products))


# --- geometry: synthetic positions and non-overlapping plots -----------------------------


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(east-west, north-south) metres in one degree at `lat` on the WGS84 ellipsoid."""
    phi = math.radians(lat)
    ns = 111132.954 - 559.822 * math.cos(2 * phi) + 1.175 * math.cos(4 * phi)
    ew = math.pi / 180 * 6378137.0 * math.cos(phi) / math.sqrt(
        1 - 0.00669437999 * math.sin(phi) ** 2)
    return ew, ns


def district_centres() -> dict[str, tuple[float, float]]:
    with CENTROIDS.open(encoding="utf-8") as handle:
        return {r["code"]: (float(r["lon"]), float(r["lat"])) for r in csv.DictReader(handle)}


def _offset(lon, lat, east_m, north_m) -> tuple[float, float]:
    ew, ns = metres_per_degree(lat)
    return lon + east_m / ew, lat + north_m / ns


def town_position(code: str, centres) -> tuple[float, float]:
    """A fixed synthetic point for a town near its district's centre (not survey data)."""
    rng = random.Random(f"nongan-place:{code}")
    lon, lat = centres[district_of(code)]
    rx, ry = AGRI_DISTRICTS.get(district_of(code), ("", 0, (4, 4)))[2]
    angle, r = rng.uniform(0, 2 * math.pi), math.sqrt(rng.random())
    return _offset(lon, lat, r * rx * 1000 * math.cos(angle), r * ry * 1000 * math.sin(angle))


def village_position(code: str, centres) -> tuple[float, float]:
    """A fixed synthetic point for a village within ~2.5 km of its town's point."""
    rng = random.Random(f"nongan-place:{code}")
    lon, lat = town_position(town_of(code), centres)
    angle, r = rng.uniform(0, 2 * math.pi), 2500 * math.sqrt(rng.random())
    return _offset(lon, lat, r * math.cos(angle), r * math.sin(angle))


def _quad(rng: random.Random) -> list[tuple[float, float]]:
    """A slightly irregular convex quadrilateral filling most of the unit square."""
    j = [rng.uniform(0, JITTER) for _ in range(8)]
    return [(j[0], j[1]), (1 - j[2], j[3]), (1 - j[4], 1 - j[5]), (j[6], 1 - j[7])]


def _shoelace(points) -> float:
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1)
                   in zip(points, points[1:] + points[:1], strict=True))) / 2


def _pack_village(rng: random.Random, plots: list[PlotSpec]):
    """Plots of one village packed in rows (in metres from the block's south-west corner);
    returns (width, height, [(x, y, quad)...]) in the order of `plots`."""
    shapes = []
    for plot in plots:
        quad = _quad(rng)
        # Sized so the quadrilateral (not its box) has the declared area; fields are strips.
        scale = math.sqrt(float(plot.declared) * SQ_M_PER_MU / _shoelace(quad))
        ratio = rng.uniform(1.3, 3.5)
        w, h = scale * math.sqrt(ratio), scale / math.sqrt(ratio)
        if rng.random() < 0.5:
            w, h = h, w
        shapes.append((w, h, [(x * w, y * h) for x, y in quad]))
    total = sum(w * h for w, h, _ in shapes)
    row_width = max(max(w for w, _, _ in shapes), math.sqrt(total * 1.3))
    placed, x, y, row_h, width = [], 0.0, 0.0, 0.0, 0.0
    for w, h, quad in shapes:
        if x > 0 and x + w > row_width:
            x, y, row_h = 0.0, y + row_h + PLOT_GAP_M, 0.0
        placed.append((x, y, quad))
        x, row_h, width = x + w + PLOT_GAP_M, max(row_h, h), max(width, x + w)
    return width, y + row_h, placed


class _Occupied:
    """Blocks already placed (lon/lat boxes), hashed by cell for quick collision tests."""

    CELL = 0.02

    def __init__(self):
        self.cells: dict[tuple[int, int], list] = {}

    def _keys(self, box):
        c = self.CELL
        for i in range(math.floor(box[0] / c), math.floor(box[2] / c) + 1):
            for k in range(math.floor(box[1] / c), math.floor(box[3] / c) + 1):
                yield i, k

    def free(self, box) -> bool:
        for key in self._keys(box):
            for other in self.cells.get(key, ()):
                if (box[0] < other[2] and other[0] < box[2]
                        and box[1] < other[3] and other[1] < box[3]):
                    return False
        return True

    def add(self, box) -> None:
        for key in self._keys(box):
            self.cells.setdefault(key, []).append(box)


def _place_block(occupied: _Occupied, code: str, want, width_m, height_m):
    """The south-west corner for a block of width × height metres: at `want` if free,
    else the first free spot on a spiral around it, inside Shanghai's bounds."""
    west, south, east, north = SHANGHAI_BOUNDS
    pad = VILLAGE_GAP_M / 2
    step = max(250.0, 0.5 * max(width_m, height_m))
    start = random.Random(f"nongan-place:{code}:spiral").uniform(0, 2 * math.pi)
    for ring in range(400):
        count = 1 if ring == 0 else max(6, int(2 * math.pi * ring))
        for j in range(count):
            angle = start + 2 * math.pi * j / count
            cx, cy = _offset(*want, ring * step * math.cos(angle), ring * step * math.sin(angle))
            ew, ns = metres_per_degree(cy)
            half_w, half_h = (width_m / 2 + pad) / ew, (height_m / 2 + pad) / ns
            box = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
            if (box[0] < west + 0.01 or box[2] > east - 0.01 or box[1] < south + 0.01
                    or box[3] > north - 0.01 or not occupied.free(box)):
                continue
            occupied.add(box)
            return cx - width_m / 2 / ew, cy - height_m / 2 / ns, ew, ns
    raise SeedRefused(f"no room left for the plots of village {code}; seed fewer producers")


def village_blocks(specs: list[ProducerSpec], seed: int, parcel_mu: float | None = None):
    """Per used village in code order: (code, block centre, [(producer index, plot)...]) with
    every plot's outline (GeoJSON ring, lon/lat) filled in. Villages' blocks never overlap, so
    neither do different producers' plots. With `parcel_mu`, each plot is first split into
    parcels of about that many mu (a farm is many contracted household parcels); parcels are
    made one village at a time, so a million of them never sit in memory at once."""
    rng = random.Random(f"nongan-seed:{seed}:plots")
    centres = district_centres()
    by_village: dict[str, list[tuple[int, PlotSpec]]] = {}
    for n, spec in enumerate(specs):
        by_village.setdefault(spec.village, []).extend((n, plot) for plot in spec.plots)
    occupied = _Occupied()
    for code in sorted(by_village):
        plots = by_village[code]
        if parcel_mu:
            plots = _parcels(random.Random(f"nongan-seed:{seed}:parcels:{code}"), plots,
                             parcel_mu)
        width, height, placed = _pack_village(rng, [plot for _, plot in plots])
        lon0, lat0, ew, ns = _place_block(
            occupied, code, village_position(code, centres), width, height)
        for (_, plot), (x, y, quad) in zip(plots, placed, strict=True):
            ring = [[round(lon0 + (x + qx) / ew, 7), round(lat0 + (y + qy) / ns, 7)]
                    for qx, qy in quad]
            plot.ring = [*ring, ring[0]]
        yield code, (lon0 + width / 2 / ew, lat0 + height / 2 / ns), plots


def lay_out(specs: list[ProducerSpec], seed: int) -> dict[str, tuple[float, float]]:
    """Give every plot its outline; returns each used village's block centre."""
    return {code: middle for code, middle, _ in village_blocks(specs, seed)}


def parcel_count(declared: Decimal, parcel_mu: float) -> int:
    return max(1, round(float(declared) / parcel_mu))


def parcel_size(specs: list[ProducerSpec], target: int) -> float:
    """The parcel size (mu) that splits the planned plots into about `target` parcels."""
    declared = [plot.declared for spec in specs for plot in spec.plots]
    if target <= len(declared):
        return math.inf
    low, high = 0.01, float(max(declared))
    for _ in range(50):
        middle = (low + high) / 2
        if sum(parcel_count(d, middle) for d in declared) > target:
            low = middle
        else:
            high = middle
    return high


def _parcels(rng, plots: list[tuple[int, PlotSpec]], parcel_mu: float):
    parcels = []
    for owner, plot in plots:
        count = parcel_count(plot.declared, parcel_mu)
        shares = [rng.uniform(0.6, 1.4) for _ in range(count)]
        total = sum(shares)
        declared = [(plot.declared * Decimal(s / total)).quantize(Decimal("0.01"))
                    for s in shares]
        declared[-1] = plot.declared - sum(declared[:-1])
        parcels += [(owner, PlotSpec(declared=d, crop=plot.crop)) for d in declared]
    return parcels


# --- writing ---------------------------------------------------------------------------


def _names() -> Names:
    rows = Region.objects.filter(active=True).values_list("code", "name", "level")
    names, villages = {}, {}
    for code, name, level in rows:
        names[code] = name
        if level == "village" and name.endswith("村委会") and district_of(code) in AGRI_DISTRICTS:
            villages.setdefault(district_of(code), []).append(code)
    return Names(names=names, villages={d: sorted(v) for d, v in villages.items()})


def _bar(progress: bool, total: int, desc: str):
    return tqdm(total=total, desc=desc, unit="", file=sys.stderr, disable=not progress,
                dynamic_ncols=True, leave=True)


def _advance(bar, done: int, total: int) -> None:
    bar.total = total
    bar.update(done - bar.n)


def _organisations(names: Names) -> dict[str, Organisation]:
    wanted = [("上海市农业农村委员会", "agriculture", CITY)]
    wanted += [(name, "lab", CITY) for name in LABS]
    districts = sorted(c for c in names.names if c.endswith("000000") and c != CITY)
    for d in districts:
        office = "农业农村委员会" if d in AGRI_DISTRICTS else "农产品质量安全监管办公室"
        wanted += [(names.names[d] + office, "agriculture", d),
                   (names.names[d] + "农业综合行政执法大队", "enforcement", d)]
        if d in AGRI_DISTRICTS:
            wanted.append((names.names[d] + "农产品质量安全检测中心", "lab", d))
    for t in sorted(c for c in names.names if c.endswith("000") and not c.endswith("000000")):
        if district_of(t) in AGRI_DISTRICTS:
            wanted.append((names.names[district_of(t)] + names.names[t] + "农产品质量安全监管站",
                           "station", t))
    have = set(Organisation.objects.filter(name__in=[w[0] for w in wanted])
               .values_list("name", flat=True))
    Organisation.objects.bulk_create(
        [Organisation(name=n, kind=k, region_id=r) for n, k, r in wanted if n not in have],
        batch_size=BATCH)
    by_name = {o.name: o for o in Organisation.objects.filter(name__in=[w[0] for w in wanted])}
    # Looked up by name, and by "kind:region" (the first of a kind in a region).
    return by_name | {f"{k}:{r}": by_name[n] for n, k, r in reversed(wanted)}


def _account_plan(rng, names: Names, orgs, grids, today: dt.date) -> list[dict]:
    """Every account the demo needs, in a fixed order (usernames are the demo logins)."""
    def officer(username, role, region, org=None, **extra):
        name, _, _ = person(rng, 1965, 1998)
        return {"username": username, "role": role, "region_id": region, "org": org,
                "full_name": name, "phone": phone(rng)} | extra

    plan = [officer("admin", "city_admin", CITY, orgs.get(f"agriculture:{CITY}"))]
    for i, lab in enumerate(LABS, start=1):
        plan.append(officer("lab" if i == 1 else f"lab{i}", "lab_staff", CITY, orgs[lab]))
    serial = 0
    for d in sorted(c for c in names.names if c.endswith("000000") and c != CITY):
        s = slug(d)
        office, brigade = orgs.get(f"agriculture:{d}"), orgs.get(f"enforcement:{d}")
        plan += [officer(s, "district_officer", d, office),
                 officer(f"{s}-2", "district_officer", d, office)]
        cards = 5 if d in AGRI_DISTRICTS else 4  # the fifth card has lapsed
        for n in range(1, cards + 1):
            serial += 1
            valid_to = (today + dt.timedelta(days=rng.randint(200, 1400)) if n <= 4
                        else today - dt.timedelta(days=rng.randint(20, 200)))
            plan.append(officer(
                f"{s}-law" if n == 1 else f"{s}-law{n}", "enforcement_officer", d, brigade,
                enforcement_card_no=f"沪农执{d[:6]}{serial:05d}",
                enforcement_card_valid_to=valid_to))
        if d in AGRI_DISTRICTS:
            plan.append(officer(f"{s}-lab", "lab_staff", d, orgs.get(f"lab:{d}")))
    towns = sorted(c for c in names.names if c.endswith("000") and not c.endswith("000000")
                   and district_of(c) in AGRI_DISTRICTS)
    fixed = {PUDONG_TOWN: "pudong-town", CHONGMING_TOWN: "chongming-town",
             PUDONG_VILLAGE: "pudong-grid", CHONGMING_VILLAGE: "chongming-grid"}
    for t in towns:
        username = fixed.get(t) or f"{slug(district_of(t))}-town-{t[6:9]}"
        plan.append(officer(username, "town_officer", t, orgs.get(f"station:{t}")))
    for village in grids:
        plan.append(officer(fixed.get(village) or f"grid-{village}", "grid_worker", village,
                            orgs.get(f"station:{town_of(village)}")))
    return plan


@dataclass(frozen=True, slots=True)
class Scale:
    """A named size for `nongan seed --scale`: a whole city's register and its history."""

    producers: int
    years: int
    plots: int  # parcels in all: the city has mapped over a million, one code each
    general_visits: str  # how often producers with no schedule of their own are visited
    monitoring_years: int


SCALES = {"shanghai": Scale(producers=30_000, years=5, plots=1_000_000,
                            general_visits="quarter", monitoring_years=5)}


def seed(producers: int = 600, *, years: int = 3, random_seed: int = 1,
         today: dt.date | None = None, progress: bool = False,
         scale: Scale | None = None) -> dict:
    """Fill an empty register with `producers` synthetic producers, their plots and
    certificates, and the demo accounts and grid members. Returns the counts. A `scale`
    overrides `producers` and `years` and adds its parcels and visit and sampling density."""
    if scale:
        producers, years = scale.producers, scale.years
    if producers < 1:
        raise SeedRefused("--producers 应至少为 1")
    if not Region.objects.filter(level="village").exists():
        raise SeedRefused("尚未载入行政区划：请先运行 nongan init")
    existing = Producer.objects.count()
    if existing:
        raise SeedRefused(f"生产主体名录已有 {existing} 个主体：seed 只向空的名录写入演示数据，"
                          "未做任何修改。如需重新生成，请换一个空的 NONGAN_HOME（或数据库）。")
    today = today or timezone.localdate()
    names = _names()
    specs = plan_producers(producers, random_seed, names, today)
    parcel_mu = parcel_size(specs, scale.plots) if scale else None
    grids = dict(Grid.objects.filter(kind="village", active=True)
                 .values_list("village_id", "id").order_by("village_id"))
    with transaction.atomic():
        orgs = _organisations(names)
        pks, certs = _write_producers(specs, grids, progress)
        plots, middles = _write_plots(specs, pks, grids, progress, random_seed, parcel_mu)
        accounts, members, skipped = _write_accounts(
            random.Random(f"nongan-seed:{random_seed}:accounts"), names, orgs, grids,
            specs, pks, today, progress)
        _fill_centroids(names, middles)
        load_defaults()
        with _bar(progress, len(specs), "巡查记录") as bar:
            history = seed_inspections(years=years, seed=random_seed, today=today,
                                       progress=lambda done: bar.update(done - bar.n),
                                       general_visits=scale and scale.general_visits)
        with _bar(progress, 1, "抽样监测") as bar:
            monitoring = seed_monitoring(
                years=scale.monitoring_years if scale else years, seed=random_seed,
                today=today, progress=lambda done, total: _advance(bar, done, total),
                max_years=scale.monitoring_years if scale else None)
        enforcement = seed_enforcement(seed=random_seed, today=today) if years else {}
        risk = seed_risk(today=today) if years else {}
        iot = seed_iot(today=today) if years else {}
        traceability = seed_traceability(today=today, random_seed=random_seed)
        exchange = seed_exchange()
        joint = seed_joint(today=today) if years else {}
        counts = {
            "producers": len(specs), "plots": plots, "certifications": certs,
            "accounts": accounts, "accounts_kept": skipped, "grid_members": members,
            "organisations": len({o.pk for o in orgs.values()}),
            "by_kind": {k: sum(s.kind == k for s in specs) for k in KIND_SHARES},
            "scale_producers": sum(rules.is_scale(s.kind, s.area_mu) for s in specs),
            "villages_used": len(middles), "years": years, "random_seed": random_seed,
            **history, **monitoring, **enforcement, **risk, **iot, **traceability, **exchange, **joint,
        }
        audit.record("seed.run", actor=None, object_type="seed", object_id=str(random_seed),
                     after=counts)
    if connection.vendor == "postgresql":
        # Plans come from statistics, and counts read only the index once the visibility
        # map is set: a fresh bulk load has neither until autovacuum runs (it may be off, or
        # hours away). VACUUM cannot run inside a transaction (a test's), ANALYZE can.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE")
    return counts


def _write_producers(specs, grids, progress) -> tuple[list[int], int]:
    pks, certs = [], 0
    with _bar(progress, len(specs), "生产主体") as bar:
        for start in range(0, len(specs), BATCH):
            chunk = specs[start:start + BATCH]
            rows = [Producer(
                name=s.name, kind=s.kind, uscc=s.uscc, id_number=s.id_number,
                legal_rep=s.legal_rep, phone=s.phone, address=s.address, area_mu=s.area_mu,
                is_scale=rules.is_scale(s.kind, s.area_mu), products=s.products,
                grid_id=grids.get(s.village), village_id=s.village,
                town_id=town_of(s.village), district_id=district_of(s.village),
            ) for s in chunk]
            Producer.objects.bulk_create(rows, batch_size=BATCH)
            pks += [p.pk for p in rows]
            cert_rows = [Certification(producer_id=p.pk, **c)
                         for s, p in zip(chunk, rows, strict=True) for c in s.certifications]
            Certification.objects.bulk_create(cert_rows, batch_size=BATCH)
            certs += len(cert_rows)
            bar.update(len(chunk))
    return pks, certs


def _write_plots(specs, pks, grids, progress, random_seed, parcel_mu):
    """Each village's plots as soon as they are laid out; returns (plots, block centres)."""
    serials: dict[str, int] = {}
    total = sum(parcel_count(p.declared, parcel_mu) if parcel_mu else 1
                for s in specs for p in s.plots)
    rows, written, middles = [], 0, {}
    with _bar(progress, total, "地块") as bar:
        for village, middle, plots in village_blocks(specs, random_seed, parcel_mu):
            middles[village] = middle
            for owner, plot in plots:
                serials[village] = serials.get(village, 0) + 1
                lons, lats = [p[0] for p in plot.ring], [p[1] for p in plot.ring]
                rows.append(Plot(
                    plot_no=f"{village}-{serials[village]:04d}", producer_id=pks[owner],
                    grid_id=grids.get(village),
                    geometry={"type": "Polygon", "coordinates": [plot.ring]}, crop=plot.crop,
                    area_mu=area_mu(Polygon(plot.ring)), declared_area_mu=plot.declared,
                    min_lon=min(lons), min_lat=min(lats), max_lon=max(lons), max_lat=max(lats),
                    village_id=village, town_id=town_of(village),
                    district_id=district_of(village)))
                if len(rows) == BATCH:
                    Plot.objects.bulk_create(rows, batch_size=BATCH)
                    written += len(rows)
                    bar.update(len(rows))
                    rows = []
        Plot.objects.bulk_create(rows, batch_size=BATCH)
        written += len(rows)
        bar.update(len(rows))
    return written, middles


def _write_accounts(rng, names, orgs, grids, specs, pks, today, progress):
    """Accounts (one password hash for all), then a supervisor and an assistant per grid.
    An account whose username is already taken is kept as it is, password included."""
    plan = _account_plan(rng, names, orgs, grids, today)
    for username, index in (("producer", 0), ("chongming-producer", 1)):
        if index < len(specs):
            spec = specs[index]
            plan.append({"username": username, "role": "producer", "region_id": spec.village,
                         "org": None, "full_name": spec.legal_rep, "phone": spec.phone,
                         "producer_id": pks[index]})
    taken = {u.username: u for u in User.objects.filter(
        username__in=[p["username"] for p in plan])}
    password = make_password(settings.DEMO_PASSWORD)  # one hash for every demo account
    rows = [User(password=password, **p) for p in plan if p["username"] not in taken]
    with _bar(progress, len(rows), "账号") as bar:
        for start in range(0, len(rows), BATCH):
            User.objects.bulk_create(rows[start:start + BATCH], batch_size=BATCH)
            bar.update(len(rows[start:start + BATCH]))
    workers = {u.region_id: u for u in [*taken.values(), *rows] if u.role == "grid_worker"}
    staffed = set(GridMember.objects.filter(role="supervisor").values_list("grid_id", flat=True))
    since = today.replace(month=1, day=1)
    members = []
    for village, grid in grids.items():
        worker = workers.get(village)
        if grid in staffed or worker is None:
            continue
        helper, _, _ = person(rng)
        members += [
            GridMember(grid_id=grid, user=worker, name=worker.full_name, phone=worker.phone,
                       role="supervisor", duty=GRID_DUTY, since=since),
            GridMember(grid_id=grid, name=helper, phone=phone(rng), role="assistant",
                       duty=ASSISTANT_DUTY, since=since)]
    with _bar(progress, len(members), "网格人员") as bar:
        for start in range(0, len(members), BATCH):
            GridMember.objects.bulk_create(members[start:start + BATCH], batch_size=BATCH)
            bar.update(len(members[start:start + BATCH]))
    return len(rows), len(members), len(taken)


def _fill_centroids(names: Names, middles: dict) -> None:
    """Maps centre on a division's centroid: districts from the shipped table, towns and
    villages from the synthetic positions (where nothing better is known yet)."""
    centres = district_centres()
    empty = Region.objects.filter(centroid_lon__isnull=True).exclude(code=CITY)
    changed = []
    for region in empty.only("code", "level"):
        code = region.code
        if region.level == "district" and code in centres:
            point = centres[code]
        elif district_of(code) not in AGRI_DISTRICTS or district_of(code) not in centres:
            continue
        elif region.level == "town":
            point = town_position(code, centres)
        else:
            point = middles.get(code) or village_position(code, centres)
        changed.append((round(point[0], 6), round(point[1], 6), code))
    # One prepared statement for all rows (bulk_update's CASE WHEN costs seconds here).
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {quote(Region._meta.db_table)} SET {quote('centroid_lon')} = %s, "
            f"{quote('centroid_lat')} = %s WHERE {quote('code')} = %s", changed)


# --- the logins ------------------------------------------------------------------------


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _width(text))


def print_logins(stdout, address: str = SERVER_ADDRESS) -> None:
    """The server address and the demo logins, as a table (nongan demo, nongan seed)."""
    users = {u.username: u for u in User.objects.filter(username__in=DEMO_LOGINS)}
    stdout.write(f"农安 nongan：{address}\n")
    if not users:
        stdout.write("尚无演示账号：运行 nongan seed 生成演示数据和账号。\n")
        return
    regions = dict(Region.objects.filter(
        code__in={c for u in users.values() for c in (u.region_id, town_of(u.region_id),
                                                      district_of(u.region_id))})
        .values_list("code", "name"))

    def where(code):
        if code == CITY:
            return regions.get(CITY, "上海市")
        chain = dict.fromkeys([district_of(code), town_of(code), code])
        return "".join(regions.get(c, "") for c in chain)

    rows = [("用户名", "角色", "辖区", "密码")] + [
        (u.username, f"{ROLE_NAMES[u.role]}（{u.role}）", where(u.region_id),
         settings.DEMO_PASSWORD) for u in (users[n] for n in DEMO_LOGINS if n in users)]
    widths = [max(_width(r[i]) for r in rows) + 2 for i in range(4)]
    for row in rows:
        stdout.write("  " + "".join(_pad(c, w) for c, w in zip(row, widths, strict=True))
                     .rstrip() + "\n")
    stdout.write("  其余账号密码相同：每区 <区拼音>（如 songjiang）、<区拼音>-2、执法 <区拼音>-law2…4、"
                 "区检测中心 <区拼音>-lab；各镇 <区拼音>-town-<镇代码第7–9位>；"
                 "各村网格员 grid-<12位村代码>；检测机构 lab2、lab3。\n")
