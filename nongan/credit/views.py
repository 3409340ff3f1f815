"""The credit rule table's page: every account reads it; the city administrator replaces it
(all rows at once, each checked; every grade recomputed on saving). Thin: the write is
`services.update_rules`."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import allowed, require

from . import services
from .grading import LABELS
from .rules import COLUMNS, DEFAULT_THRESHOLDS, table_dict

GRADE_CHOICES = [("", "—"), ("B", "B"), ("C", "C"), ("D", "D")]


def _posted(post) -> dict:
    """The form as the table the service takes (row n's fields are `rules-n-<field>`)."""
    rows, n = [], 0
    while f"rules-{n}-kind" in post:
        row = {field: post.get(f"rules-{n}-{field}", "") for field in COLUMNS}
        row["serious_only"] = f"rules-{n}-serious_only" in post
        rows.append(row)
        n += 1
    return {"version": post.get("version"), "rules": rows,
            "thresholds": {g: post.get(f"threshold-{g}", "") for g in DEFAULT_THRESHOLDS}}


@login_required
@require_http_methods(["GET", "POST"])
def rules_page(request):
    table, errors, bad, status = table_dict(), [], set(), 200
    if request.method == "POST":
        require(request.user, "credit.rules.edit")
        posted = _posted(request.POST)
        try:
            done = services.update_rules(posted, actor=request.user)
        except FieldErrors as exc:
            errors, status = [msg for loc, msg in exc.errors], 422
            bad = {".".join(map(str, loc)) for loc, msg in exc.errors}
        except Conflict as exc:
            errors, status = [str(exc)], 409
        else:
            changed = done["recomputed"]
            messages.success(request, _("信用规则已保存为第 %(v)s 版，%(n)s 个主体的信用等级随之变化")
                             % {"v": done["version"], "n": changed["changed"]}
                             if changed else _("信用规则没有变化"))
            return redirect("credit_rules")
        table |= {"thresholds": posted["thresholds"],
                  "rules": [row | {"label": LABELS.get(row["kind"], row["kind"])}
                            for row in posted["rules"]]}
    for n, row in enumerate(table["rules"]):
        row["bad"] = {f for f in COLUMNS if f"rules.{n}.{f}" in bad}
    return render(request, "credit/rules.html", {
        "table": table, "errors": errors, "bad_thresholds": {
            g for g in DEFAULT_THRESHOLDS if f"thresholds.{g}" in bad or "thresholds" in bad},
        "can_edit": allowed(request.user, "credit.rules.edit"),
        "grade_choices": GRADE_CHOICES}, status=status)
