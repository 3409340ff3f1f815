"""The shipped legal bases of penalty cases (处罚依据): the articles of the 农产品质量安全法
(2022) and the 农药管理条例 a decision may rest on, with their penalties (data/README.md).

`load_legal_bases` is safe to run on every `nongan init`: a code that exists is never
overwritten (the stored row may have been edited), new codes are added, and a load that
adds something is audited.
"""

import csv
from pathlib import Path

from django.db import transaction

from nongan.core import audit

from .models import LegalBasis

LEGAL_BASES_FILE = Path(__file__).parent / "data" / "legal-bases.csv"
COLUMNS = ["code", "law", "article", "violation", "penalty", "serious"]


def read_legal_bases(path: Path = LEGAL_BASES_FILE) -> list[dict]:
    """The shipped rows, checked; a broken shipped file is a programming error."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != COLUMNS:
            raise ValueError(f"{path.name}: header should be {','.join(COLUMNS)}")
        rows = []
        for n, row in enumerate(reader, start=2):
            if row["serious"] not in ("0", "1") or not all(row[c].strip() for c in COLUMNS):
                raise ValueError(f"{path.name} line {n}: every column is needed, serious 0/1")
            rows.append({c: row[c].strip() for c in COLUMNS[:-1]}
                        | {"serious": row["serious"] == "1"})
    codes = [r["code"] for r in rows]
    if len(set(codes)) != len(codes):
        raise ValueError(f"{path.name}: a code appears twice")
    return rows


@transaction.atomic
def load_legal_bases(*, actor=None, path: Path = LEGAL_BASES_FILE) -> dict:
    """Add the shipped legal bases not yet stored; returns the codes added."""
    stored = set(LegalBasis.objects.values_list("code", flat=True))
    added = [LegalBasis(**row) for row in read_legal_bases(path) if row["code"] not in stored]
    LegalBasis.objects.bulk_create(added)
    summary = {"added": [b.code for b in added], "kept": len(stored)}
    if added:
        audit.record("enforcement.load_legal_bases", actor=actor,
                     object_type="enforcement.legalbasis", object_id="*", after=summary)
    return summary
