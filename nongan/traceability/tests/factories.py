"""Factories of the traceability tests: files as the national platform exports them, and
imports run through the services (the worker's task body called directly)."""

import csv
import datetime as dt
import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import Workbook

from nongan.traceability import services
from nongan.traceability.models import TraceImport

CERT_HEADINGS = ["合格证编号", "主体名称", "统一社会信用代码", "产品名称", "数量", "单位", "开具日期",
                 "承诺依据", "产地", "追溯码"]
PRODUCER_HEADINGS = ["主体名称", "统一社会信用代码", "身份证号", "主体类型", "所属行业", "所在地区",
                     "详细地址", "法定代表人/负责人", "联系电话", "主体身份码", "注册日期"]


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def cert_row(producer, n: int, **fields) -> dict:
    """A certificate of `producer` as the platform lists it."""
    return {"合格证编号": f"HGZ{producer.pk:05d}{n:05d}", "主体名称": producer.name,
            "统一社会信用代码": producer.uscc or "", "产品名称": "青菜", "数量": "50",
            "单位": "公斤", "开具日期": days_ago(n % 20 + 1).isoformat(), "承诺依据": "自我检测",
            "产地": "上海市浦东新区", "追溯码": f"T{n:08d}"} | fields


def producer_row(producer, code: str, **fields) -> dict:
    return {"主体名称": producer.name, "统一社会信用代码": producer.uscc or "",
            "身份证号": "" if producer.uscc else producer.id_number, "主体类型": "农民专业合作社",
            "所属行业": "种植业", "所在地区": "上海市", "详细地址": producer.address,
            "法定代表人/负责人": producer.legal_rep, "联系电话": producer.phone,
            "主体身份码": code, "注册日期": "2024-05-06"} | fields


def xlsx(headings, rows, name="合格证.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(headings)
    for row in rows:
        sheet.append([row.get(h) for h in headings])
    buffer = io.BytesIO()
    book.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


def csv_file(headings, rows, name="合格证.csv") -> SimpleUploadedFile:
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(headings)
    for row in rows:
        writer.writerow([row.get(h, "") for h in headings])
    return SimpleUploadedFile(name, text.getvalue().encode("utf-8-sig"))


def imported(user, kind: str, file) -> TraceImport:
    """Upload `file` as `user` and run the check at once, as the worker would."""
    job = services.start_import(kind, file, actor=user)
    services.run_import(job.pk)
    job.refresh_from_db()
    return job


def certificates_of(side, rows=None) -> TraceImport:
    """An import by `side`'s district officer of three certificates of its producer."""
    rows = rows or [cert_row(side.the_producer, n) for n in (1, 2, 3)]
    return imported(side.district_officer, "certificates", xlsx(CERT_HEADINGS, rows))


def access_targets(world, side) -> dict:
    """The records of `side`'s district the access matrix asks another district for."""
    return {"trace_import": certificates_of(side, [cert_row(side.the_producer, 900)]).pk}
