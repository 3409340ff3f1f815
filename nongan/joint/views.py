"""Referral and joint-inspection pages (案件移送, 联合检查): the lists (filters, paging, Excel),
one referral with its time limits, documents, answers and forms, the 移送 form of a case,
document downloads, and the joint inspections.

Thin: reads go through `visible(...)` (another district's record is a 404 on every page,
POST and download), writes through `services`, whose FieldErrors show beside the fields
(422) and whose Conflict shows above the form (409)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require, sees_personal_data
from nongan.core.scoping import visible
from nongan.enforcement.models import Case, SpotCheck
from nongan.exchange.models import Agency

from . import deadlines, letters, queries, services
from .forms import (
    AnswerForm,
    DocumentForm,
    HandoverForm,
    JointInspectionForm,
    LinkForm,
    ReferralForm,
)
from .models import KINDS, STATES, JointInspection, Referral, ReferralDocument

PAGE_SIZES = [20, 50, 100, 200]
STATE_BADGES = {"sent": "warn", "received": "warn", "accepted": "info", "declined": "bad",
                "closed": "ok"}
DEADLINE_BADGES = {"done": "ok", "late": "warn", "ok": "ok", "warn": "warn", "bad": "bad",
                   "passed": ""}


# --- referrals: the list ------------------------------------------------------------------------

@login_required
@require_GET
def referral_list(request):
    user, params = request.user, request.GET
    filters = queries.valid_filters(params)
    qs = queries.referrals_for(user, filters)
    if params.get("format") == "xlsx":
        return xlsx_response(_("案件移送") + ".xlsx", queries.EXPORT_HEADERS,
                             queries.export_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    today = timezone.localdate()
    rows = [{"referral": r, "badge": STATE_BADGES[r.state],
             "overdue": deadlines.answer_overdue(r, today)} for r in result["items"]]
    return render(request, "joint/referral_list.html", {
        "result": result, "rows": rows, "filters": filters, "page_sizes": PAGE_SIZES,
        "states": [("open", _("未办结")), *STATES], "kinds": KINDS,
        "agencies": visible(Agency, user).order_by("kind", "name")})


# --- one referral -------------------------------------------------------------------------------

def _referral(request, pk) -> Referral:
    return get_object_or_404(queries.referrals_for(request.user).select_related("created_by"),
                             pk=pk)


def _detail(request, referral, *, answer_form=None, document_form=None, handover_form=None,
            error="", status=200):
    user = request.user
    today = timezone.localdate()
    rows = deadlines.deadlines(referral, today)
    for row in rows:
        row["badge"] = DEADLINE_BADGES[row["state"]]
    next_answers = [to for to, after in services.ANSWERS.items() if referral.state in after]
    can_send = allowed(user, "referral.send")
    can_handover = (can_send and deadlines.limit(referral.kind, "handover") is not None
                    and referral.accepted_on is not None and not referral.handed_over_on)
    return render(request, "joint/referral_detail.html", {
        "referral": referral, "case": referral.case, "badge": STATE_BADGES[referral.state],
        "deadlines": rows, "overdue": deadlines.answer_overdue(referral, today),
        "documents": referral.documents.select_related("uploaded_by").order_by("pk"),
        "answers": referral.answers.select_related("recorded_by", "api_key", "document")
        .order_by("letter_on", "pk"),
        "can_answer": allowed(user, "referral.answer") and bool(next_answers),
        "answer_form": answer_form or AnswerForm(choices=next_answers,
                                                 initial={"on": today}),
        "can_send": can_send, "document_form": document_form or DocumentForm(),
        "can_handover": can_handover,
        "handover_form": handover_form or HandoverForm(initial={"on": today}),
        "error": error,
    }, status=status)


@login_required
@require_GET
def referral_detail(request, pk):
    return _detail(request, _referral(request, pk))


def _failed(request, pk, exc, form_name, form):
    if isinstance(exc, FieldErrors):
        form.show_errors(exc.errors)
        return _detail(request, _referral(request, pk), **{form_name: form}, status=422)
    return _detail(request, _referral(request, pk), error=str(exc), status=409)


@login_required
@require_POST
def referral_answer(request, pk):
    referral = _referral(request, pk)
    require(request.user, "referral.answer")
    form = AnswerForm(request.POST, request.FILES)
    form.is_valid()
    data = {k: form.cleaned_data.get(k) for k in ("state", "on", "letter_no", "text")}
    if "on" in form.errors:
        data["on"] = request.POST.get("on")
    try:
        services.record_answer(referral, data, actor=request.user,
                               scan=request.FILES.get("scan"))
    except (FieldErrors, Conflict) as exc:
        return _failed(request, pk, exc, "answer_form", form)
    messages.success(request, _("已记录对方回复：%(state)s") % {
        "state": services.STATE_LABELS[data["state"]]})
    return redirect(reverse("referral", args=[referral.pk]) + "#answers")


@login_required
@require_POST
def referral_document_add(request, pk):
    referral = _referral(request, pk)
    require(request.user, "referral.send")
    form = DocumentForm(request.POST, request.FILES)
    form.is_valid()
    try:
        services.add_document(referral, request.FILES.get("file"),
                              {"kind": form.cleaned_data.get("kind") or request.POST.get("kind"),
                               "name": form.cleaned_data.get("name")}, actor=request.user)
    except (FieldErrors, Conflict) as exc:
        return _failed(request, pk, exc, "document_form", form)
    messages.success(request, _("材料已上传"))
    return redirect(reverse("referral", args=[referral.pk]) + "#documents")


@login_required
@require_POST
def referral_handover(request, pk):
    referral = _referral(request, pk)
    require(request.user, "referral.send")
    form = HandoverForm(request.POST)
    form.is_valid()
    data = {"on": form.cleaned_data.get("on") or request.POST.get("on"),
            "note": form.cleaned_data.get("note")}
    try:
        services.record_handover(referral, data, actor=request.user)
    except (FieldErrors, Conflict) as exc:
        return _failed(request, pk, exc, "handover_form", form)
    messages.success(request, _("已记录涉案物品移交"))
    return redirect(reverse("referral", args=[referral.pk]) + "#deadlines")


def document_response(document: ReferralDocument, user) -> HttpResponse:
    """The stored file of a document the caller already found in scope; a missing file is a
    404 like a missing record. The 移送书 we made holds the party's full ID number: a reader
    the personal-data rule keeps from it gets the letter made again with the number masked."""
    referral = document.referral
    if document.generated and document.kind == "letter" and not sees_personal_data(
            user, referral.case.party):
        response = HttpResponse(letters.referral_pdf(referral, user),
                                content_type=document.content_type)
    else:
        try:
            handle = document.file.open("rb")
        except (FileNotFoundError, OSError, ValueError):
            raise Http404 from None
        response = FileResponse(handle, content_type=document.content_type)
    extension = document.file.name.rsplit(".", 1)[-1]
    name = document.name if document.name.endswith(f".{extension}") else \
        f"{document.name}.{extension}"
    response["Content-Disposition"] = content_disposition_header(False, name)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_GET
def referral_document(request, pk):
    document = get_object_or_404(visible(ReferralDocument, request.user), pk=pk)
    return document_response(document, request.user)


# --- referring a case ---------------------------------------------------------------------------

@login_required
@require_http_methods(["GET", "POST"])
def case_referral_new(request, pk):
    """移送 form of one case (the case page shows it too); errors come back here."""
    case = get_object_or_404(visible(Case, request.user).select_related("party"), pk=pk)
    require(request.user, "referral.send")
    status = 200
    if request.method == "POST":
        form = ReferralForm(request.POST, user=request.user)
        form.is_valid()
        try:
            referral = services.refer_case(case, form.service_data(), actor=request.user)
        except FieldErrors as exc:
            form.show_errors(exc.errors)
            status = 422
        except Conflict as exc:
            form.add_error(None, str(exc))
            status = 409
        else:
            messages.success(request, _("已移送，移送书编号 %(no)s") % {
                "no": referral.referral_no})
            return redirect("referral", referral.pk)
    else:
        form = ReferralForm(user=request.user)
    return render(request, "joint/referral_new.html", {
        "case": case, "form": form, "kind_defaults": deadlines.kind_defaults()},
        status=status)


# --- joint inspections --------------------------------------------------------------------------

@login_required
@require_GET
def joint_list(request):
    user, params = request.user, request.GET
    agency = str(params.get("agency") or "")
    filters = {"agency": int(agency) if agency.isdigit() else None,
               "q": str(params.get("q") or "").strip()[:60]}
    qs = queries.joint_inspections_for(user, filters)
    if params.get("format") == "xlsx":
        return xlsx_response(_("联合检查") + ".xlsx", queries.JOINT_HEADERS,
                             queries.joint_export_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    return render(request, "joint/joint_list.html", {
        "result": result, "filters": filters, "page_sizes": PAGE_SIZES,
        "agencies": visible(Agency, user).order_by("kind", "name"),
        "can_record": allowed(user, "joint.record")})


@login_required
@require_http_methods(["GET", "POST"])
def joint_new(request):
    user = request.user
    require(user, "joint.record")
    status = 200
    if request.method == "POST":
        form = JointInspectionForm(request.POST, user=user,
                                   linked=request.POST.getlist("inspections"))
        form.is_valid()
        try:
            joint = services.record_joint_inspection(form.service_data(), actor=user)
        except FieldErrors as exc:
            form.show_errors(exc.errors)
            status = 422
        else:
            messages.success(request, _("联合检查已登记"))
            return redirect("joint_inspection", joint.pk)
    else:
        initial = {}
        inspection = request.GET.get("inspection", "")
        if inspection.isdigit():
            initial["inspections"] = [int(inspection)]
        if request.GET.get("spot_check", "").isdigit():
            initial["spot_check"] = int(request.GET["spot_check"])
        form = JointInspectionForm(initial=initial, user=user,
                                   linked=initial.get("inspections", []))
    return render(request, "joint/joint_new.html", {"form": form}, status=status)


def _joint(request, pk) -> JointInspection:
    return get_object_or_404(queries.joint_inspections_for(request.user)
                             .select_related("created_by"), pk=pk)


def _joint_detail(request, joint, *, link_form=None, error="", status=200):
    user = request.user
    return render(request, "joint/joint_detail.html", {
        "joint": joint, "participants": joint.participants.all(),
        "inspections": visible(joint.inspections.all(), user).select_related("producer")
        .order_by("-finished_at"),
        "spot_check_visible": bool(joint.spot_check_id) and visible(SpotCheck, user).filter(
            pk=joint.spot_check_id).exists(),
        "can_link": allowed(user, "joint.record"),
        "link_form": link_form or LinkForm(user=user), "error": error}, status=status)


@login_required
@require_GET
def joint_detail(request, pk):
    return _joint_detail(request, _joint(request, pk))


@login_required
@require_POST
def joint_link(request, pk):
    joint = _joint(request, pk)
    require(request.user, "joint.record")
    form = LinkForm(request.POST, user=request.user)
    form.is_valid()
    try:
        services.link_inspection(joint, form.service_data(), actor=request.user)
    except FieldErrors as exc:
        form.show_errors(exc.errors)
        return _joint_detail(request, _joint(request, pk), link_form=form, status=422)
    except Conflict as exc:
        return _joint_detail(request, _joint(request, pk), error=str(exc), status=409)
    messages.success(request, _("已关联"))
    return redirect("joint_inspection", joint.pk)
