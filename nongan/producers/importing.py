"""Reading register files for bulk import (摸底、登记、造册): spreadsheets, CSV and GeoJSON,
the column headings people write, every row checked against the whole file, the error
report and the templates people fill in.

Nothing here writes: `import_services` does, after every row has passed. Validation costs a
fixed handful of queries whatever the file's size: villages, producers, codes already
registered are fetched for the whole file at once.
"""

import csv
import io
import json
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath

from django.db import connection
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.datavalidation import DataValidation
from python_calamine import CalamineError, CalamineWorkbook
from shapely import wkt
from shapely.errors import ShapelyError

from nongan.core.errors import FieldErrors
from nongan.core.geo import parse_polygon
from nongan.core.scoping import visible
from nongan.regions.models import Region

from . import rules, services
from .models import CERT_KINDS, KINDS, Certification, Plot, Producer

MAX_ROWS = 50_000  # about six times Shanghai's whole register; bigger files are split
PROGRESS_EVERY = 200
SPREADSHEETS = (".xlsx", ".csv")
GEOJSON = (".geojson", ".json")


@dataclass(frozen=True)
class Column:
    key: str  # the field name given to the services' cleaners; "cert." for certificates
    label: str  # the template's Chinese heading
    aliases: tuple = ()
    required: bool = False
    note: str = ""
    example: str = ""
    text: bool = False  # a code: the template formats the column as text so Excel keeps it

    def names(self) -> set[str]:
        english = self.key.replace("cert.", "cert_")
        return {heading(n) for n in (self.label, self.key, english, *self.aliases)}


PRODUCER_COLUMNS = [
    Column("name", "名称", required=True, note="生产主体全称", example="川沙绿叶蔬菜专业合作社"),
    Column("kind", "主体类型", ("类型",), required=True,
           note="、".join(name for _, name in KINDS), example="农民专业合作社"),
    Column("uscc", "统一社会信用代码", ("信用代码",), note="18位；企业、合作社必填",
           example="93310115MA1G000019", text=True),
    Column("id_number", "身份证号码", ("身份证号",), note="18位；种养殖户必填", text=True),
    Column("legal_rep", "法定代表人/负责人", ("法定代表人", "负责人"), required=True,
           example="张三"),
    Column("phone", "联系电话", ("电话",), note="手机11位或带区号的固定电话",
           example="13800000000", text=True),
    Column("address", "地址", example="川沙新镇某村1号"),
    Column("village", "村代码", ("村（居）代码", "村居代码", "村"), required=True,
           note="村（居）的12位统计用区划代码", example="310115103201", text=True),
    Column("area_mu", "面积（亩）", ("面积", "种植/养殖面积（亩）"), note="数字，单位亩",
           example="35.5"),
    Column("products", "产品与品种", ("产品",), note="产品:品种,品种;产品 —— 分号分隔产品",
           example="青菜:上海青;番茄:粉果,红果"),
    Column("cert.kind", "认证类型", note="选填：绿色食品、有机农产品、农产品地理标志"),
    Column("cert.cert_no", "证书编号", ("cert_number",), note="填写认证类型时必填", text=True),
    Column("cert.products", "认证产品", note="填写认证类型时必填"),
    Column("cert.valid_from", "有效期起", note="YYYY-MM-DD"),
    Column("cert.valid_to", "有效期至", note="YYYY-MM-DD"),
]
PLOT_COLUMNS = [
    Column("producer_uscc", "主体统一社会信用代码", ("统一社会信用代码", "uscc"),
           note="与主体ID二选一", example="93310115MA1G000019", text=True),
    Column("producer_id", "主体ID", ("producer",), note="与主体统一社会信用代码二选一",
           text=True),
    Column("plot_no", "地块编号", note="选填；不填时按“村代码-序号”自动编号", text=True),
    Column("village", "村代码", ("村（居）代码", "村居代码"),
           note="选填；不填时为主体所在村", text=True),
    Column("crop", "作物", example="水稻"),
    Column("declared_area_mu", "申报面积（亩）", ("申报面积",), note="选填，数字", example="12"),
    Column("geometry", "地块范围", ("wkt", "geojson", "边界"), required=True,
           note="WKT（POLYGON/MULTIPOLYGON，经度在前）或 GeoJSON 文本，WGS84",
           example="POLYGON ((121.70 31.19, 121.701 31.19, 121.701 31.191, 121.70 31.191, "
                   "121.70 31.19))"),
]
COLUMNS = {"producers": PRODUCER_COLUMNS, "plots": PLOT_COLUMNS}
TEMPLATE_NAMES = {"producers": "生产主体导入模板.xlsx", "plots": "地块导入模板.xlsx"}


def heading(text) -> str:
    """Headings match whatever the width of the brackets, spaces, case or a required-mark."""
    text = unicodedata.normalize("NFKC", str(text or "")).replace("\ufeff", "")
    return "".join(text.split()).replace("*", "").lower()


def content_error(suffix: str, uploaded) -> str:
    """Why an uploaded file's content is not what its name says ("" when it is). The name
    picks the reader, so the content is checked before the file is stored: a workbook is a
    zip archive (PK\\x03\\x04), a CSV or GeoJSON file is text."""
    head = uploaded.read(4096)
    uploaded.seek(0)
    if suffix == ".xlsx":
        return "" if head.startswith(b"PK\x03\x04") else "文件内容不是 Excel 工作簿（.xlsx）"
    if b"\x00" in head:
        return f"文件内容不是文本，不能作为 {suffix} 文件读取"
    if suffix in GEOJSON and not head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{"):
        return "文件内容不是 GeoJSON"
    return ""


class FileError(Exception):
    """The file as a whole cannot be read: its format, its headings, its size."""

    def as_error(self) -> dict:
        return {"row": None, "column": "", "message": str(self)}


@dataclass
class Record:
    row: int  # as the user sees it: the spreadsheet row, or the feature's number
    cells: dict  # heading as written -> value


@dataclass
class Sheet:
    headings: list[str]
    records: list[Record] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------


def cell(value):
    """A spreadsheet value as the cleaners expect it: text, or a date kept as a date."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):  # Excel stores 310115103201 and 13800000000 as floats
        return str(int(value)) if value.is_integer() else format(value, ".15g")
    if isinstance(value, datetime | date):
        return value
    return str(value).strip()


def read(name: str, fileobj, kind: str) -> Sheet:
    suffix = PurePath(name or "").suffix.lower()
    data = fileobj.read()
    if suffix == ".xlsx":
        sheet = _read_xlsx(data)
    elif suffix == ".csv":
        sheet = _read_csv(data)
    elif suffix in GEOJSON and kind == "plots":
        sheet = _read_geojson(data)
    else:
        raise FileError("文件格式应为 .xlsx 或 .csv" + ("，地块还可为 .geojson" if kind == "plots"
                                                    else ""))
    if not sheet.records:
        raise FileError("文件中没有数据行")
    if len(sheet.records) > MAX_ROWS:
        raise FileError(f"单个文件最多{MAX_ROWS}行，请拆分后分别导入")
    return sheet


def _table(rows) -> Sheet:
    """The first non-empty row holds the headings; blank rows are skipped, row numbers kept."""
    numbered = enumerate(rows, start=1)
    for _, values in numbered:
        headings = [str(cell(v)) for v in values]
        if any(headings):
            break
    else:
        raise FileError("文件是空的")
    sheet = Sheet(headings)
    for number, values in numbered:
        values = [cell(v) for v in values]
        if any(v != "" for v in values):
            sheet.records.append(Record(number, dict(zip(headings, values, strict=False))))
    return sheet


def _read_xlsx(data: bytes) -> Sheet:
    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        rows = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
    except (CalamineError, ValueError, IndexError, OSError) as exc:
        raise FileError(f"无法读取 Excel 文件（应为 .xlsx）：{exc}") from None
    return _table(rows)


def _read_csv(data: bytes) -> Sheet:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise FileError("CSV 文件的编码应为 UTF-8 或 GB18030")
    try:
        return _table(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise FileError(f"CSV 文件格式有误：{exc}") from None


def _read_geojson(data: bytes) -> Sheet:
    try:
        collection = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        raise FileError("GeoJSON 文件无法解析（应为 UTF-8 编码的 FeatureCollection）") from None
    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection" \
            or not isinstance(collection.get("features"), list):
        raise FileError("GeoJSON 文件应为 FeatureCollection")
    # Features are independent records: each may name its properties its own way, so
    # they are put under the template's headings feature by feature.
    by_name = {name: c.label for c in PLOT_COLUMNS for name in c.names()}
    geometry = PLOT_COLUMNS[-1].label
    sheet = Sheet([])
    for number, feature in enumerate(collection["features"], start=1):
        feature = feature if isinstance(feature, dict) else {}
        cells = {}
        for name, value in (feature.get("properties") or {}).items():
            label = by_name.get(heading(name), str(name))
            if cells.get(label) in (None, ""):
                cells[label] = cell(value)
        if feature.get("geometry") is not None:
            cells[geometry] = feature["geometry"]
        sheet.headings += [k for k in cells if k not in sheet.headings]
        sheet.records.append(Record(number, cells))
    return sheet


# --- headings and rows -----------------------------------------------------------------


@dataclass
class Rows:
    """The file's records as field values, and the heading each field came from."""

    columns: list[Column]
    labels: dict  # key -> heading as written in the file (or the template's label)
    items: list[tuple[int, dict]]  # (row, key -> value)

    def column(self, key: str) -> str:
        return self.labels.get(key) or next(c.label for c in self.columns if c.key == key)


def map_columns(sheet: Sheet, kind: str, columns: list[Column] | None = None) -> Rows:
    """The sheet's headings matched to `columns` (by default the register's of `kind`)."""
    columns = columns or COLUMNS[kind]
    by_name = {name: c for c in columns for name in c.names()}
    found = {}
    for written in sheet.headings:
        column = by_name.get(heading(written))
        if column is None or not written:
            continue
        if column.key in found:
            raise FileError(f"“{written}”与“{found[column.key]}”是同一列，请删去一列")
        found[column.key] = written
    missing = [c.label for c in columns if c.required and c.key not in found]
    if kind == "plots" and not {"producer_uscc", "producer_id"} & found.keys():
        missing.insert(0, "主体统一社会信用代码（或主体ID）")
    if missing:
        raise FileError("缺少必填列：" + "、".join(missing) + "（请使用导入模板）")
    items = [(r.row, {key: r.cells.get(written, "") for key, written in found.items()})
             for r in sheet.records]
    return Rows(columns, found, items)


def _chunks(values):
    values = sorted(v for v in values if v)
    size = min(connection.features.max_query_params or 5000, 5000) - 10
    for start in range(0, len(values), size):
        yield values[start:start + size]


def prefetch_villages(codes) -> dict:
    """code -> Region, with its town and district, for every code the file names."""
    found = {}
    for chunk in _chunks({rules.text(c) for c in codes}):
        found.update((r.code, r) for r in Region.objects.filter(code__in=chunk)
                     .select_related("town", "district"))
    return found


class Problems:
    """Errors by row and column, kept in the order of the file and its columns."""

    def __init__(self, rows: Rows):
        self.rows, self.found = rows, {}
        self.order = {c.key: i for i, c in enumerate(rows.columns)}

    def add(self, row: int, key: str, message: str) -> None:
        self.found.setdefault((row, self.order.get(key, len(self.order)), key), message)

    def as_list(self) -> list[dict]:
        return [{"row": row, "column": self.rows.column(key) if key in self.order else "",
                 "message": msg} for (row, _, key), msg in sorted(self.found.items())]


def _progress_every(items, progress):
    for i, item in enumerate(items, start=1):
        yield item
        if progress and i % PROGRESS_EVERY == 0:
            progress(i)
    if progress:
        progress(len(items))


def _first_seen(seen: dict, key, row: int) -> int | None:
    """The row where `key` first appeared in the file, when `row` repeats it."""
    first = seen.setdefault(key, row)
    return first if first != row else None


# --- producers -------------------------------------------------------------------------


@dataclass
class ProducerRow:
    row: int
    values: dict  # as services.clean_producer returns them
    certification: dict | None


def validate_producers(rows: Rows, *, user, progress=None):
    """Every row checked; returns (clean rows, errors). Nothing is written."""
    problems = Problems(rows)
    villages = prefetch_villages(data.get("village") for _, data in rows.items)
    clean, usccs, certs = [], {}, {}
    for row, data in _progress_every(rows.items, progress):
        values, errors = services.clean_producer(data, villages=villages, user=user)
        for key, message in errors.items():
            problems.add(row, key, message)
        cert = None
        cert_data = {k[5:]: v for k, v in data.items() if k.startswith("cert.")}
        if any(v not in ("", None) for v in cert_data.values()):
            cert, errors = services.clean_certification(cert_data)
            for key, message in errors.items():
                problems.add(row, "cert." + key, message)
            if not errors and (first := _first_seen(certs, (cert["kind"], cert["cert_no"]),
                                                     row)):
                problems.add(row, "cert.cert_no", f"与第{first}行的证书编号重复")
        if values.get("uscc") and (first := _first_seen(usccs, values["uscc"], row)):
            problems.add(row, "uscc", f"与第{first}行的统一社会信用代码重复")
        clean.append(ProducerRow(row, values, cert))
    for chunk in _chunks(usccs):
        for code in services.usccs_taken(chunk):
            problems.add(usccs[code], "uscc", "该统一社会信用代码已登记")
    numbers = {number for _, number in certs}
    for chunk in _chunks(numbers):
        for pair in Certification.objects.filter(cert_no__in=chunk).values_list(
                "kind", "cert_no"):
            if pair in certs:
                problems.add(certs[pair], "cert.cert_no", "该证书编号已登记")
    return clean, problems.as_list()


# --- plots -----------------------------------------------------------------------------


@dataclass
class PlotRow:
    row: int
    producer: Producer
    values: dict  # as services.clean_plot returns them


def geometry_from(value):
    """GeoJSON (a mapping or its text) or WKT as a GeoJSON mapping; FieldErrors if neither."""
    if isinstance(value, dict):
        return value
    text = str(value or "").strip()
    if not text:
        raise FieldErrors({"geometry": "不能为空"})
    if text.startswith("{"):
        try:
            return json.loads(text)
        except ValueError:
            raise FieldErrors({"geometry": "地块范围的 GeoJSON 文本无法解析"}) from None
    if not text.upper().startswith(("POLYGON", "MULTIPOLYGON")):
        raise FieldErrors({"geometry": "地块范围应为 WKT（POLYGON 或 MULTIPOLYGON）或 GeoJSON"})
    try:
        return json.loads(json.dumps(wkt.loads(text).__geo_interface__))
    except (ShapelyError, ValueError, TypeError) as exc:
        raise FieldErrors({"geometry": f"地块范围的 WKT 无法解析：{exc}"}) from None


def _producers_for(rows: Rows, user) -> tuple[dict, dict]:
    """The producers the file names that `user` may see, by USCC and by id."""
    usccs = {rules.text(d.get("producer_uscc")).upper() for _, d in rows.items}
    ids = {int(i) for _, d in rows.items if (i := rules.text(d.get("producer_id"))).isdigit()}
    mine = visible(Producer, user).filter(active=True).select_related("grid")
    by_uscc, by_id = {}, {}
    for chunk in _chunks(usccs):
        by_uscc.update((p.uscc, p) for p in mine.filter(uscc__in=chunk))
    for chunk in _chunks(ids):
        by_id.update((p.pk, p) for p in mine.filter(pk__in=chunk))
    return by_uscc, by_id


def _producer_of(data, by_uscc, by_id) -> tuple[Producer | None, str, str]:
    code = rules.text(data.get("producer_uscc")).upper()
    ident = rules.text(data.get("producer_id"))
    if not code and not ident:
        return None, "producer_uscc", "须填写主体统一社会信用代码或主体ID"
    producer = by_uscc.get(code) if code else None
    if code and producer is None:
        return None, "producer_uscc", "未找到该统一社会信用代码的主体（或不在您的辖区内）"
    if ident:
        other = by_id.get(int(ident)) if ident.isdigit() else None
        if other is None:
            return None, "producer_id", "未找到该主体ID（或不在您的辖区内）"
        if producer is not None and producer.pk != other.pk:
            return None, "producer_id", "主体ID与主体统一社会信用代码不是同一主体"
        producer = other
    return producer, "", ""


def validate_plots(rows: Rows, *, user, progress=None):
    """Every row checked; returns (clean rows, errors). Nothing is written."""
    problems = Problems(rows)
    by_uscc, by_id = _producers_for(rows, user)
    villages = prefetch_villages(
        [d.get("village") for _, d in rows.items]
        + [p.village_id for p in (*by_uscc.values(), *by_id.values())])
    clean, numbers = [], {}
    for row, data in _progress_every(rows.items, progress):
        data = dict(data)
        plot_no = rules.text(data.get("plot_no"), max_length=1000)
        if len(plot_no) > 20:
            problems.add(row, "plot_no", "不能超过20个字")
            data["plot_no"] = ""
        elif plot_no and (first := _first_seen(numbers, plot_no, row)):
            problems.add(row, "plot_no", f"与第{first}行的地块编号重复")
        try:
            data["geometry"] = geometry_from(data.get("geometry"))
            shape_error = None
        except FieldErrors as exc:  # said in its own words, before clean_plot's general one
            shape_error, data["geometry"] = exc.by_field()["geometry"], None
            problems.add(row, "geometry", shape_error)
        producer, key, message = _producer_of(data, by_uscc, by_id)
        if producer is None:
            problems.add(row, key, message)
            values = {}
            if shape_error is None:  # still say what else is wrong with the row
                try:
                    parse_polygon(data["geometry"])
                except FieldErrors as exc:
                    problems.add(row, "geometry", exc.by_field()["geometry"])
        else:
            values, errors = services.clean_plot(data, producer=producer, user=user,
                                                 villages=villages)
            for key, message in errors.items():
                problems.add(row, key, message)
        clean.append(PlotRow(row, producer, values))
    for chunk in _chunks(numbers):
        for number in Plot.objects.filter(plot_no__in=chunk).values_list("plot_no", flat=True):
            problems.add(numbers[number], "plot_no", "地块编号已存在")
    return clean, problems.as_list()


VALIDATORS = {"producers": validate_producers, "plots": validate_plots}


# --- workbooks -------------------------------------------------------------------------


def _save(book: Workbook) -> bytes:
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def error_report(errors: list[dict]) -> bytes:
    """行号、列、错误原因, one line per problem, in the order of the file."""
    book = Workbook()
    sheet = book.active
    sheet.title = "错误报告"
    sheet.append(["行号", "列", "错误原因"])
    for cell_ in sheet[1]:
        cell_.font = Font(bold=True)
    for error in errors:
        sheet.append([error.get("row"), error.get("column") or "", error.get("message")])
    for letter, width in (("A", 8), ("B", 22), ("C", 70)):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    return _save(book)


def template_workbook(kind: str) -> bytes:
    """The sheet people fill in (headings only) and a second sheet explaining each column."""
    columns = COLUMNS[kind]
    book = Workbook()
    sheet = book.active
    sheet.title = "生产主体" if kind == "producers" else "地块"
    sheet.append([c.label for c in columns])
    for column, cell_ in zip(columns, sheet[1], strict=True):
        cell_.font = Font(bold=True, color="C00000" if column.required else None)
        letter = cell_.column_letter
        sheet.column_dimensions[letter].width = max(12, 2 * len(column.label) + 4)
        if column.text:
            sheet.column_dimensions[letter].number_format = "@"
        choices = {"kind": KINDS, "cert.kind": CERT_KINDS}.get(column.key)
        if choices:
            check = DataValidation(type="list", allow_blank=not column.required,
                                   formula1='"' + ",".join(n for _, n in choices) + '"')
            check.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
            sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "是否必填", "说明", "示例"])
    for cell_ in notes[1]:
        cell_.font = Font(bold=True)
    for column in columns:
        notes.append([column.label, "必填" if column.required else "选填", column.note,
                      column.example])
    notes.append([])
    notes.append(["整个文件先全部校验：任何一行有错误则不导入任何数据，并可下载错误报告；"
                  "全部正确时一次性导入。请在第一个工作表填写，第一行为列名，不要改动。"])
    for letter, width in (("A", 22), ("B", 10), ("C", 60), ("D", 40)):
        notes.column_dimensions[letter].width = width
    return _save(book)
