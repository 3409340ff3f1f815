import datetime as dt
import uuid

from django.db.models import Prefetch
from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of
from nongan.core.permissions import require
from nongan.core.scoping import visible
from nongan.people.models import Organisation, User
from nongan.regions.models import Region

from . import deadlines, limits, queries, services
from .models import FollowUp, FollowUpNote, MonitoringPlan, MonthlySummary, Sample

router = Router(tags=["monitoring"])


class QuotaIn(Schema):
    district: str
    category: str
    count: int


class PlanIn(Schema):
    name: str
    kind: str
    starts_on: dt.date
    ends_on: dt.date
    analytes: list[str]
    lab: int | None = None
    quotas: list[QuotaIn] = []


class Location(Schema):
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)
    accuracy_m: float | None = Field(default=None, ge=0)


class PesticideUse(Schema):
    pesticide: str
    dose: str = ""
    applied_on: dt.date | None = None


class SampleIn(Schema):
    uuid: uuid.UUID
    plan: int | None = None
    kind: str
    lab: int | None = None
    producer: int
    plot: str | None = None
    product: str
    variety: str = ""
    quantity: str = ""
    sampled_at: dt.datetime
    location: Location | None = None
    pesticides_used: list[PesticideUse] = []
    analytes: list[str] = []
    photos: list[uuid.UUID] = []
    co_samplers: list[str] = []
    party_signature: uuid.UUID | None = None
    refusal: str = ""
    confirms: str | None = None


class ResultIn(Schema):
    analyte: str
    value: float | str | None = None
    unit: str = "mg/kg"
    lod: float | str | None = None
    method: str = ""
    outcome: str = ""


class ResultsIn(Schema):
    results: list[ResultIn]
    reason: str = ""


class RetestIn(Schema):
    lab: int


class TextIn(Schema):
    text: str


class MonthIn(Schema):
    month: str


def plan_dict(plan: MonitoringPlan, user, rows=None) -> dict:
    """The plan with its progress (`rows`, when a page's were read at once)."""
    rows = queries.plan_progress(plan, user) if rows is None else rows
    return {"id": plan.pk, "name": plan.name, "level": plan.level, "kind": plan.kind,
            "region": plan.region_id, "starts_on": plan.starts_on, "ends_on": plan.ends_on,
            "analytes": plan.analytes, "lab": plan.lab_id,
            "lab_name": plan.lab.name if plan.lab else "",
            "quotas": [{"district": r["district"].code, "district_name": r["district"].name,
                        "category": r["category"], "count": r["quota"], "taken": r["taken"],
                        "compliant": r["compliant"], "non_compliant": r["non_compliant"],
                        "incomplete": r["incomplete"]} for r in rows],
            "progress": queries.progress_totals(rows)}


def result_dict(r) -> dict:
    return {"analyte": r.analyte, "value": _num(r.value), "unit": r.unit, "lod": _num(r.lod),
            "method": r.method, "status": r.status, "mrl": _num(r.mrl),
            "matched_food": r.matched_food, "standard": r.standard,
            "note": r.basis.get("message", ""), "entered_at": r.entered_at,
            "corrects": bool(r.supersedes_id), "reason": r.reason}


def _num(value):
    return None if value is None else float(value)


def sample_dict(s: Sample, ask_by: dict | None = None) -> dict:
    """The sample (`ask_by`: a page's re-test deadlines, when they were read at once)."""
    return {
        "uuid": str(s.uuid), "sample_no": s.sample_no, "plan": s.plan_id, "kind": s.kind,
        "lab": s.lab_id, "lab_name": s.lab.name, "producer": s.producer_id,
        "producer_name": s.producer.name, "plot": s.plot.plot_no if s.plot else None,
        "product": s.product, "variety": s.variety, "category": s.category,
        "quantity": s.quantity, "sampled_at": s.sampled_at,
        "location": ({"lon": s.lon, "lat": s.lat, "accuracy_m": s.accuracy_m}
                     if s.lon is not None else None),
        "location_check": s.location_check, "pesticides_used": s.pesticides_used,
        "analytes": s.analytes, "photos": [str(p.pk) for p in s.photos.all()],
        "sampler": s.sampler.username,
        "co_samplers": [u.username for u in s.co_samplers.all()], "refusal": s.refusal,
        "flags": s.flags, "results_due": s.results_due, "received_at": s.received_at,
        "verdict": s.verdict, "standard": s.standard.label if s.standard else None,
        "completed_at": s.completed_at, "report": bool(s.report),
        "notified_at": s.notified_at,
        "retest_ask_by": ask_by[s.pk] if ask_by is not None else deadlines.retest_ask_by(s),
        "retest_of": s.retest_of.sample_no if s.retest_of else None,
        "confirms": s.confirms.sample_no if s.confirms else None,
        "results": [result_dict(r) for r in s.results.all() if r.current],
    }


def _samples(user):
    return (visible(Sample, user)
            .select_related("producer", "lab", "plot", "sampler", "standard", "retest_of",
                            "confirms")
            .prefetch_related("photos", "co_samplers", "results"))


def _sample(request, sample_no) -> Sample:
    return get_object_or_404(_samples(request.auth), sample_no=sample_no)


def _judged(sample: Sample) -> dict:
    return {"sample_no": sample.sample_no, "verdict": sample.verdict,
            "standard": sample.standard.label if sample.standard else None,
            "results": [result_dict(r) for r in sample.results.filter(current=True)]}


@router.get("/monitoring-plans", response=dict)
def list_plans(request, kind: str = "", page: int = 1, page_size: int = 50):
    qs = queries.plans_for(request.auth)
    if kind:
        qs = qs.filter(kind=kind)
    found = page_of(qs, page, page_size)
    progress = queries.plans_progress(found["items"], request.auth)
    return {"count": found["count"],
            "items": [plan_dict(p, request.auth, progress[p.pk]) for p in found["items"]]}


@router.post("/monitoring-plans", response={201: dict})
def create_plan(request, body: PlanIn):
    plan = services.create_plan(body.dict(), actor=request.auth)
    return Status(201, plan_dict(plan, request.auth))


@router.get("/monitoring-plans/{plan_id}", response=dict)
def get_plan(request, plan_id: int):
    return plan_dict(get_object_or_404(queries.plans_for(request.auth), pk=plan_id),
                     request.auth)


@router.post("/samples", response={200: dict, 201: dict})
def submit_sample(request, body: SampleIn):
    sample, created = services.submit_sample(body.dict(), actor=request.auth)
    return Status(201 if created else 200, sample_dict(_samples(request.auth).get(pk=sample.pk)))


@router.get("/samples", response=dict)
def list_samples(request, region: str = "", kind: str = "", verdict: str = "",
                 plan: int | None = None, producer: int | None = None, product: str = "",
                 category: str = "", q: str = "", date_from: dt.date | None = None,
                 date_to: dt.date | None = None, overdue: bool = False, sort: str = "",
                 page: int = 1, page_size: int = 50):
    filters = {"region": region, "kind": kind, "verdict": verdict, "plan": plan,
               "producer": producer, "product": product, "category": category, "q": q,
               "date_from": date_from, "date_to": date_to, "overdue": overdue, "sort": sort}
    qs = queries.samples_for(request.auth, filters).prefetch_related(
        "photos", "co_samplers", "results").select_related("plot", "sampler", "retest_of",
                                                           "confirms")
    found = page_of(qs, page, page_size)
    ask_by = deadlines.retest_ask_by_each(found["items"])
    return {"count": found["count"], "items": [sample_dict(s, ask_by) for s in found["items"]]}


@router.get("/samples/{sample_no}", response=dict)
def get_sample(request, sample_no: str):
    return sample_dict(_sample(request, sample_no))


@router.post("/samples/results/import", response=dict)
def import_results(request, file: File[UploadedFile]):
    """导入LIMS结果 (.xlsx/.csv: sample_no, analyte, value, unit, lod, method); all or
    nothing, errors as {"loc": ["file", row, column], "msg"}."""
    return services.import_lab_results(file, actor=request.auth)


@router.post("/samples/{sample_no}/results", response=dict)
def post_results(request, sample_no: str, body: ResultsIn):
    """录入检测结果: answers each judgement and the sample's verdict."""
    sample = services.record_results(_sample(request, sample_no),
                                     [r.dict() for r in body.results], actor=request.auth,
                                     reason=body.reason)
    return _judged(sample)


@router.post("/samples/{sample_no}/report", response={201: dict})
def post_report(request, sample_no: str, report: File[UploadedFile], reason: Form[str] = ""):
    sample = services.upload_report(_sample(request, sample_no), report, actor=request.auth,
                                    reason=reason)
    return Status(201, {"sample_no": sample.sample_no, "sha256": sample.report_sha256,
                        "uploaded_at": sample.report_uploaded_at})


@router.get("/samples/{sample_no}/report")
def get_report(request, sample_no: str):
    sample = _sample(request, sample_no)
    if not sample.report:
        raise FieldErrors({"report": "尚未上传检测报告"}, prefix=("path",))
    return FileResponse(sample.report.open("rb"), content_type="application/pdf",
                        filename=f"{sample.sample_no}.pdf")


@router.post("/samples/{sample_no}/receive", response=dict)
def receive(request, sample_no: str):
    return sample_dict(services.receive_sample(_sample(request, sample_no), actor=request.auth))


@router.post("/samples/{sample_no}/notify", response=dict)
def notify_party(request, sample_no: str):
    services.notify_party(_sample(request, sample_no), actor=request.auth)
    return sample_dict(_sample(request, sample_no))


@router.post("/samples/{sample_no}/retest", response={201: dict})
def retest(request, sample_no: str, body: RetestIn):
    created = services.request_retest(_sample(request, sample_no), lab_id=body.lab,
                                      actor=request.auth)
    return Status(201, sample_dict(_samples(request.auth).get(pk=created.pk)))


@router.get("/sampling-kit", response=dict)
def sampling_kit(request):
    """What the field app keeps for sampling offline: open plans, labs, foods, the fellow
    samplers with enforcement cards, and the inputs recorded at each producer."""
    user = request.auth
    today = timezone.localdate()
    plans = queries.plans_for(user).filter(ends_on__gte=today - dt.timedelta(days=7))
    standard = limits.standard_in_force(today)
    colleagues = visible(User, user).filter(is_active=True, role="enforcement_officer",
                                            enforcement_card_valid_to__gte=today)
    if user.region.level != "city":
        colleagues = colleagues.filter(region__district=user.region.district_id)
    return {
        "kinds": sorted(services.SAMPLERS.get(user.role, set())),
        "plans": [{"id": p.pk, "name": p.name, "kind": p.kind, "lab": p.lab_id,
                   "analytes": p.analytes, "starts_on": p.starts_on, "ends_on": p.ends_on}
                  for p in plans],
        "labs": [{"id": o.pk, "name": o.name} for o in Organisation.objects.filter(kind="lab")],
        "foods": limits.food_names(standard) if standard else [],
        "standard": standard.label if standard else None,
        "samplers": [{"username": u.username, "name": str(u),
                      "card_no": u.enforcement_card_no} for u in colleagues[:200]],
        "inputs": queries.recorded_inputs(user),
    }


def _follow_ups(user):
    return queries.follow_ups_for(user).prefetch_related(
        Prefetch("notes", FollowUpNote.objects.select_related("author")))


@router.get("/follow-ups", response=dict)
def list_follow_ups(request, state: str = "", page: int = 1, page_size: int = 50):
    qs = _follow_ups(request.auth)
    if state:
        qs = qs.filter(state=state)
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [follow_up_dict(f) for f in found["items"]]}


def follow_up_dict(f: FollowUp) -> dict:
    return {"id": f.pk, "sample_no": f.sample.sample_no, "producer": f.producer_id,
            "producer_name": f.producer.name, "state": f.state, "opened_at": f.opened_at,
            "proposed_at": f.proposed_at, "closed_at": f.closed_at, "notified": f.notified,
            "traced_inputs": f.traced_inputs,
            "notes": [{"kind": n.kind, "text": n.text, "at": n.at,
                       "author": n.author.username if n.author else None}
                      for n in f.notes.all()]}


def _follow_up(request, pk) -> FollowUp:
    return get_object_or_404(_follow_ups(request.auth), pk=pk)


# A step's answer is the follow-up read again: its notes are read with the follow-up.
@router.post("/follow-ups/{pk}/notes", response={201: dict})
def follow_up_note(request, pk: int, body: TextIn):
    services.add_note(_follow_up(request, pk), body.text, actor=request.auth)
    return Status(201, follow_up_dict(_follow_up(request, pk)))


@router.post("/follow-ups/{pk}/propose", response=dict)
def follow_up_propose(request, pk: int, body: TextIn):
    services.propose_case(_follow_up(request, pk), body.text, actor=request.auth)
    return follow_up_dict(_follow_up(request, pk))


@router.post("/follow-ups/{pk}/close", response=dict)
def follow_up_close(request, pk: int, body: TextIn):
    services.close_follow_up(_follow_up(request, pk), body.text, actor=request.auth)
    return follow_up_dict(_follow_up(request, pk))


@router.get("/monitoring/monthly", response=dict)
def monthly(request, month: str, region: str = ""):
    """月度统计: samples of the month by district × product category × verdict."""
    day = parse_month(month)
    area = get_object_or_404(visible(Region, request.auth), code=region) if region else None
    return {"month": month, "rows": queries.monthly_table(request.auth, day, area)}


@router.get("/monitoring/overdue", response=dict)
def overdue(request):
    items = queries.overdue(request.auth)
    return {"count": len(items), "items": [
        {"kind": i["kind"], "text": i["text"], "due": i["due"],
         "days_overdue": i["days_overdue"],
         "sample_no": i["sample"].sample_no if i["sample"] else None,
         "month": i["month"].strftime("%Y-%m") if i.get("month") else None} for i in items]}


def summary_dict(s: MonthlySummary) -> dict:
    return {"id": s.pk, "lab": s.lab_id, "lab_name": s.lab.name,
            "month": s.month.strftime("%Y-%m"), "rows": s.rows, "drafted_at": s.drafted_at,
            "submitted_at": s.submitted_at, "due": deadlines.summary_due(s.month)}


@router.get("/summaries", response=dict)
def list_summaries(request, page: int = 1, page_size: int = 50):
    found = page_of(visible(MonthlySummary, request.auth).select_related("lab"), page,
                    page_size)
    return {"count": found["count"], "items": [summary_dict(s) for s in found["items"]]}


@router.post("/summaries", response={201: dict})
def draft_summary(request, body: MonthIn):
    require(request.auth, "summary.submit")
    summary = services.draft_summary(request.auth.org, parse_month(body.month, "body"),
                                     actor=request.auth)
    return Status(201, summary_dict(summary))


@router.post("/summaries/{pk}/submit", response=dict)
def submit_summary(request, pk: int):
    summary = get_object_or_404(visible(MonthlySummary, request.auth), pk=pk)
    return summary_dict(services.submit_summary(summary, actor=request.auth))


@router.get("/summaries/{pk}/file")
def summary_file(request, pk: int):
    summary = get_object_or_404(visible(MonthlySummary, request.auth).select_related("lab"),
                                pk=pk)
    return FileResponse(summary.file.open("rb"), as_attachment=True,
                        filename=f"{summary.lab.name}-{summary.month:%Y-%m}-检测汇总表.xlsx")


def parse_month(text: str, where: str = "query") -> dt.date:
    try:
        return dt.datetime.strptime(text, "%Y-%m").date()
    except (TypeError, ValueError):
        raise FieldErrors({"month": "月份格式应为 YYYY-MM"}, prefix=(where,)) from None
