"""Factories of the publication tests: decisions published through the enforcement
services, a grower whose name and ID number are personal data, files read back."""

import csv
import datetime as dt
import io

from django.core.files.storage import default_storage
from django.utils import timezone
from openpyxl import load_workbook

from nongan.credit.services import generate_publication, record_event
from nongan.enforcement.services.cases import publish_notice
from nongan.enforcement.tests.case_factories import (
    decided,
    decided_case,
    grower,
    investigated,
    noticed,
    open_case,
)
from nongan.testing import id_number


def grower_decision(side):
    """A decision against the grower 王小明, whose ID and phone are written in the facts,
    published."""
    person = grower(side, name="王小明", legal_rep="王小明", id_number=id_number(42),
                    phone="13912345678")
    facts = (f"王小明（身份证号{person.id_number}，电话 {person.phone}）在其承包地种植的韭菜中"
             "检出腐霉利超标。")
    case = open_case(side, party=person.pk, title="王小明销售农药残留超标韭菜案", facts=facts)
    investigated(case, side)
    noticed(case, side, facts=facts)
    decided(case, side, facts=facts, penalties=[
        {"kind": "fine", "amount": "5000", "text": "对王小明处以罚款"}])
    case.refresh_from_db()
    notice = publish_notice(case, {}, actor=side.enforcement_officer)
    return case, person, notice


def firm_decision(side):
    case = decided_case(side)
    return case, publish_notice(case, {}, actor=side.district_officer)


def penalise(producer, summary: str):
    """A credit event that moves the producer's grade (B → C): a grade change."""
    return record_event(producer, kind="penalty", occurred_on=timezone.localdate(),
                        summary=summary, source=f"test:{producer.pk}")


def generate(day=None, *, later=0, actor=None):
    """The file of `day` (today by default), generated `later` days after now."""
    now = timezone.now() + dt.timedelta(days=later)
    return generate_publication(day or timezone.localdate(now), actor=actor, now=now)


def read(publication, name: str) -> list[list[str]]:
    with default_storage.open(publication.files[name]["path"], "rb") as handle:
        data = handle.read()
    if name.endswith(".csv"):
        assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
        return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    rows = load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)
    return [[v or "" for v in row] for row in rows]


def as_dicts(rows) -> list[dict]:
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def raw(publication) -> str:
    """Every file's text, for what must never be found in any of them."""
    text = []
    for name in publication.files:
        text.append("\n".join(",".join(map(str, r)) for r in read(publication, name)))
    return "\n".join(text)
