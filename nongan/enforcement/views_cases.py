"""Penalty-case pages (行政处罚案件): the district's list, opening a case from its source,
one case with its steps, documents, time limits and publication, and each document ready
to print.

Thin views: every read goes through `visible(...)` (another district's case is a 404 on
every page and print), every write through `services.cases`, whose `FieldErrors` show
beside the fields and whose `Conflict` shows with a 409.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, sort_headers, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.inspections.models import Inspection
from nongan.monitoring.models import Sample
from nongan.producers.models import Producer
from nongan.producers.queries import region_choices
from nongan.regions.models import Region

from . import case_rules as rules
from .case_queries import EXPORT_HEADERS, SORT_FIELDS, cases_for, export_rows, notice_state
from .forms_cases import CaseFilterForm, CaseForm, PublishForm, StepForm, WithdrawForm
from .models import Case, PenaltyNotice, Target
from .services import cases as services

PAGE_SIZES = [20, 50, 100, 200]
STAGE_BADGES = {"registered": "warn", "investigation": "warn", "notice": "warn",
                "hearing": "warn", "decision": "bad", "service": "bad", "execution": "bad",
                "closed": "ok", "revoked": ""}
DEADLINE_BADGES = {"done": "ok", "passed": "", "ended": "", "ok": "ok", "warn": "warn",
                   "bad": "bad"}


# --- the list -----------------------------------------------------------------------------------

@login_required
@require_GET
def case_list(request):
    user, params = request.user, request.GET
    form = CaseFilterForm(params)
    form.is_valid()
    filters = {k: form.cleaned_data.get(k) for k in ("stage", "source", "party", "q",
                                                      "date_from", "date_to", "overdue",
                                                      "sort")}
    notice = None
    code = (params.get("region") or "").strip()
    if code and not visible(Region, user).filter(code=code).exists():
        qs, notice = Case.objects.none(), _("区域不存在或不在辖区内")
    else:
        qs = cases_for(user, filters | {"region": code})
    if params.get("format") == "xlsx":
        return xlsx_response(_("行政处罚案件") + ".xlsx", EXPORT_HEADERS, export_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    today = timezone.localdate()
    late = {a["case"].pk for a in rules.case_alerts(user, today) if a["due"] < today}
    rows = [{"case": c, "badge": STAGE_BADGES.get(c.stage, ""), "late": c.pk in late,
             "days_left": rules.days_left(c.decision_due, today)} for c in result["items"]]
    return render(request, "enforcement/cases/list.html", {
        "form": form, "result": result, "rows": rows, "notice": notice,
        "sort": sort_headers(filters["sort"], SORT_FIELDS), "sort_value": filters["sort"],
        "stages": Case.STAGES, "sources": Case.SOURCES, "params": params,
        "regions": region_choices(user), "region": code, "page_sizes": PAGE_SIZES,
        "can_open": allowed(user, "case.open")})


# --- opening a case -----------------------------------------------------------------------------

def _prefill(request) -> tuple[dict, str]:
    """?target=ID, ?sample=NO, ?inspection=ID: the source chosen, and what it is."""
    user, params = request.user, request.GET
    if params.get("target", "").isdigit():
        target = visible(Target, user).select_related("producer", "spot_check").filter(
            pk=params["target"]).first()
        if target:
            return ({"source": "spot_check", "target": target.pk, "party": target.producer_id,
                     "facts": target.result_note},
                    f"{target.spot_check.title}：{target.producer.name}")
    if params.get("sample"):
        sample = visible(Sample, user).select_related("producer").filter(
            sample_no=params["sample"]).first()
        if sample:
            failed = "、".join(sample.results.filter(current=True, status__in=(
                "over_limit", "banned_detected", "positive")).values_list("analyte", flat=True))
            return ({"source": "sample", "sample": sample.sample_no,
                     "party": sample.producer_id,
                     "title": "涉嫌销售不符合农产品质量安全标准的农产品案",
                     "facts": f"{timezone.localtime(sample.sampled_at):%Y年%m月%d日}抽检当事人的"
                              f"{sample.product}"
                              f"（样品编号{sample.sample_no}），检测不合格：{failed}。"},
                    f"{sample.sample_no} {sample.producer.name} {sample.product}")
    if params.get("inspection", "").isdigit():
        inspection = visible(Inspection, user).select_related("producer").filter(
            pk=params["inspection"]).first()
        if inspection:
            return ({"source": "inspection", "inspection": inspection.pk,
                     "party": inspection.producer_id},
                    f"{timezone.localtime(inspection.finished_at):%Y-%m-%d} "
                    f"{inspection.producer.name}")
    if params.get("party", "").isdigit():
        return {"source": "other", "party": int(params["party"])}, ""
    return {"source": "complaint"}, ""


@login_required
@require_http_methods(["GET", "POST"])
def case_new(request):
    user = request.user
    require(user, "case.open")
    district = user.region.district_id
    status = 200
    if request.method == "POST":
        form = CaseForm(request.POST, district_id=district)
        form.is_valid()
        try:
            case = services.open_case(form.service_data(), actor=user)
        except FieldErrors as exc:
            for loc, message in exc.errors:
                name = str(loc[0]) if loc else None
                form.add_error(name if name in form.fields else None, message)
            status = 422
        except Conflict as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, _("已立案，案件编号 %(no)s") % {"no": case.case_no})
            return redirect("case", case.pk)
        described = ""
        lead = None
    else:
        initial, described = _prefill(request)
        link = LEAD_FIELDS.get(initial.get("source"))
        lead = {"source": initial["source"], "field": link, "value": initial[link]} \
            if link else None
        form = CaseForm(initial=initial | {"officers": [user.username],
                                           "opened_on": timezone.localdate()},
                        district_id=district)
    parties = (visible(Producer, user).filter(active=True).order_by("name")
               .values_list("pk", "name")[:300])
    return render(request, "enforcement/cases/new.html", {
        "form": form, "described": described, "parties": parties, "lead": lead},
        status=status)


LEAD_FIELDS = {"spot_check": "target", "sample": "sample", "inspection": "inspection"}


@login_required
@require_POST
def case_decline(request):
    """不予立案: the lead leaves the to-do list with the reason recorded."""
    data = {k: request.POST.get(k, "") for k in ("source", "reason", *LEAD_FIELDS.values())}
    link = LEAD_FIELDS.get(data["source"])
    back = f"{reverse('case_new')}?{link}={data[link]}" if link else reverse("case_new")
    try:
        services.decline_lead(data, actor=request.user)
    except (FieldErrors, Conflict) as exc:
        text = "；".join(exc.by_field().values()) if isinstance(exc, FieldErrors) else str(exc)
        messages.error(request, text)
        return redirect(back)
    messages.success(request, _("已决定不予立案，理由已记录"))
    return redirect("todo")


# --- one case -----------------------------------------------------------------------------------

def step_summary(step) -> list[tuple[str, str]]:
    """What a step recorded, as the timeline lists it: (label, value) pairs."""
    d = step.details
    penalties = "；".join(services.penalty_text(p) for p in d.get("penalties") or [])
    rows = {
        "registered": [(_("作出决定期限"), d.get("decision_due"))],
        "investigation": [(_("证据"), "、".join(d.get("evidence") or [])),
                          (_("调查人员"), "、".join(map(str, services.officer_users(
                              d.get("officers"))))), (_("备注"), d.get("note"))],
        "notice": [(_("拟处罚"), penalties), (_("听证申请期限"), d.get("hearing_ask_by"))],
        "hearing_request": [(_("听证日期"), d.get("hearing_on")), (_("地点"), d.get("place")),
                            (_("主持人"), d.get("host"))],
        "hearing": [(_("主持人"), d.get("host")), (_("听证情况"), d.get("summary"))],
        "extension": [(_("理由"), d.get("reason")),
                      (_("期限"), f"{d.get('due_before')} → {d.get('due_after')}"),
                      (_("批准"), f"{d.get('approval_label')} {d.get('approver')}")],
        "decision": [(_("处罚"), penalties), (_("罚款（元）"), d.get("fine")),
                     (_("严重违法"), _("是") if d.get("serious") else _("否"))],
        "service": [(_("送达方式"), d.get("method")), (_("受送达人"), d.get("recipient")),
                    (_("缴款期限"), d.get("payment_due")),
                    (_("逾期送达"), _("是") if d.get("late") else "")],
        "payment": [(_("缴款（元）"), d.get("amount")), (_("加处罚款（元）"), d.get("surcharge")),
                    (_("累计已缴（元）"), d.get("paid_total")),
                    (_("尚欠（元）"), d.get("outstanding"))],
        "execution": [(_("执行方式"), d.get("measure")), (_("执行情况"), d.get("text"))],
        "closed": [(_("结案意见"), d.get("summary"))],
        "revoked": [(_("撤销理由"), d.get("reason")), (_("撤下公示期限"), d.get("withdraw_due"))],
    }.get(step.kind, [])
    return [(label, value) for label, value in rows if value not in (None, "", "None")]


def _case(request, pk) -> Case:
    return get_object_or_404(
        visible(Case, request.user).select_related("party", "district", "town", "village",
                                                    "target__spot_check", "sample",
                                                    "inspection", "follow_up", "created_by"),
        pk=pk)


def _detail(request, case, *, step_form=None, publish_form=None, withdraw_form=None,
            error="", status=200):
    user = request.user
    today = timezone.localdate()
    steps = list(case.steps.select_related("recorded_by").order_by("occurred_on", "pk"))
    notice = PenaltyNotice.objects.filter(case=case).select_related("published_by").first()
    can_act = allowed(user, "case.act")
    forms = []
    if can_act:
        for kind in services.next_kinds(case, steps):
            if step_form is not None and step_form.kind == kind:
                forms.append(step_form)
            else:
                forms.append(StepForm(kind=kind, case=case))
    deadlines = rules.deadlines(case, steps, notice, today)
    for row in deadlines:
        row["badge"] = DEADLINE_BADGES[row["state"]]
    can_publish = (allowed(user, "case.publish") and notice is not None
                   and not notice.published_at and case.stage != "revoked")
    preview = notice.content if notice and notice.published_at else (
        services.notice_content(case) if notice else None)
    return render(request, "enforcement/cases/detail.html", {
        "case": case, "steps": [{"step": s, "label": services.STEP_LABELS.get(s.kind, s.kind),
                                 "summary": step_summary(s)} for s in steps],
        "deadlines": deadlines, "forms": forms, "can_act": can_act, "error": error,
        "officers": services.officer_users(case.officers),
        "surcharge": rules.surcharge(case.fine, case.payment_due, today)
        if case.payment_due and not rules.paid_in_full(case) else None,
        "notice": notice, "preview": preview, "notice_state": notice_state(notice),
        "can_publish": can_publish,
        "can_withdraw": allowed(user, "case.publish") and notice is not None
        and notice.published_at and not notice.withdrawn_at,
        "publish_form": publish_form or PublishForm(serious=case.serious),
        "withdraw_form": withdraw_form or WithdrawForm(),
        "penalty_kinds": services.PENALTY_KINDS,
        "badge": STAGE_BADGES.get(case.stage, ""),
        "can_see_party": visible(Producer, user).filter(pk=case.party_id).exists(),
    }, status=status)


@login_required
@require_GET
def case_detail(request, pk):
    return _detail(request, _case(request, pk))


@login_required
@require_POST
def case_step(request, pk):
    case = _case(request, pk)
    require(request.user, "case.act")
    kind = request.POST.get("kind", "")
    if kind not in services.STEP_KINDS:
        return _detail(request, case, error=_("未知的办案环节"), status=422)
    form = StepForm(request.POST, kind=kind, case=case)
    form.is_valid()
    try:
        recorded = services.record_step(case, form.service_data(), actor=request.user)
    except FieldErrors as exc:
        form.show_errors(exc.errors)
        return _detail(request, _case(request, pk), step_form=form, status=422)
    except Conflict as exc:
        return _detail(request, _case(request, pk), error=str(exc), status=409)
    done = _("已记录：%(kind)s") % {"kind": services.STEP_LABELS[kind]}
    if recorded.doc_no:
        done += _("，文书编号 %(no)s") % {"no": recorded.doc_no}
    messages.success(request, done)
    return redirect(reverse("case", args=[case.pk]) + f"#step-{recorded.pk}")


@login_required
@require_POST
def case_notice(request, pk):
    case = _case(request, pk)
    require(request.user, "case.publish")
    form = PublishForm(request.POST, serious=case.serious)
    form.is_valid()
    try:
        services.publish_notice(case, form.cleaned_data, actor=request.user)
    except FieldErrors as exc:
        for loc, message in exc.errors:
            form.add_error("display_months" if loc and loc[0] == "display_months" else None,
                           message)
        return _detail(request, _case(request, pk), publish_form=form, status=422)
    except Conflict as exc:
        return _detail(request, _case(request, pk), error=str(exc), status=409)
    messages.success(request, _("处罚决定已公示"))
    return redirect(reverse("case", args=[case.pk]) + "#notice")


@login_required
@require_POST
def case_notice_withdraw(request, pk):
    case = _case(request, pk)
    require(request.user, "case.publish")
    form = WithdrawForm(request.POST)
    form.is_valid()
    try:
        services.withdraw_notice(case, form.cleaned_data.get("reason", ""), actor=request.user)
    except FieldErrors as exc:
        for message in exc.by_field().values():
            form.add_error("reason", message)
        return _detail(request, _case(request, pk), withdraw_form=form, status=422)
    except Conflict as exc:
        return _detail(request, _case(request, pk), error=str(exc), status=409)
    messages.success(request, _("公示已撤下"))
    return redirect(reverse("case", args=[case.pk]) + "#notice")


@login_required
@require_GET
def case_step_print(request, pk, step_id):
    """A step's document as issued, on A4 (the stored, frozen copy — never re-rendered)."""
    case = _case(request, pk)
    step = get_object_or_404(case.steps.exclude(document=""), pk=step_id)
    return render(request, "enforcement/cases/print.html", {"case": case, "step": step})
