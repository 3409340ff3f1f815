"""`nongan init` stores the shipped rule table (data/credit-rules.csv) once: loading again
adds nothing and keeps the city's edits; a kind missing from the store is added."""

from io import StringIO

from django.core.management import call_command

from nongan.core.models import AuditEntry
from nongan.credit.models import CreditRule, CreditScale
from nongan.credit.rules import load_credit_rules, read_shipped_rules


def test_loading_is_idempotent_and_keeps_edits(db):
    first = load_credit_rules()
    assert len(first["added"]) == len(read_shipped_rules()) == 9
    scale = CreditScale.objects.get()
    assert (scale.a_min, scale.b_min, scale.c_min, scale.version) == (90, 75, 60, 1)
    CreditRule.objects.filter(kind="penalty").update(points=-45)
    CreditRule.objects.filter(kind="commitment_signed").delete()
    CreditScale.objects.update(a_min=95)
    again = load_credit_rules()
    assert again["added"] == ["commitment_signed"]
    assert CreditRule.objects.get(kind="penalty").points == -45
    assert CreditScale.objects.get().a_min == 95
    assert load_credit_rules()["added"] == []
    assert AuditEntry.objects.filter(action="credit.rules.load").count() == 2


def test_init_loads_the_table(db):
    out = StringIO()
    call_command("init", stdout=out)
    assert "信用评价规则：新增 9 条" in out.getvalue()
    assert CreditRule.objects.count() == 9
