"""The shipped legal bases (处罚依据): loaded once, audited, never overwriting an edit."""

import pytest

from nongan.core.models import AuditEntry
from nongan.enforcement.legal import LEGAL_BASES_FILE, load_legal_bases, read_legal_bases
from nongan.enforcement.models import LegalBasis

ARTICLES = {"NCPAQ-68", "NCPAQ-69", "NCPAQ-70", "NCPAQ-71", "NCPAQ-72", "NCPAQ-73",
            "NCPAQ-75", "NCPAQ-76", "NYGL-60", "NYGL-61"}


def test_the_articles_of_the_rules_are_shipped_with_their_penalties(db):
    rows = {r["code"]: r for r in read_legal_bases()}
    assert set(rows) == ARTICLES
    assert {c for c, r in rows.items() if r["serious"]} == {"NCPAQ-70", "NYGL-60"}
    # The ranges RULES.md names, as the law writes them.
    assert "十万元以上十五万元以下" in rows["NCPAQ-70"]["penalty"]
    assert "一千元以上一万元以下" in rows["NCPAQ-70"]["penalty"]
    assert "五万元以上十万元以下" in rows["NCPAQ-71"]["penalty"]
    assert "一百元以上一千元以下" in rows["NCPAQ-73"]["penalty"]
    assert "五万元以上十万元以下" in rows["NYGL-60"]["penalty"]
    assert "二千元以上二万元以下" in rows["NYGL-61"]["penalty"]
    assert rows["NYGL-60"]["law"] == "农药管理条例"


def test_loading_is_idempotent_and_audited(db):
    first = load_legal_bases()
    assert sorted(first["added"]) == sorted(ARTICLES)
    assert AuditEntry.objects.filter(action="enforcement.load_legal_bases").count() == 1
    second = load_legal_bases()
    assert second == {"added": [], "kept": 10}
    assert LegalBasis.objects.count() == 10
    assert AuditEntry.objects.filter(action="enforcement.load_legal_bases").count() == 1


def test_an_edited_basis_is_kept_and_a_removed_one_comes_back(db):
    load_legal_bases()
    LegalBasis.objects.filter(code="NCPAQ-73").update(penalty="（地方裁量基准）")
    LegalBasis.objects.filter(code="NCPAQ-76").delete()
    assert load_legal_bases()["added"] == ["NCPAQ-76"]
    assert LegalBasis.objects.get(code="NCPAQ-73").penalty == "（地方裁量基准）"


def test_a_broken_file_is_refused(tmp_path, db):
    broken = tmp_path / "legal-bases.csv"
    text = LEGAL_BASES_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace(",0\n", ",maybe\n", 1), encoding="utf-8")
    with pytest.raises(ValueError, match="serious"):
        load_legal_bases(path=broken)
    assert not LegalBasis.objects.exists()
