"""Reading the national traceability platform's exports (国家农产品质量安全追溯管理信息平台):
its producers (主体) and its commitment-compliance certificates (承诺达标合格证).

There is no published specification of the export: the columns below, with the headings
we accept for each, are our reading of the files the platform gives (docs/traceability.md).
Files are read by the register's bulk import (`nongan.producers.importing`: .xlsx or .csv,
the same heading rules, the same row report); here are the columns and the checks of
each row. Every row is checked before anything is written, and a row whose producer is
not in the register is not an error (services.py matches them).
"""

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from nongan.producers import rules
from nongan.producers.importing import (
    Column,
    FileError,
    Problems,
    Rows,
    _first_seen,
    _progress_every,
    map_columns,
    read,
)

from .models import BASES

IDENTITY = {
    "uscc": Column("uscc", "统一社会信用代码", ("社会信用代码", "信用代码", "统一代码"),
                   text=True),
    "id_number": Column("id_number", "身份证号", ("身份证号码", "证件号码"), text=True),
    "code": Column("code", "主体身份码", ("身份码", "主体编码", "主体码"), text=True),
}
PRODUCER_COLUMNS = [
    Column("name", "主体名称", ("企业名称", "名称"), required=True),
    IDENTITY["uscc"],
    IDENTITY["id_number"],
    Column("platform_kind", "主体类型", ("主体性质", "类型")),
    Column("industry", "所属行业", ("行业",)),
    Column("area", "所在地区", ("地区", "所属地区", "所在区域")),
    Column("address", "详细地址", ("地址", "经营地址")),
    Column("legal_rep", "法定代表人/负责人", ("法定代表人", "负责人", "法人代表")),
    Column("phone", "联系电话", ("电话", "手机号码", "联系方式"), text=True),
    Column("code", "主体身份码", IDENTITY["code"].aliases, required=True, text=True),
    Column("registered_on", "注册日期", ("注册时间", "入驻日期")),
]
CERTIFICATE_COLUMNS = [
    Column("cert_no", "合格证编号", ("合格证号", "编号"), required=True, text=True),
    Column("name", "主体名称", ("开具主体", "生产者名称", "企业名称"), required=True),
    IDENTITY["uscc"],
    IDENTITY["id_number"],
    IDENTITY["code"],
    Column("product", "产品名称", ("产品", "品名"), required=True),
    Column("quantity", "数量", ("重量", "数量（重量）"), required=True),
    Column("unit", "单位", ("计量单位",), required=True),
    Column("issued_on", "开具日期", ("开具时间", "开证日期"), required=True),
    Column("basis", "承诺依据", required=True),
    Column("origin", "产地", ("产地名称",)),
    Column("trace_code", "追溯码", ("产品追溯码", "追溯二维码")),
]
COLUMNS = {"producers": PRODUCER_COLUMNS, "certificates": CERTIFICATE_COLUMNS}
# The keys a row may be matched by, in the order they are tried.
MATCH_KEYS = {"producers": ("uscc", "id_number"), "certificates": ("uscc", "id_number", "code")}
BASIS_BY_NAME = {name: code for code, name in BASES} | {code: code for code, _ in BASES}
BASIS_ORDER = [code for code, _ in BASES]
SPLIT = re.compile(r"[、,，;；/\s]+")
CN_DATE = re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$")
MAX_QUANTITY = Decimal("100000000")
EARLIEST = dt.date(2016, 1, 1)  # the platform went online in 2016-2017


def columns_of(sheet, kind: str) -> Rows:
    """The file's columns, or FileError when a required one or every identity is missing."""
    rows = map_columns(sheet, kind, COLUMNS[kind])
    if not set(MATCH_KEYS[kind]) & rows.labels.keys():
        names = "、".join(IDENTITY[key].label for key in MATCH_KEYS[kind])
        raise FileError(f"缺少识别主体的列：{names}（至少一列）")
    return rows


def read_rows(filename: str, handle, kind: str) -> Rows:
    return columns_of(read(filename, handle, kind), kind)


# --- cleaners: each returns the clean value or raises rules.Invalid --------------------


def day(value, *, required: bool) -> dt.date | None:
    """A date as the platform writes it: 2026-03-01, 2026/3/1, 2026-03-01 10:22:33,
    2026年3月1日, 20260301, or a spreadsheet date."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if not isinstance(value, dt.date):
        text = rules.text(value)
        if not text:
            if required:
                raise rules.Invalid("不能为空")
            return None
        value = _parse_day(text.split(" ")[0].split("T")[0])
    if not EARLIEST <= value <= dt.date.today():
        raise rules.Invalid(f"日期应在{EARLIEST:%Y-%m-%d}至今天之间")
    return value


def _parse_day(text: str) -> dt.date:
    if match := CN_DATE.match(text):
        parts = match.groups()
    elif re.fullmatch(r"\d{8}", text):
        parts = (text[:4], text[4:6], text[6:])
    else:
        parts = re.split(r"[-/.]", text)
    try:
        year, month, date_ = (int(p) for p in parts)
        return dt.date(year, month, date_)
    except (TypeError, ValueError):
        raise rules.Invalid("日期格式应为 YYYY-MM-DD") from None


def quantity(value) -> Decimal:
    text = rules.text(value, required=True)
    try:
        number = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise rules.Invalid("应为数字") from None
    if not number.is_finite() or number <= 0:
        raise rules.Invalid("应大于0")
    if number >= MAX_QUANTITY:
        raise rules.Invalid("数量过大，请核对单位")
    if number != number.quantize(Decimal("0.001")):
        raise rules.Invalid("最多保留三位小数")
    return number.quantize(Decimal("0.001"))


def basis(value) -> str:
    """One or more of 委托检测、自我检测、内部质量控制、自我承诺 (as codes, comma-joined)."""
    names = [n for n in SPLIT.split(rules.text(value, required=True)) if n]
    unknown = [n for n in names if n not in BASIS_BY_NAME]
    if unknown or not names:
        raise rules.Invalid(f"“{'、'.join(unknown)}”不是承诺依据；应为：委托检测、自我检测、"
                            "内部质量控制、自我承诺（可填多项，用顿号分隔）")
    codes = {BASIS_BY_NAME[n] for n in names}
    return ",".join(code for code in BASIS_ORDER if code in codes)


# --- rows -----------------------------------------------------------------------------


@dataclass
class Row:
    row: int
    values: dict  # clean values; JSON-ready (dates and decimals as text) in `data`

    @property
    def data(self) -> dict:
        return {k: v.isoformat() if isinstance(v, dt.date) else str(v) if isinstance(
            v, Decimal) else v for k, v in self.values.items()}


CODES = {"uscc": rules.uscc, "id_number": rules.id_number,
         "code": lambda v: rules.text(v, max_length=64)}


def _identity(data: dict, problems: Problems, row: int, kind: str) -> dict:
    """The codes a row names its producer by; at least one of them is required."""
    values, bad = {}, False
    for key in MATCH_KEYS[kind]:
        try:
            values[key] = CODES[key](data.get(key)) or ""
        except rules.Invalid as exc:
            problems.add(row, key, str(exc))
            values[key], bad = "", True
    if not bad and not any(values.values()):
        names = "或".join(IDENTITY[key].label for key in MATCH_KEYS[kind])
        problems.add(row, MATCH_KEYS[kind][0], f"须填写{names}")
    return values


FIELDS = {
    "producers": {
        "name": lambda v: rules.text(v, required=True),
        "platform_kind": lambda v: rules.text(v, max_length=40),
        "industry": lambda v: rules.text(v, max_length=40),
        "area": lambda v: rules.text(v, max_length=100),
        "address": lambda v: rules.text(v),
        "legal_rep": lambda v: rules.text(v, max_length=50),
        "phone": lambda v: rules.text(v, max_length=20).removesuffix(".0"),
        "code": lambda v: rules.text(v, required=True, max_length=64),
        "registered_on": lambda v: day(v, required=False),
    },
    "certificates": {
        "cert_no": lambda v: rules.text(v, required=True, max_length=64),
        "name": lambda v: rules.text(v, required=True),
        "product": lambda v: rules.text(v, required=True, max_length=100),
        "quantity": quantity,
        "unit": lambda v: rules.text(v, required=True, max_length=10),
        "issued_on": lambda v: day(v, required=True),
        "basis": basis,
        "origin": lambda v: rules.text(v),
        "trace_code": lambda v: rules.text(v, max_length=100),
    },
}


def validate(rows: Rows, kind: str, *, progress=None) -> tuple[list[Row], list[dict]]:
    """Every row checked on its own and against the file (a certificate number, a
    主体身份码, a producer repeated); returns (clean rows, errors). Nothing is read from the
    register here: matching is the services' part."""
    problems = Problems(rows)
    clean, seen = [], {}
    unique = {"certificates": ("cert_no",), "producers": ("code", "uscc", "id_number")}[kind]
    for row, data in _progress_every(rows.items, progress):
        values = _identity(data, problems, row, kind)
        for key, cleaner in FIELDS[kind].items():
            try:
                values[key] = cleaner(data.get(key))
            except rules.Invalid as exc:
                problems.add(row, key, str(exc))
        for key in unique:
            if values.get(key) and (first := _first_seen(seen, (key, values[key]), row)):
                problems.add(row, key, f"与第{first}行的{_label(kind, key)}重复")
        clean.append(Row(row, values))
    return clean, problems.as_list()


def _label(kind: str, key: str):
    return next(c.label for c in COLUMNS[kind] if c.key == key)
