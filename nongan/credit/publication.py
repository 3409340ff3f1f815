"""The daily files of credit information for publication systems (信用信息报送: 信用中国 and
上海市公共信用信息服务平台): the penalty decisions published and withdrawn, in the 行政处罚
"双公示" layout, and the credit grade changes — each as CSV (UTF-8 with BOM) and XLSX.

Layout, masking rules and their sources: docs/credit-publication.md. Everything personal
comes masked: the penalty rows are built from the notice's published copy
(`PenaltyNotice.content`, masked when it was published), the rest through
`nongan.public.masking`; an ID number is never written whole, and not at all in the grades.
Nothing here writes to the database (`services.generate_publication` does).
"""

import csv
import datetime as dt
import hashlib
import io
from decimal import Decimal, InvalidOperation

from django.db.models import Q
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from nongan.enforcement.models import PenaltyNotice
from nongan.producers.models import CREDIT_GRADES
from nongan.public import masking

from .models import GradeChange

# 行政处罚信息 as the national credit platform's "双公示" data standard lists the fields
# (our reading of the published standard; see docs/credit-publication.md).
PENALTY_HEADERS = [
    "行政相对人名称", "行政相对人类别", "行政相对人代码_1(统一社会信用代码)",
    "行政相对人代码_2(工商注册号)", "行政相对人代码_3(组织机构代码)", "行政相对人代码_4(税务登记号)",
    "行政相对人代码_5(事业单位证书号)", "行政相对人代码_6(社会组织登记证号)", "法定代表人",
    "法定代表人证件类型", "法定代表人证件号码", "证件类型", "证件号码", "行政处罚决定书文号",
    "违法行为类型", "违法事实", "处罚依据", "处罚类别", "处罚内容", "罚款金额（万元）",
    "没收违法所得、没收非法财物的金额（万元）", "暂扣或吊销证照名称及编号", "处罚决定日期",
    "处罚有效期", "公示截止期", "处罚机关", "处罚机关统一社会信用代码", "数据来源单位",
    "数据来源单位统一社会信用代码", "备注",
]
GRADE_HEADERS = ["主体名称", "主体类别", "统一社会信用代码", "原信用等级", "信用等级", "信用分",
                 "评定日期", "评定依据", "评定单位", "备注"]
NATURAL, SOLE_TRADER, ORGANISATION = "自然人", "个体工商户", "法人及非法人组织"
# 处罚类别 in the words of 行政处罚法 (2021) Art. 9, by our penalty kinds.
CATEGORIES = {"warning": "警告", "fine": "罚款", "confiscation": "没收违法所得、没收非法财物",
              "order_stop": "责令停产停业", "revoke_licence": "吊销许可证件", "other": "其他"}
CITY_AUTHORITY = "上海市农业农村委员会"
GRADE_LABELS = dict(CREDIT_GRADES)
CAUSES = dict(GradeChange.CAUSES)
REMARK = PENALTY_HEADERS.index("备注")
MAX_BASIS = 500


def party_type(producer) -> str:
    """行政相对人类别: a grower (or a family farm never registered) is a natural person; a
    registration code beginning 92 is a 个体工商户 (GB 32100-2015: 9 工商, 2 个体工商户)."""
    if producer.kind == "grower" or (producer.kind == "family_farm" and not producer.uscc):
        return NATURAL
    if (producer.uscc or "").startswith("92"):
        return SOLE_TRADER
    return ORGANISATION


def _wan(yuan) -> str:
    """An amount of yuan in 万元, six decimals (to the yuan and below), as the layout asks."""
    try:
        value = Decimal(str(yuan))
    except (InvalidOperation, ValueError):
        return ""
    return format((value / 10000).quantize(Decimal("0.000001")), "f")


def _scrub(text: str, producer) -> str:
    return masking.scrub(text or "", masking.personal_names(producer))


def penalty_row(notice: PenaltyNotice, remark: str = "") -> list[str]:
    content, case = notice.content, notice.case
    party = case.party
    kind = party_type(party)
    natural = kind == NATURAL
    penalties = case.penalties or []
    confiscated = sum((Decimal(str(p["amount"])) for p in penalties
                       if p.get("kind") == "confiscation" and p.get("amount")), Decimal(0))
    until = notice.display_until.isoformat() if notice.display_until else ""
    violations = [b.violation for b in case.legal_bases.order_by("code") if b.violation]
    return [
        content.get("party", ""), kind, "" if natural else content.get("uscc", ""),
        "", "", "", "", "",
        "" if natural else content.get("legal_rep", ""), "", "",
        "身份证" if natural and party.id_number else "",
        masking.mask_id_number(party.id_number) if natural and party.id_number else "",
        content.get("doc_no", ""),
        "；".join(violations) or content.get("title", ""),
        content.get("facts", ""),
        "；".join(content.get("legal_bases") or []),
        "；".join(dict.fromkeys(CATEGORIES.get(p.get("kind"), "其他") for p in penalties)),
        "；".join(content.get("penalties") or []),
        _wan(content["fine"]) if content.get("fine") else "",
        _wan(confiscated) if confiscated else "",
        "；".join(_scrub(p.get("text", ""), party) for p in penalties
                 if p.get("kind") == "revoke_licence"),
        content.get("decided_on", ""), until, until,
        content.get("authority", ""), "", content.get("authority", ""), "",
        remark,
    ]


def row_hash(row: list[str]) -> str:
    """What a row says, without its remark: a published row that later says something else
    is sent again as 更正."""
    body = [v for i, v in enumerate(row) if i != REMARK]
    return hashlib.sha256("\x1f".join(body).encode()).hexdigest()


def _notices():
    return PenaltyNotice.objects.select_related("case__party").prefetch_related(
        "case__legal_bases")


def penalty_rows(start: dt.datetime, end: dt.datetime, sent: dict) -> tuple[list, dict, dict]:
    """The rows of [start, end): decisions published (备注 empty), withdrawn (撤销：reason),
    and decisions sent before whose row now reads otherwise (更正). `sent` maps
    "notice:<pk>" to the hash of the row last sent. Returns (rows, hashes sent now, counts)."""
    events = []
    for notice in _notices().filter(Q(published_at__gte=start, published_at__lt=end)
                                    | Q(withdrawn_at__gte=start, withdrawn_at__lt=end)):
        if notice.published_at and start <= notice.published_at < end:
            events.append((notice.published_at, notice.pk, "published", notice, ""))
        if notice.withdrawn_at and start <= notice.withdrawn_at < end:
            reason = _scrub(notice.withdraw_reason, notice.case.party)
            events.append((notice.withdrawn_at, notice.pk, "withdrawn", notice,
                           f"撤销：{reason}" if reason else "撤销"))
    before = {int(key.split(":")[1]) for key in sent}
    shown = _notices().filter(pk__in=before, published_at__lt=start, withdrawn_at=None,
                              display_until__gte=timezone.localdate(start))
    for notice in shown:
        if row_hash(penalty_row(notice)) != sent[f"notice:{notice.pk}"]:
            events.append((end, notice.pk, "corrected", notice, "更正"))
    rows, hashes, counts = [], {}, {"published": 0, "withdrawn": 0, "corrected": 0}
    for _, pk, what, notice, remark in sorted(events, key=lambda e: (e[0], e[1])):
        row = penalty_row(notice, remark)
        rows.append(row)
        hashes[f"notice:{pk}"] = row_hash(row)
        counts[what] += 1
    return rows, hashes, counts


def _basis(change: GradeChange) -> str:
    parts = [CAUSES.get(change.cause, change.cause)]
    if change.note:
        parts.append(change.note)
    parts += change.reasons or []
    text = _scrub("；".join(parts), change.producer)
    return text if len(text) <= MAX_BASIS else text[:MAX_BASIS - 1] + "…"


def grade_row(change: GradeChange) -> list:
    producer = change.producer
    kind = party_type(producer)
    return [masking.party_name(producer), kind,
            "" if kind == NATURAL else producer.uscc or "",
            GRADE_LABELS.get(change.from_grade, change.from_grade),
            GRADE_LABELS.get(change.to_grade, change.to_grade), change.score,
            timezone.localdate(change.at).isoformat(), _basis(change), CITY_AUTHORITY,
            f"规则第 {change.rules_version} 版"]


def grade_rows(start: dt.datetime, end: dt.datetime) -> list[list]:
    changes = GradeChange.objects.filter(at__gte=start, at__lt=end).select_related(
        "producer").order_by("at", "pk")
    return [grade_row(c) for c in changes.iterator(chunk_size=2000)]


# --- files -----------------------------------------------------------------------------


def csv_bytes(headers: list[str], rows: list[list]) -> bytes:
    """UTF-8 with a BOM (so Excel opens it as such), CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def xlsx_bytes(title: str, headers: list[str], rows: list[list]) -> bytes:
    """The same rows as a workbook, every cell text (codes keep their leading zeros)."""
    book = Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([str(v) for v in row])
    for cells in sheet.iter_cols(min_row=2):
        for cell in cells:
            cell.number_format = "@"
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


FILES = {  # name → (title, headers, kind)
    "penalties.csv": ("行政处罚信息", PENALTY_HEADERS, "penalties"),
    "penalties.xlsx": ("行政处罚信息", PENALTY_HEADERS, "penalties"),
    "grades.csv": ("信用等级变更", GRADE_HEADERS, "grades"),
    "grades.xlsx": ("信用等级变更", GRADE_HEADERS, "grades"),
}


def render(name: str, rows: list[list]) -> bytes:
    title, headers, _ = FILES[name]
    return csv_bytes(headers, rows) if name.endswith(".csv") else xlsx_bytes(title, headers, rows)


def download_name(name: str, day: dt.date) -> str:
    title, _, _ = FILES[name]
    return f"{title}-{day.isoformat()}.{name.rsplit('.', 1)[1]}"
