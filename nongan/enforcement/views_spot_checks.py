"""双随机、一公开 pages: the plans and their draws, the replay that lets anyone check a draw,
and the 一单两库 — the matters list, the target directory (population), the inspector
directory and the recusal declarations. Reads through `visible`/queries, writes through
the services."""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.core.views import attempt
from nongan.inspections.models import ChecklistTemplate
from nongan.people.models import User
from nongan.producers.models import CERT_KINDS, CREDIT_GRADES, KINDS, Producer
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import draws, matters
from . import spot_check_queries as queries
from .forms_spot_checks import (
    PLAN_FIELD_OF,
    CancelForm,
    ConflictForm,
    MatterForm,
    ResultForm,
    SpotCheckForm,
    put_back,
)
from .models import SpotCheck, Target
from .services import spot_checks as services

TEMPLATES = "enforcement/spot_checks/"
STATE_BADGES = {"planned": "warn", "drawn": "ok", "cancelled": "bad"}
RESULT_BADGES = {"pass": "ok", "rectify": "warn", "refer": "bad", "absent": "warn"}
GRADES = [g for g, _label in CREDIT_GRADES]


def _region_param(user, code):
    """(region, notice) for a `region` query parameter outside or inside the user's scope."""
    code = (code or "").strip()
    if not code:
        return None, None
    region = visible(Region, user).filter(code=code).first()
    return region, None if region else _("区域不存在或不在辖区内")


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# --- the list and the plan form --------------------------------------------------------------


@login_required
@require_GET
def spot_check_list(request):
    user, params = request.user, request.GET
    region, notice = _region_param(user, params.get("region"))
    state = params.get("state") if params.get("state") in dict(SpotCheck.STATES) else ""
    matter, q, sort = _int(params.get("matter")), params.get("q", "").strip(), params.get("sort", "")
    qs = queries.spot_checks_for(user, state=state, matter=matter, region=region, q=q,
                                 sort=sort).defer("snapshot")
    if notice:
        qs = qs.none()
    if params.get("format") == "xlsx":
        return xlsx_response(_("双随机抽查计划") + ".xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs))
    page = page_of(qs, params.get("page"), params.get("page_size"))
    rows = [{"check": s, "amount": queries.amount_text(s), "badge": STATE_BADGES[s.state]}
            for s in page["items"]]
    return render(request, TEMPLATES + "list.html", {
        "page": page, "rows": rows, "states": SpotCheck.STATES, "state": state,
        "matters": queries.matters_for(user), "matter": matter, "q": q, "sort": sort,
        "regions": region_choices(user), "region": params.get("region", ""),
        "notice": notice, "can_plan": allowed(user, "spotcheck.plan")})


def _plan_form(user, data=None):
    district = user.region.district
    regions = [district, *queries.district_towns(district)]
    return SpotCheckForm(data, matters=queries.matters_for(user, active_only=True),
                         regions=regions, initial={"region": district.code})


@login_required
@require_http_methods(["GET", "POST"])
def spot_check_new(request):
    """制定抽查计划: the seed is committed by its hash when the plan is saved."""
    user = request.user
    require(user, "spotcheck.plan")
    if request.method == "GET":
        return render(request, TEMPLATES + "form.html", {"form": _plan_form(user)})
    form = _plan_form(user, request.POST)
    if form.is_valid():
        try:
            spot_check = services.plan_spot_check(form.service_data(), actor=user)
        except FieldErrors as exc:
            put_back(form, exc, PLAN_FIELD_OF)
        else:
            messages.success(request, _("抽查计划已公布，随机种子哈希已生成"))
            return redirect("spot_check", spot_check.pk)
    return render(request, TEMPLATES + "form.html", {"form": form, "failed": True}, status=422)


# --- one spot check ----------------------------------------------------------------------------


def _spot_check(request, pk) -> SpotCheck:
    return get_object_or_404(visible(SpotCheck, request.user)
                             .select_related("matter", "region", "created_by", "drawn_by"), pk=pk)


def _names(user, usernames) -> dict[str, str]:
    """Officers' names as the user may see them (the username otherwise)."""
    return {u.username: str(u) for u in visible(User, user).filter(username__in=set(usernames))}


def _region_names(codes) -> dict[str, str]:
    return dict(Region.objects.filter(code__in=set(codes)).values_list("code", "name"))


def _strata_rows(spot_check) -> list[dict]:
    layers = draws.strata(spot_check.snapshot)
    names = _region_names(layer["town"] for layer in layers)
    return [{**layer, "town_name": names.get(layer["town"], "")} for layer in layers]


# A district-wide check has a thousand targets: the table pages, and filters by town and state.
TARGETS_PER_PAGE = 50
TARGET_STATES = {"pending": {"result": ""},
                 "unpublished": {"published_at": None, "result__gt": ""},
                 "published": {"published_at__isnull": False}}


def _target_page(request, spot_check, focus=None) -> dict:
    """The page of targets shown; `focus` (a target whose form failed) opens its own page."""
    qs = queries.targets_of(spot_check)
    if focus is not None:
        return page_of(qs, (focus.position - 1) // TARGETS_PER_PAGE + 1, TARGETS_PER_PAGE)
    town, state = request.GET.get("town", ""), request.GET.get("state", "")
    if town:
        qs = qs.filter(town_id=town)
    if state in TARGET_STATES:
        qs = qs.filter(**TARGET_STATES[state])
    return page_of(qs, request.GET.get("tpage"), TARGETS_PER_PAGE)


def _detail(request, spot_check, *, result_forms=None, cancel_form=None, status=200):
    user = request.user
    result_forms = result_forms or {}
    focus = next(iter(result_forms.values()), None)
    page = _target_page(request, spot_check, focus and focus.target) \
        if spot_check.drawn_at else {"items": [], "count": 0}
    targets = page["items"]
    snapshot = spot_check.snapshot
    names = _names(user, [o["username"] for o in snapshot["officers"]])
    can_record = allowed(user, "spotcheck.result") and spot_check.state == "drawn"
    rows = [{"target": t, "team": [(u, names.get(u, u)) for u in t.team],
             "badge": RESULT_BADGES.get(t.result, ""),
             "form": (result_forms.get(t.pk) or ResultForm(prefix=f"t{t.pk}"))
             if can_record and not t.result else None} for t in targets]
    formed = spot_check.targets.exclude(result="")
    has_results = formed.exists()
    short = draws.short_of_officers(snapshot) if spot_check.state == "planned" else []
    return render(request, TEMPLATES + "detail.html", {
        "check": spot_check, "badge": STATE_BADGES[spot_check.state], "rows": rows,
        "amount": queries.amount_text(spot_check),
        "population": queries.population_text(
            spot_check, _region_names([(spot_check.population or {}).get("region")])),
        "strata": _strata_rows(spot_check), "population_size": len(snapshot["population"]),
        "pool": [(names.get(o["username"], o["username"]), o["card_no"])
                 for o in snapshot["officers"]],
        "short_of_officers": short,
        "can_draw": allowed(user, "spotcheck.plan") and spot_check.state == "planned",
        "can_cancel": (allowed(user, "spotcheck.plan") and spot_check.state != "cancelled"
                       and not has_results),
        "can_publish": (allowed(user, "spotcheck.publish") and spot_check.state == "drawn"
                        and formed.filter(published_at=None).exists()),
        "page": page, "town": request.GET.get("town", ""),
        "towns": spot_check.targets.order_by("town_id").values_list("town_id", "town__name")
        .distinct(),
        "state": request.GET.get("state", ""),
        "cancel_form": cancel_form or CancelForm(), "today": timezone.localdate(),
    }, status=status)


@login_required
@require_GET
def spot_check_detail(request, pk):
    return _detail(request, _spot_check(request, pk))


def _act(request, pk, action, done):
    """Run a state change; a conflict with the current state is told, not raised."""
    spot_check = _spot_check(request, pk)
    attempt(request, lambda: action(spot_check), done)
    return redirect("spot_check", spot_check.pk)


@login_required
@require_POST
def spot_check_draw(request, pk):
    return _act(request, pk, lambda s: services.draw(s, actor=request.user),
                lambda s: _("已抽取 %(n)s 个检查对象，随机种子已公开") % {"n": s.targets.count()})


@login_required
@require_POST
def spot_check_publish(request, pk):
    return _act(request, pk, lambda s: services.publish_results(s, actor=request.user),
                lambda n: _("已公示 %(n)s 条检查结果") % {"n": n})


@login_required
@require_POST
def spot_check_cancel(request, pk):
    spot_check = _spot_check(request, pk)
    form = CancelForm(request.POST)
    form.is_valid()
    try:
        services.cancel_spot_check(spot_check, form.cleaned_data.get("reason", ""),
                                   actor=request.user)
    except FieldErrors as exc:
        put_back(form, exc)
        return _detail(request, spot_check, cancel_form=form, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("抽查计划已取消"))
    return redirect("spot_check", spot_check.pk)


@login_required
@require_POST
def spot_check_result(request, pk, target_id):
    spot_check = _spot_check(request, pk)
    target = get_object_or_404(visible(Target, request.user).filter(spot_check=spot_check),
                               pk=target_id)
    form = ResultForm(request.POST, prefix=f"t{target.pk}")
    form.is_valid()
    try:
        services.record_check_result(target, form.service_data(), actor=request.user)
    except FieldErrors as exc:
        put_back(form, exc)
        form.target = target
        return _detail(request, spot_check, result_forms={target.pk: form}, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("检查结果已记录"))
    page = (target.position - 1) // TARGETS_PER_PAGE + 1
    return redirect(reverse("spot_check", args=[spot_check.pk])
                    + f"?tpage={page}#target-{target.pk}")


# --- replay -----------------------------------------------------------------------------------


@login_required
@require_GET
def spot_check_replay(request, pk):
    """复核抽取: the procedure of enforcement.draws step by step, with this draw's figures."""
    spot_check = _spot_check(request, pk)
    context = {"check": spot_check, "strata": _strata_rows(spot_check),
               "population_size": len(spot_check.snapshot["population"]),
               "pool_size": len(spot_check.snapshot["officers"]),
               "snapshot_hash": draws.snapshot_hash(spot_check.snapshot)}
    if spot_check.drawn_at is None:
        return render(request, TEMPLATES + "replay.html", context)
    result = draws.replay(spot_check)
    trace: list = []
    try:
        drawn = draws.derive(spot_check.snapshot, spot_check.seed, trace)["drawn"]
    except draws.DrawError:
        drawn = []
    producers = dict(visible(Producer, request.user)
                     .filter(pk__in=[m["id"] for m in drawn]).values_list("pk", "name"))
    towns = _region_names(m["town"] for m in drawn)
    names = _names(request.user, [o["username"] for o in spot_check.snapshot["officers"]])
    steps = []
    for n, (member, candidates) in enumerate(zip(drawn, trace, strict=True)):
        team = result["teams"][n]
        steps.append({
            "position": n + 1, "id": member["id"], "name": producers.get(member["id"], ""),
            "town": towns.get(member["town"], member["town"]), "grade": member["grade"],
            "hash": draws.target_hash(spot_check.seed, member["id"]), "team": team,
            "candidates": [c | {"name": names.get(c["username"], c["username"]),
                                "chosen": c["username"] in team} for c in candidates]})
    return render(request, TEMPLATES + "replay.html", context | {
        "result": result, "steps": steps,
        "computed_seed_hash": draws.sha256_hex(spot_check.seed)})


@login_required
@require_GET
def spot_check_snapshot(request, pk):
    """The snapshot as canonical JSON: `sha256sum` of the file is the published hash."""
    spot_check = _spot_check(request, pk)
    response = HttpResponse(draws.canonical(spot_check.snapshot),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="spot-check-{pk}-snapshot.json"'
    return response


# --- 一单两库 -----------------------------------------------------------------------------------


@login_required
@require_GET
def spot_check_population(request):
    """检查对象名录库: the producers a population filter gives, by town and credit grade
    (the new-plan form shows it live); the register itself is one link away."""
    user, params = request.user, request.GET
    region, notice = _region_param(user, params.get("region"))
    today = timezone.localdate()
    start = _date(params.get("period_start")) or today
    end = _date(params.get("period_end")) or start
    filters = {key: params.get(key, "") for key in ("kind", "certification", "credit_grade")}
    qs = queries.producers_in(user, region or user.region, period_start=start, period_end=end,
                              exclude_months=max(0, min(_int(params.get("exclude_months"))
                                                        or 0, services.MAX_EXCLUDE_MONTHS)),
                              **filters)
    rows = [] if notice else queries.population_table(qs)
    for row in rows:
        row["counts"] = [row["grades"][g] for g in GRADES]
    totals = [sum(r["grades"][g] for r in rows) for g in GRADES]
    context = {"rows": rows, "grades": GRADES, "totals": totals,
               "total": sum(r["total"] for r in rows), "notice": notice,
               "register_url": reverse("producer_list") + "?" + urlencode(
                   {k: params[k] for k in ("region", "kind", "certification") if params.get(k)})}
    if request.headers.get("HX-Request"):
        return render(request, TEMPLATES + "_population.html", context)
    return render(request, TEMPLATES + "population.html", context | {
        "regions": region_choices(user), "region": params.get("region", ""), "kinds": KINDS,
        "cert_kinds": CERT_KINDS, "credit_grades": CREDIT_GRADES, **filters,
        "exclude_months": params.get("exclude_months", ""),
        "period_start": params.get("period_start", "")})


def _date(text):
    try:
        return dt.date.fromisoformat((text or "").strip())
    except ValueError:
        return None


def _matter_form(data=None):
    return MatterForm(data, templates=ChecklistTemplate.objects.filter(active=True)
                      .order_by("code"))


def _matters_page(request, form=None, status=200):
    user = request.user
    mine = user.region.code if user.region.level == "city" else user.region.district_id
    return render(request, TEMPLATES + "matters.html", {
        "matters": queries.matters_for(user), "form": form or _matter_form(),
        "can_edit": allowed(user, "matter.edit"), "mine": mine}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def matter_list(request):
    """随机抽查事项清单: the city's lines and the district's own; keepers add and retire."""
    if request.method == "GET":
        return _matters_page(request)
    require(request.user, "matter.edit")
    form = _matter_form(request.POST)
    form.is_valid()
    try:
        matters.add_matter(form.cleaned_data, actor=request.user)
    except FieldErrors as exc:
        put_back(form, exc)
        return _matters_page(request, form, status=422)
    messages.success(request, _("抽查事项已增加"))
    return redirect("matter_list")


@login_required
@require_POST
def matter_deactivate(request, pk):
    matter = get_object_or_404(queries.matters_for(request.user), pk=pk)
    try:
        matters.deactivate_matter(matter, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("抽查事项已停用"))
    return redirect("matter_list")


@login_required
@require_GET
def officer_list(request):
    """执法检查人员名录库: card number and validity (an expired card is never drawn), grid
    duties and declared conflicts."""
    return render(request, TEMPLATES + "officers.html", {
        "rows": queries.officer_directory(request.user)})


def _conflict_form(user, data=None):
    district = user.region.district
    officers = queries.enforcement_officers(user, district) if district else User.objects.none()
    towns = queries.district_towns(district) if district else Region.objects.none()
    return ConflictForm(data, officers=officers if user.role == "district_officer" else [],
                        towns=towns)


def _conflicts_page(request, form=None, status=200):
    user = request.user
    show_all = request.GET.get("all") == "1"
    page = page_of(queries.conflicts_for(user, active_only=not show_all),
                   request.GET.get("page"), request.GET.get("page_size"))
    can_declare = allowed(user, "conflict.declare")
    return render(request, TEMPLATES + "conflicts.html", {
        "page": page, "show_all": show_all, "can_declare": can_declare,
        "form": (form or _conflict_form(user)) if can_declare else None}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def conflict_list(request):
    """回避声明: officers declare an interest in a producer or a town, and withdraw it."""
    if request.method == "GET":
        return _conflicts_page(request)
    require(request.user, "conflict.declare")
    form = _conflict_form(request.user, request.POST)
    form.is_valid()
    try:
        services.declare_conflict(form.cleaned_data, actor=request.user)
    except FieldErrors as exc:
        put_back(form, exc)
        return _conflicts_page(request, form, status=422)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("回避声明已登记"))
    return redirect("conflict_list")


@login_required
@require_POST
def conflict_withdraw(request, pk):
    declaration = get_object_or_404(queries.conflicts_for(request.user), pk=pk)
    try:
        services.withdraw_conflict(declaration, actor=request.user)
    except Conflict as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("回避声明已撤回"))
    return redirect("conflict_list")
