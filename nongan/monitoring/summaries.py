"""每月检测汇总表: the workbook a lab checks and submits by the 25th (实施方案 四.(四).3)."""

import io
from collections import Counter

from django.db.models import Prefetch
from openpyxl import Workbook

from . import deadlines
from .models import NON_COMPLIANT, Result, Sample

HEADERS = ["样品编号", "监测任务", "类型", "抽样日期", "区", "镇（街道）", "生产主体",
           "样品名称", "产品类别", "检测项目数", "不合格项目", "结论", "判定依据", "完成日期",
           "报告已上传"]


def month_samples(lab, month):
    start, end = deadlines.summary_window(month)
    return (Sample.objects.filter(lab=lab, completed_at__date__range=(start, end))
            .select_related("plan", "producer", "district", "town", "standard")
            .prefetch_related(Prefetch("results", Result.objects.defer("basis")))
            .order_by("completed_at", "sample_no"))


def failed_text(sample) -> str:
    return "；".join(f"{r.analyte} {r.value if r.value is not None else ''}{r.unit if r.value is not None else ''}"
                    f"（{r.get_status_display()}{f'，限量{r.mrl}' if r.mrl is not None else ''}）"
                    for r in sample.results.all() if r.current and r.status in NON_COMPLIANT)


def workbook(lab, month) -> tuple[bytes, int]:
    """The month's samples, one row each, and a sheet of counts by district and category."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("样品明细")
    sheet.append([f"{lab.name} {month:%Y年%m月} 检测结果汇总（"
                  f"{'至'.join(str(d) for d in deadlines.summary_window(month))}完成的检测）"])
    sheet.append(HEADERS)
    totals: Counter = Counter()
    rows = 0
    for s in month_samples(lab, month):
        rows += 1
        totals[(s.district.name, s.category or "未分类", s.verdict)] += 1
        sheet.append([s.sample_no, s.plan.name if s.plan else "", s.get_kind_display(),
                      deadlines.local_date(s.sampled_at), s.district.name, s.town.name,
                      s.producer.name, s.product, s.category,
                      sum(1 for r in s.results.all() if r.current), failed_text(s),
                      s.get_verdict_display(), s.standard.label if s.standard else "",
                      deadlines.local_date(s.completed_at), "是" if s.report else "否"])
    counts = book.create_sheet("分区统计")
    counts.append(["区", "产品类别", "样品数", "合格", "不合格", "合格率"])
    groups = sorted({(d, c) for d, c, _ in totals})
    for district, category in groups:
        passed = totals[(district, category, "compliant")]
        failed = totals[(district, category, "non_compliant")]
        counts.append([district, category, passed + failed, passed, failed,
                       f"{passed / (passed + failed):.1%}" if passed + failed else ""])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), rows
