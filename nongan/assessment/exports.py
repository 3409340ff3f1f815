"""The assessment as Excel: the table (districts × indicators with totals and ranks, then
each indicator's figures) and the list of records that cost points."""

import io
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook

from nongan.core.listing import XLSX, xlsx_response

MISS_HEADERS = ["区", "区划代码", "指标编码", "指标", "记录", "失分原因", "记录类型", "记录编号",
                "链接"]
DETAIL_HEADERS = ["区", "区划代码", "指标编码", "指标", "分值", "目标值", "完成率", "达标数",
                  "应达标数", "得分", "失分", "失分记录数"]


def table_workbook(year: int, districts: list[dict]) -> HttpResponse:
    """Sheet 考核得分: one row per district (rank, total, each indicator's points); sheet
    指标明细: one row per district and indicator with the figures behind the points."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(f"{year}年度考核得分")
    lines = districts[0]["indicators"] if districts else []
    sheet.append(["排名", "区", "区划代码", "总分"]
                 + [f"{i['name']}（{i['weight']:g}分）" for i in lines])
    for d in districts:
        sheet.append([d["rank"], d["name"], d["code"], d["total"]]
                     + [i["score"] for i in d["indicators"]])
    detail = book.create_sheet("指标明细")
    detail.append(DETAIL_HEADERS)
    for d in districts:
        for i in d["indicators"]:
            detail.append([d["name"], d["code"], i["code"], i["name"], i["weight"], i["target"],
                           i["achieved"], i["numerator"], i["denominator"], i["score"],
                           i["lost"], i["misses_count"]])
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    filename = quote(f"{year}年度农产品质量安全互联网+监管工作考核.xlsx")
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{filename}"
    return response


def misses_workbook(year: int, rows: list[dict], base: str = "") -> HttpResponse:
    return xlsx_response(f"{year}年度考核失分明细.xlsx", MISS_HEADERS, (
        [r["district_name"], r["district"], r["indicator"], r["indicator_name"], r["label"],
         r["reason"], r["model"], r["pk"], base + r["url"] if r["url"] else ""] for r in rows))
