"""Read helpers of the monitoring pages only (抽样监测页面): badges, the rows people export,
the LIMS template workbook, the sample's result history. Every read starts from `visible`
or from `queries`; the one write here is a notification's read mark (not a supervision
event, so it has no audit entry).
"""

import datetime as dt
import io
from collections import defaultdict

from django.db.models import Prefetch
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from nongan.core.models import Notification
from nongan.core.scoping import visible

from . import deadlines, limits
from .models import NON_COMPLIANT, STATUSES, FollowUp, FoodClass, Result, Sample
from .summaries import failed_text

VERDICT_BADGES = {"compliant": "ok", "non_compliant": "bad", "incomplete": "warn"}
STATUS_BADGES = {"not_detected": "ok", "compliant": "ok", "negative": "ok", "no_limit": "warn",
                 "over_limit": "bad", "banned_detected": "bad", "positive": "bad"}
STATE_BADGES = {"open": "warn", "proposed": "bad", "closed": "ok"}
# 监测管理办法: the sampling form in four copies, each kept by one party (RULES.md).
COPIES = [("第一联", "抽样人留存"), ("第二联", "被抽样方留存"), ("第三联", "检测机构留存"),
          ("第四联", "任务下达单位留存")]
NOTE_KINDS = {"opened": "发现不合格", "notified": "告知被抽样方", "retest": "复检申请",
              "note": "处置记录", "proposed": "移交执法", "closed": "办结",
              "correction": "结果更正"}
ND_TEXT = ("nd", "未检出", "<lod", "n.d.")


def samples(user):
    """The samples `user` may see, with what a sample page shows."""
    return (visible(Sample, user)
            .select_related("producer", "lab", "plan", "plot", "sampler", "standard",
                            "retest_of", "confirms", "district", "town", "village",
                            "party_signature")
            .prefetch_related("photos", "co_samplers",
                              Prefetch("results", queryset=Result.objects
                                       .select_related("entered_by")
                                       .order_by("analyte", "entered_at", "pk"))))


def current_results(sample) -> list:
    return [r for r in sample.results.all() if r.current]


def corrections(sample) -> list[dict]:
    """Every superseded value with the value that replaced it and the reason."""
    by_pk = {r.pk: r for r in sample.results.all()}
    rows = []
    for r in sample.results.all():
        if r.supersedes_id and r.supersedes_id in by_pk:
            rows.append({"old": by_pk[r.supersedes_id], "new": r})
    return rows


def result_value(r) -> str:
    """A result as the lab reads it: the value with its unit, 未检出, or the rapid outcome."""
    if r.status in ("positive", "negative"):
        return r.get_status_display()
    if r.value is None:
        return "未检出"
    return f"{_plain(r.value)} {r.unit}"


def _plain(value) -> str:
    text = format(value.normalize(), "f") if value is not None else ""
    return text


def status_label(code: str) -> str:
    return dict(STATUSES).get(code, code)


def is_overdue(sample, today=None) -> bool:
    today = today or timezone.localdate()
    return sample.verdict == "incomplete" and sample.results_due < today


def categories() -> list[str]:
    """The top food classes of the edition in force (蔬菜, 水果 …): the product categories
    of quotas and filters."""
    standard = limits.standard_in_force(timezone.localdate())
    if standard is None:
        return []
    return list(FoodClass.objects.filter(standard=standard, parent=None)
                .order_by("name").values_list("name", flat=True))


def foods() -> list[str]:
    standard = limits.standard_in_force(timezone.localdate())
    return limits.food_names(standard) if standard else []


# --- exports -------------------------------------------------------------------------------

SAMPLE_EXPORT_HEADERS = ["样品编号", "类型", "监测任务", "抽样时间", "区", "镇（街道）",
                         "生产主体", "样品名称", "品种", "产品类别", "检测机构", "检测期限",
                         "收样时间", "结论", "不合格项目", "判定依据", "检测报告"]


def sample_export_rows(qs):
    for s in qs.prefetch_related("results"):
        yield [s.sample_no, s.get_kind_display(), s.plan.name if s.plan else "",
               timezone.localtime(s.sampled_at).strftime("%Y-%m-%d %H:%M"), s.district.name,
               s.town.name, s.producer.name, s.product, s.variety, s.category, s.lab.name,
               s.results_due, (timezone.localtime(s.received_at).strftime("%Y-%m-%d %H:%M")
                               if s.received_at else None),
               s.get_verdict_display(), failed_text(s),
               s.standard.label if s.standard else "", "已上传" if s.report else "未上传"]


PROGRESS_HEADERS = ["区", "产品类别", "任务量", "已抽样", "合格", "不合格", "待检测", "完成率"]


def progress_export_rows(rows):
    for r in rows:
        yield [r["district"].name, r["category"], r["quota"], r["taken"], r["compliant"],
               r["non_compliant"], r["incomplete"], f"{r['share']:.0%}"]


MONTHLY_HEADERS = ["区", "产品类别", "样品数", "合格", "不合格", "待检测", "合格率"]


def monthly_export_rows(rows):
    for r in rows:
        yield [r["district_name"], r["category"], r["total"], r["compliant"],
               r["non_compliant"], r["incomplete"],
               percent(r["pass_rate"]) if r["pass_rate"] is not None else ""]


def percent(rate) -> str:
    return "—" if rate is None else f"{rate:.1%}"


def monthly_totals(rows) -> dict:
    total = {v: sum(r[v] for r in rows) for v in ("compliant", "non_compliant", "incomplete",
                                                  "total")}
    judged = total["compliant"] + total["non_compliant"]
    total["pass_rate"] = total["compliant"] / judged if judged else None
    total["pass_text"] = percent(total["pass_rate"])
    for r in rows:
        r["pass_text"] = percent(r["pass_rate"])
    return total


def pass_rates_by_district(rows) -> dict:
    """The chart's data: each district's pass rate (%) over its judged samples."""
    names, passed, judged = {}, defaultdict(int), defaultdict(int)
    for r in rows:
        names[r["district"]] = r["district_name"]
        passed[r["district"]] += r["compliant"]
        judged[r["district"]] += r["compliant"] + r["non_compliant"]
    codes = sorted(names)
    return {"districts": [names[c] for c in codes],
            "rates": [round(100 * passed[c] / judged[c], 1) if judged[c] else None
                      for c in codes],
            "judged": [judged[c] for c in codes]}


# --- LIMS import template ------------------------------------------------------------------

LIMS_HEADERS = ["sample_no", "analyte", "value", "unit", "lod", "method", "outcome", "reason"]
LIMS_HELP = [
    ("sample_no", "样品编号", "必填，系统生成的样品编号，如 2026310115L00042"),
    ("analyte", "检测项目", "必填，农药中文名，与抽样单检测项目一致"),
    ("value", "检测值", "定量检测填数值；未检出填 ND 或留空"),
    ("unit", "单位", "mg/kg 或 μg/kg，留空为 mg/kg"),
    ("lod", "检出限", "数值，单位同检测值"),
    ("method", "检测方法", "如 GB 23200.121-2021"),
    ("outcome", "快检结果", "仅快速检测：positive（阳性）或 negative（阴性）"),
    ("reason", "更正原因", "已有结果再次导入即为更正，须填写原因"),
]


def lims_template() -> bytes:
    """导入模板: the columns on the first sheet (the one read), what each means on the second."""
    book = Workbook()
    sheet = book.active
    sheet.title = "检测结果"
    sheet.append(LIMS_HEADERS)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEFGH", (20, 14, 10, 8, 8, 22, 10, 20), strict=True):
        sheet.column_dimensions[column].width = width
    notes = book.create_sheet("填写说明")
    notes.append(["列名", "含义", "填写要求"])
    for row in LIMS_HELP:
        notes.append(list(row))
    notes.append([])
    notes.append(["", "", "一个样品的每个检测项目一行；整个文件全部正确才会导入，"
                  "有错误时不导入任何数据并逐行列出错误。"])
    notes.column_dimensions["C"].width = 60
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


# --- follow-ups, summaries, notifications --------------------------------------------------


def follow_ups(user):
    return (visible(FollowUp, user)
            .select_related("sample", "producer", "district", "town", "plot")
            .prefetch_related("sample__results"))


def failed_results(sample) -> list:
    return [r for r in sample.results.all() if r.current and r.status in NON_COMPLIANT]


def summary_status(summary, today=None) -> tuple[str, str]:
    """(badge, words): submitted on time or late, still open, or overdue (due the 25th)."""
    today = today or timezone.localdate()
    due = deadlines.summary_due(summary.month)
    if summary.submitted_at:
        if timezone.localdate(summary.submitted_at) > due:
            return "warn", "逾期提交"
        return "ok", "按时提交"
    if today > due:
        return "bad", "逾期未提交"
    return "warn", "待提交"


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return visible(Notification, user).filter(read_at=None).count()


def mark_read(qs) -> int:
    """Mark the user's notifications read (`qs` comes from `visible(Notification, user)`)."""
    return qs.filter(read_at=None).update(read_at=timezone.now())


def producer_samples(user, producer, limit=20) -> dict:
    qs = (visible(Sample, user).filter(producer=producer).select_related("lab")
          .prefetch_related("results").order_by("-sampled_at", "-pk"))
    return {"count": qs.count(), "items": list(qs[:limit])}


def month_value(text: str | None, default: dt.date) -> tuple[dt.date, str]:
    """`YYYY-MM` → the month's first day; a bad value answers the default and an error."""
    if not text:
        return default.replace(day=1), ""
    try:
        return dt.datetime.strptime(text.strip(), "%Y-%m").date(), ""
    except ValueError:
        return default.replace(day=1), "月份格式应为 YYYY-MM"
