"""Whatever a client sends as a rule table, the check answers a clean table or FieldErrors
naming fields — never another exception (CONTRACT.md: no 500 for bad input)."""

from hypothesis import given
from hypothesis import strategies as st

from nongan.core.errors import FieldErrors
from nongan.credit.rules import DEFAULT_THRESHOLDS, clean_table, read_shipped_rules

scalars = st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=5) | st.floats()
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=5), inner, max_size=3), max_leaves=6)
SHIPPED = read_shipped_rules()


@given(values)
def test_any_body_is_checked_without_crashing(body):
    try:
        clean_table(body)
    except FieldErrors as exc:
        assert exc.errors and all(msg for _, msg in exc.errors)


@given(st.integers(0, len(SHIPPED) - 1), st.sampled_from(
    ["points", "months", "forced_grade", "forced_months", "serious_only", "kind"]), values)
def test_any_value_in_any_cell_is_kept_or_named(row, field, value):
    rules = [dict(r) for r in SHIPPED]
    rules[row][field] = value
    try:
        _, clean = clean_table({"thresholds": DEFAULT_THRESHOLDS, "rules": rules})
    except FieldErrors as exc:
        assert any(loc[:2] == ("rules", row) or loc == ("rules",) for loc, _ in exc.errors)
    else:
        assert len(clean) == len(SHIPPED)
