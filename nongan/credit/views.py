"""The credit rule table's page: every account reads it; the city administrator replaces it
(all rows at once, each checked; every grade recomputed on saving). Thin: the write is
`services.update_rules`. And the daily files for publication systems (信用信息报送, city
administrator): the list of days with their files, generating a day, downloading a file."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import XLSX, page_of
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible

from . import publication, services
from .grading import LABELS
from .models import CreditPublication
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
@reauth_required("credit.rules.edit")
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


# ---------------------------------------------------------------- 信用信息报送

def _day(value):
    try:
        return dt.date.fromisoformat(str(value or "").strip())
    except ValueError:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def publications_page(request):
    """The daily files for 信用中国 / the city's public credit platform (city
    administrator): every day generated, its counts, files and SHA-256; generate a day."""
    require(request.user, "credit.publish")
    default = timezone.localdate() - dt.timedelta(days=1)
    if request.method == "POST":
        day = _day(request.POST.get("day"))
        try:
            if day is None:
                raise FieldErrors({"day": _("日期格式应为 YYYY-MM-DD")})
            done, created = services.generate_publication(day, actor=request.user)
        except (FieldErrors, Conflict) as exc:
            messages.error(request, "；".join(msg for _loc, msg in exc.errors)
                           if isinstance(exc, FieldErrors) else str(exc))
        else:
            messages.success(request, _("已生成 %(day)s 的报送文件") % {"day": day} if created
                             else _("%(day)s 的报送文件已于之前生成，未重写") % {"day": day})
        return redirect("credit_publications")
    result = page_of(visible(CreditPublication, request.user).select_related("generated_by"),
                     request.GET.get("page"), 30)
    return render(request, "credit/publications.html", {
        "result": result, "default_day": default, "names": list(publication.FILES)})


@login_required
@require_GET
def publication_download(request):
    """One file of a day (`?day=YYYY-MM-DD&file=penalties.csv`), for the city only."""
    require(request.user, "credit.publish")
    day, name = _day(request.GET.get("day")), request.GET.get("file", "")
    if day is None or name not in publication.FILES:
        raise Http404
    done = get_object_or_404(visible(CreditPublication, request.user), day=day)
    stored = done.files.get(name)
    if not stored or not default_storage.exists(stored["path"]):
        raise Http404
    kind = "text/csv; charset=utf-8" if name.endswith(".csv") else XLSX
    return FileResponse(default_storage.open(stored["path"], "rb"), as_attachment=True,
                        filename=publication.download_name(name, day), content_type=kind)
