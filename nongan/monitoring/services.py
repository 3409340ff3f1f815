"""Writes of monitoring (强化抽样监测): plans, sampling forms, results, reports, re-tests and
the follow-up of non-compliant results. One function per business action, each audited."""

import datetime as dt
import hashlib
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.delivery import deliver_once
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.geo import locate
from nongan.core.notifications import notify
from nongan.core.permissions import require
from nongan.core.scoping import visible
from nongan.credit import services as credit
from nongan.exchange.events import emit
from nongan.inspections.models import Inspection, Media
from nongan.inspections.services import location_flags, photo_flags
from nongan.people.models import Organisation, User
from nongan.producers import importing
from nongan.producers.models import Producer
from nongan.regions.models import Region
from nongan.risk.tasks import after_results as risk_after_results

from . import deadlines, limits, summaries
from .models import (
    KIND_LETTER,
    KINDS,
    NON_COMPLIANT,
    FollowUp,
    FollowUpNote,
    MonitoringPlan,
    MonthlySummary,
    PlanQuota,
    Result,
    Sample,
    SampleSequence,
)

# Who may take which kind of sample: testing institutions sample for monitoring tasks;
# 监督抽查 is an enforcement act (监测管理办法: ≥ 2 samplers with enforcement cards);
# rapid tests are also done by the town and district stations' 快检室.
SAMPLERS = {
    "lab_staff": {"routine", "risk", "rapid"},
    "enforcement_officer": {"supervisory", "rapid"},
    "district_officer": {"rapid"},
    "town_officer": {"rapid"},
}
MIN_SUPERVISORY_SAMPLERS = 2
MAX_REPORT_BYTES = 20 * 1024 * 1024
RAPID_OUTCOMES = {"positive", "negative"}


# ---------------------------------------------------------------- plans

@transaction.atomic
def create_plan(data: dict, *, actor) -> MonitoringPlan:
    """下达监测任务: a city plan may set quotas for any district, a district plan for its own."""
    require(actor, "plan.create")
    errors: dict[str, str] = {}
    level = "city" if actor.region.level == "city" else "district"
    region = actor.region if level == "city" else actor.region.district
    name = (data.get("name") or "").strip()
    if not name:
        errors["name"] = "须填写任务名称"
    if data.get("kind") not in dict(KINDS):
        errors["kind"] = "类型应为 routine / supervisory / risk / rapid"
    starts, ends = data.get("starts_on"), data.get("ends_on")
    if not starts:
        errors["starts_on"] = "须填写开始日期"
    if not ends:
        errors["ends_on"] = "须填写结束日期"
    elif starts and ends < starts:
        errors["ends_on"] = "结束日期不能早于开始日期"
    analytes = _clean_names(data.get("analytes"))
    if not analytes:
        errors["analytes"] = "须列出检测项目"
    lab = None
    if data.get("lab"):
        lab = Organisation.objects.filter(pk=data["lab"], kind="lab").first()
        if lab is None:
            errors["lab"] = "承检机构不存在或不是检测机构"
    elif data.get("kind") != "supervisory":
        errors["lab"] = "须指定承检机构"
    quotas = []
    for n, quota in enumerate(data.get("quotas") or []):
        district = Region.objects.filter(code=quota.get("district"), level="district").first()
        if district is None or (level == "district" and district != region):
            errors[f"quotas.{n}.district"] = ("只能为本区下达任务量" if district else
                                              "区划代码不是一个区")
            continue
        category = (quota.get("category") or "").strip()
        count = quota.get("count")
        if not category:
            errors[f"quotas.{n}.category"] = "须填写产品类别"
        if not isinstance(count, int) or count < 1:
            errors[f"quotas.{n}.count"] = "样品数应为正整数"
        if category and (district.code, category) in {(q.district_id, q.category)
                                                     for q in quotas}:
            errors[f"quotas.{n}.category"] = "同一区同一类别只能有一条任务量"
        quotas.append(PlanQuota(district=district, category=category, count=count or 0))
    if errors:
        raise FieldErrors(errors)
    plan = MonitoringPlan.objects.create(
        name=name, level=level, kind=data["kind"], region=region, starts_on=starts,
        ends_on=ends, analytes=analytes, lab=lab, created_by=actor)
    for quota in quotas:
        quota.plan = plan
    PlanQuota.objects.bulk_create(quotas)
    audit.record("plan.create", plan, actor=actor, region_code=region.code,
                 after={"name": name, "kind": plan.kind, "level": level,
                        "period": [starts, ends], "lab": lab.pk if lab else None,
                        "analytes": analytes,
                        "quotas": [[q.district_id, q.category, q.count] for q in quotas]})
    return plan


def _clean_names(values) -> list[str]:
    seen = []
    for value in values or []:
        value = str(value).strip()
        if value and value not in seen:
            seen.append(value)
    return seen


# ---------------------------------------------------------------- sampling

def submit_sample(payload: dict, *, actor) -> tuple[Sample, bool]:
    """提交采样单, idempotent by the client's uuid like an inspection: the same form again
    returns the stored sample (created False); different content is a conflict."""
    require(actor, "sample.submit")
    return deliver_once(Sample, payload, _create_sample, actor=actor,
                        changed="该采样单已提交，内容不同；采样单提交后不能修改")


def _create_sample(payload: dict, digest: str, actor) -> Sample:
    producer = visible(Producer, actor).filter(pk=payload["producer"]).first()
    if producer is None:
        raise Http404
    errors: dict[str, str] = {}
    kind = payload.get("kind")
    if kind not in dict(KINDS):
        errors["kind"] = "类型应为 routine / supervisory / risk / rapid"
    elif kind not in SAMPLERS.get(actor.role, set()):
        errors["kind"] = f"本角色不能进行{dict(KINDS)[kind]}抽样"
    sampled_at = payload["sampled_at"]
    if sampled_at > timezone.now() + dt.timedelta(minutes=10):
        errors["sampled_at"] = "抽样时间不能晚于当前时间"
    plan = _plan_for(payload, kind, sampled_at, actor, errors)
    lab = _lab_for(payload, plan, actor, errors)
    plot = None
    if payload.get("plot"):
        plot = producer.plots.filter(plot_no=payload["plot"], active=True).first()
        if plot is None:
            errors["plot"] = f"不是该主体的地块：{payload['plot']}"
    product = (payload.get("product") or "").strip()
    if not product:
        errors["product"] = "须填写样品名称"
    analytes = _clean_names(payload.get("analytes")) or (plan.analytes if plan else [])
    if not analytes:
        errors["analytes"] = "须列出检测项目"
    pesticides = _pesticides_used(payload.get("pesticides_used") or [], errors)
    media = list(visible(Media, actor).filter(id__in=payload.get("photos") or []))
    if len(media) != len(set(payload.get("photos") or [])):
        errors["photos"] = "照片不存在或不是本人上传"
    co_samplers = _co_samplers(payload.get("co_samplers") or [], actor, errors)
    if kind == "supervisory":
        _check_cards([actor, *co_samplers], sampled_at, errors)
    signature = None
    if payload.get("party_signature"):
        signature = visible(Media, actor).filter(id=payload["party_signature"]).first()
        if signature is None:
            errors["party_signature"] = "签名图片不存在"
    elif not (payload.get("refusal") or "").strip():
        errors["party_signature"] = "须由被抽样方签字确认，或记录拒签/拒检情况"
    confirms = _confirms(payload.get("confirms"), kind, producer, actor, errors)
    if errors:
        raise FieldErrors(errors)

    standard = limits.standard_in_force(deadlines.local_date(sampled_at))
    location = payload.get("location")
    check, flags = {}, []
    if location:
        plots = [(p.plot_no, p.geometry) for p in producer.plots.filter(active=True)]
        check = locate(location["lon"], location["lat"], plots)
        flags = location_flags(check, location) + photo_flags(media, location, sampled_at)
    flags += _sample_flags(standard, product, producer, plan, sampled_at)
    sample = Sample(
        uuid=payload["uuid"], sample_no=_next_sample_no(producer.district_id, kind, sampled_at),
        plan=plan, kind=kind, lab=lab, producer=producer, plot=plot, product=product,
        variety=(payload.get("variety") or "").strip(),
        category=limits.food_category(standard, product) if standard else "",
        quantity=(payload.get("quantity") or "").strip(), sampled_at=sampled_at,
        lon=location["lon"] if location else None, lat=location["lat"] if location else None,
        accuracy_m=location.get("accuracy_m") if location else None, location_check=check,
        pesticides_used=pesticides, analytes=analytes, sampler=actor,
        party_signature=signature, refusal=(payload.get("refusal") or "").strip(),
        flags=flags, payload_hash=digest, results_due=deadlines.results_due(sampled_at),
        standard=standard, confirms=confirms)
    sample.place_in(producer.village)
    sample.save()
    sample.photos.set(media)
    sample.co_samplers.set(co_samplers)
    audit.record("sample.submit", sample, actor=actor, region_code=producer.village_id,
                 after={"uuid": sample.uuid, "sample_no": sample.sample_no, "kind": kind,
                        "plan": plan.pk if plan else None, "lab": lab.pk,
                        "producer": producer.pk, "product": product, "analytes": analytes,
                        "co_samplers": [u.username for u in co_samplers], "flags": flags})
    return sample


def _plan_for(payload, kind, sampled_at, actor, errors):
    if not payload.get("plan"):
        if kind and kind != "supervisory" and actor.role == "lab_staff":
            errors["plan"] = "检测机构抽样须属于一项监测任务"
        return None
    plan = visible(MonitoringPlan, actor).filter(pk=payload["plan"]).first()
    if plan is None:
        errors["plan"] = "监测任务不存在"
        return None
    day = deadlines.local_date(sampled_at)
    if plan.kind != kind:
        errors["kind"] = f"与监测任务的类型（{plan.get_kind_display()}）不一致"
    if not plan.starts_on <= day <= plan.ends_on:
        errors["sampled_at"] = f"不在监测任务期限内（{plan.starts_on}至{plan.ends_on}）"
    return plan


def _lab_for(payload, plan, actor, errors):
    if actor.role == "lab_staff":
        if plan and plan.lab_id and plan.lab_id != actor.org_id:
            errors["plan"] = "该任务不是本机构承担的"
        return actor.org
    if plan and plan.lab_id:
        return plan.lab
    lab = Organisation.objects.filter(pk=payload.get("lab") or 0, kind="lab").first()
    if lab is None:
        errors["lab"] = "须指定检测机构"
    return lab


def _pesticides_used(rows, errors) -> list[dict]:
    clean = []
    for n, row in enumerate(rows):
        name = (row.get("pesticide") or "").strip()
        if not name:
            errors[f"pesticides_used.{n}.pesticide"] = "须填写农药名称"
            continue
        applied = row.get("applied_on")
        clean.append({"pesticide": name, "dose": (row.get("dose") or "").strip(),
                      "applied_on": applied.isoformat() if applied else None})
    return clean


def _co_samplers(usernames, actor, errors) -> list:
    found = {u.username: u for u in visible(User, actor).filter(username__in=usernames,
                                                                 is_active=True)}
    missing = [name for name in usernames if name not in found]
    if missing:
        errors["co_samplers"] = f"抽样人不存在：{'、'.join(missing)}"
    return [found[name] for name in dict.fromkeys(usernames) if name in found
            and found[name] != actor]


def _check_cards(people, sampled_at, errors) -> None:
    day = deadlines.local_date(sampled_at)
    carded = [p for p in people if p.enforcement_card_no and p.enforcement_card_valid_to
              and p.enforcement_card_valid_to >= day]
    if len(carded) < MIN_SUPERVISORY_SAMPLERS:
        without = [str(p) for p in people if p not in carded]
        errors["co_samplers"] = (
            "监督抽查须由两名以上持有效执法证的人员抽样"
            + (f"（无有效执法证：{'、'.join(without)}）" if without else ""))


def _confirms(sample_no, kind, producer, actor, errors):
    """A positive rapid test is confirmed by a laboratory sample of the same producer."""
    if not sample_no:
        return None
    rapid = visible(Sample, actor).filter(sample_no=sample_no, kind="rapid").first()
    if rapid is None:
        errors["confirms"] = "要确证的快检样品不存在"
    elif kind == "rapid":
        errors["confirms"] = "快检阳性不能再用快检方法确证"
    elif rapid.producer_id != producer.pk:
        errors["confirms"] = "确证样品须取自同一生产主体"
    return rapid


def _sample_flags(standard, product, producer, plan, sampled_at) -> list[dict]:
    flags = []
    if standard is None:
        flags.append({"code": "no_standard", "message": "未载入抽样日适用的限量标准"})
    elif not limits.food_category(standard, product):
        flags.append({"code": "unknown_food", "message": f"“{product}”不在{standard.label}"
                      "食品分类中，只能按同名限量判定"})
    if plan and plan.level == "district":
        # 农产品质量安全法 Art. 47: a lower level does not re-sample what a higher one sampled.
        since = sampled_at - dt.timedelta(days=30)
        if Sample.objects.filter(producer=producer, product=product, plan__level="city",
                                 sampled_at__gte=since, sampled_at__lte=sampled_at).exists():
            flags.append({"code": "sampled_by_city", "message": "该主体同一产品30日内已被市级"
                          "任务抽检，下级不得重复抽检同一批次"})
    return flags


def _next_sample_no(district: str, kind: str, sampled_at) -> str:
    """样品编号: year, district code, kind letter, serial — e.g. 2026310115L00042."""
    prefix = f"{deadlines.local_date(sampled_at).year}{district[:6]}{KIND_LETTER[kind]}"
    sequence, _ = SampleSequence.objects.select_for_update().get_or_create(prefix=prefix)
    SampleSequence.objects.filter(pk=sequence.pk).update(last=F("last") + 1)
    sequence.refresh_from_db()
    return f"{prefix}{sequence.last:05d}"


@transaction.atomic
def receive_sample(sample: Sample, *, actor, at=None) -> Sample:
    """收样: the lab records the sample's arrival; a re-test's 7 working days start here."""
    require(actor, "sample.receive")
    if sample.received_at:
        raise Conflict("该样品已登记收样")
    sample.received_at = at or timezone.now()
    if sample.retest_of_id:
        sample.results_due = deadlines.retest_report_by(sample.received_at)
    sample.save(update_fields=["received_at", "results_due"])
    audit.record("sample.receive", sample, actor=actor, region_code=sample.village_id,
                 after={"received_at": sample.received_at, "results_due": sample.results_due})
    return sample


# ---------------------------------------------------------------- results

def record_results(sample: Sample, rows: list[dict], *, actor, reason: str = "") -> Sample:
    """录入检测结果: each analyte judged against the edition in force on the sampling date.
    A second value for an analyte is a correction and needs its reason."""
    require(actor, "result.enter")
    with transaction.atomic():
        sample = Sample.objects.select_for_update().get(pk=sample.pk)
        was = sample.verdict
        current = {r.analyte: r for r in sample.results.filter(current=True)}
        clean = _clean_results(sample, rows, current, reason)
        judged = _judge(sample, clean)
        for row, judgement in zip(clean, judged, strict=True):
            old = current.get(row["analyte"])
            if old is not None:
                Result.objects.filter(pk=old.pk).update(current=False)
            Result.objects.create(
                sample=sample, analyte=row["analyte"], value=row["value"], unit=row["unit"],
                lod=row["lod"], method=row["method"], status=judgement["status"],
                mrl=judgement["mrl"], matched_food=judgement["matched_food"],
                standard=judgement["standard"], basis=judgement["basis"], entered_by=actor,
                supersedes=old, reason=reason.strip() if old else "")
        _settle_verdict(sample)
        audit.record("sample.results", sample, actor=actor, region_code=sample.village_id,
                     before={"verdict": was},
                     after={"verdict": sample.verdict, "reason": reason.strip(),
                            "results": [{"analyte": r["analyte"], "value": r["value"],
                                         "unit": r["unit"], "status": j["status"]}
                                        for r, j in zip(clean, judged, strict=True)]})
        risk_after_results(sample)
        if sample.verdict == "non_compliant" and was != "non_compliant":
            open_follow_up(sample)
            credit.sample_judged(sample, actor=actor)
            emit("sample.non_compliant", sample, dataset="samples",
                 district_code=sample.district_id)
        elif was == "non_compliant" and sample.verdict != "non_compliant":
            _note(sample.follow_up, "correction", f"结果更正（{reason.strip()}）后结论为"
                  f"{sample.get_verdict_display()}；处置记录保留", actor)
    return sample


def _clean_results(sample, rows, current, reason) -> list[dict]:
    errors: list[tuple[tuple, str]] = []
    clean, seen = [], set()
    for n, row in enumerate(rows):
        analyte = (row.get("analyte") or "").strip()
        if not analyte:
            errors.append(((n, "analyte"), "须填写检测项目"))
            continue
        if analyte in seen:
            errors.append(((n, "analyte"), f"“{analyte}”重复"))
        seen.add(analyte)
        if analyte in current and not (reason or "").strip():
            errors.append(((n, "analyte"), f"“{analyte}”已有结果；更正须说明原因（reason）"))
        entry = {"analyte": analyte, "method": (row.get("method") or "").strip(),
                 "unit": row.get("unit") or "mg/kg", "value": None, "lod": None,
                 "outcome": ""}
        if sample.kind == "rapid":
            outcome = row.get("outcome") or ""
            if outcome not in RAPID_OUTCOMES:
                errors.append(((n, "outcome"), "快检结果应为 positive（阳性）或 negative（阴性）"))
            entry["outcome"] = outcome
            clean.append(entry)
            continue
        if entry["unit"] not in ("mg/kg", "μg/kg"):
            errors.append(((n, "unit"), "单位应为 mg/kg 或 μg/kg"))
        for field in ("value", "lod"):
            entry[field] = _decimal(row.get(field), (n, field), errors)
        clean.append(entry)
    if errors:
        raise FieldErrors(errors, prefix=("body", "results"))
    return clean


def _decimal(raw, loc, errors):
    if raw is None or raw == "":
        return None
    try:
        value = Decimal(str(raw))
    except InvalidOperation:
        errors.append((loc, "应为数字"))
        return None
    if not value.is_finite() or value < 0:
        errors.append((loc, "应为非负数"))
        return None
    return value


def _judge(sample, rows) -> list[dict]:
    if sample.kind == "rapid":
        return [{"status": r["outcome"], "mrl": None, "matched_food": "", "standard": "",
                 "basis": {"message": "快检阳性，须经实验室定量检测确证"
                           if r["outcome"] == "positive" else "快检阴性"}} for r in rows]
    return limits.judge_many(sample.standard, sample.product, rows)


def _settle_verdict(sample) -> None:
    statuses = dict(sample.results.filter(current=True).values_list("analyte", "status"))
    if any(s in NON_COMPLIANT for s in statuses.values()):
        verdict = "non_compliant"
    elif all(a in statuses for a in sample.analytes):
        verdict = "compliant"
    else:
        verdict = "incomplete"
    sample.verdict = verdict
    if verdict != "incomplete" and sample.completed_at is None:
        sample.completed_at = timezone.now()
    sample.save(update_fields=["verdict", "completed_at"])


# A LIMS export's headings as labs write them (Chinese or the API's field names).
LIMS_COLUMNS = {
    "sample_no": ("样品编号", "样品号"), "analyte": ("检测项目", "项目", "农药"),
    "value": ("检测值", "结果", "测定值"), "unit": ("单位",), "lod": ("检出限",),
    "method": ("检测方法", "方法", "依据标准"), "outcome": ("快检结果", "阴阳性"),
    "reason": ("更正原因",),
}


def import_lab_results(uploaded, *, actor) -> dict:
    """导入LIMS结果: every row checked first; any error → nothing written and the errors
    by row and column; otherwise every sample's results recorded in one transaction."""
    require(actor, "result.enter")
    try:
        sheet = importing.read(uploaded.name, uploaded, "results")
    except importing.FileError as exc:
        raise FieldErrors([((), str(exc))], prefix=("file",)) from None
    names = {importing.heading(alias): key for key, aliases in LIMS_COLUMNS.items()
             for alias in (key, *aliases)}
    columns = {h: names[importing.heading(h)] for h in sheet.headings
               if importing.heading(h) in names}
    missing = [k for k in ("sample_no", "analyte") if k not in columns.values()]
    if missing:
        raise FieldErrors([((0, k), "缺少此列") for k in missing], prefix=("file",))
    by_sample: dict[str, list] = {}
    for record in sheet.records:
        row = {key: importing.cell(record.cells.get(h)) for h, key in columns.items()}
        for key in ("value", "lod"):
            if row.get(key) in ("", "ND", "nd", "未检出", "<LOD"):
                row[key] = None
        by_sample.setdefault(row.get("sample_no") or "", []).append((record.row, row))
    samples = {s.sample_no: s for s in visible(Sample, actor).filter(sample_no__in=by_sample)}
    errors, plan = [], []
    for sample_no, rows in by_sample.items():
        sample = samples.get(sample_no)
        if sample is None:
            errors += [((n, "sample_no"), "样品编号不存在或不是本机构的样品") for n, _ in rows]
            continue
        reason = next((r.get("reason") for _, r in rows if r.get("reason")), "")
        current = {r.analyte: r for r in sample.results.filter(current=True)}
        try:
            _clean_results(sample, [r for _, r in rows], current, reason)
        except FieldErrors as exc:
            errors += [((rows[loc[0]][0], loc[1]), msg) for loc, msg in exc.errors]
            continue
        plan.append((sample, [r for _, r in rows], reason))
    if errors:
        raise FieldErrors(sorted(errors, key=lambda e: (e[0][0], str(e[0][1]))),
                          prefix=("file",))
    with transaction.atomic():
        for sample, rows, reason in plan:
            record_results(sample, rows, actor=actor, reason=reason)
    verdicts = Counter(Sample.objects.filter(pk__in=[s.pk for s, _, _ in plan])
                       .values_list("verdict", flat=True))
    return {"samples": len(plan), "results": sum(len(r) for _, r, _ in plan),
            "verdicts": dict(verdicts)}


@transaction.atomic
def upload_report(sample: Sample, uploaded, *, actor, reason: str = "") -> Sample:
    """上传检测报告 (PDF) against the sample number; replacing one needs a reason."""
    require(actor, "result.enter")
    data = uploaded.read()
    if not data.startswith(b"%PDF-"):
        raise FieldErrors({"report": "检测报告须为 PDF 文件"})
    if len(data) > MAX_REPORT_BYTES:
        raise FieldErrors({"report": "文件超过 20 MB"})
    if sample.report and not (reason or "").strip():
        raise Conflict("已上传检测报告；重新上传须说明原因")
    before = {"sha256": sample.report_sha256} if sample.report else None
    digest = hashlib.sha256(data).hexdigest()
    sample.report.save(f"{sample.sample_no}-{digest[:8]}.pdf", ContentFile(data), save=False)
    sample.report_sha256, sample.report_uploaded_at = digest, timezone.now()
    sample.save(update_fields=["report", "report_sha256", "report_uploaded_at"])
    audit.record("sample.report", sample, actor=actor, region_code=sample.village_id,
                 before=before, after={"sha256": digest, "size": len(data),
                                       "reason": (reason or "").strip()})
    return sample


# ---------------------------------------------------------------- after a failure

def open_follow_up(sample: Sample) -> FollowUp:
    """不合格处置 starts at once: the district, the town and the producer's grid persons are
    told; the plot and the inputs are traced from the form and recent inspections."""
    producer = sample.producer
    since = sample.sampled_at - dt.timedelta(days=180)
    recorded = [dict(i, source=f"巡查 {ins.finished_at:%Y-%m-%d}")
                for ins in Inspection.objects.filter(producer=producer, finished_at__gte=since)
                .only("inputs", "finished_at")
                for i in ins.inputs if not i.get("crop") or i["crop"] == sample.product]
    traced = [dict(p, source="采样单") for p in sample.pesticides_used] + recorded
    follow_up = FollowUp.objects.create(
        sample=sample, producer=producer, plot=sample.plot, traced_inputs=traced,
        district=sample.district, town=sample.town, village=sample.village)
    failed = "、".join(f"{r.analyte}（{r.get_status_display()}）"
                      for r in sample.results.filter(current=True, status__in=NON_COMPLIANT))
    text = (f"【农安】{producer.name}的样品{sample.sample_no}（{sample.product}）检测不合格："
            f"{failed}。请及时核查处置。")
    follow_up.notified = notify(_responsible(sample), kind="sample.non_compliant", text=text,
                                link=reverse("sample", args=[sample.sample_no]))
    follow_up.save(update_fields=["notified"])
    _note(follow_up, "opened", text + f" 已通知：{'、'.join(follow_up.notified) or '无'}", None)
    audit.record("followup.open", follow_up, actor=None, region_code=sample.village_id,
                 after={"sample": sample.sample_no, "notified": follow_up.notified,
                        "traced_inputs": len(traced)})
    return follow_up


def _responsible(sample) -> list:
    """The district's and town's officers and the grid persons of the producer's grid."""
    officers = User.objects.filter(
        Q(role="district_officer", region=sample.district)
        | Q(role="town_officer", region=sample.town), is_active=True)
    grid = sample.producer.grid
    members = [m.user for m in grid.members.select_related("user") if m.user] if grid else []
    return [*officers, *members]


def _note(follow_up, kind, text, actor) -> FollowUpNote:
    return FollowUpNote.objects.create(follow_up=follow_up, kind=kind, text=text, author=actor)


@transaction.atomic
def notify_party(sample: Sample, *, actor, at=None) -> Sample:
    """告知被抽样方: the result and the right to a re-test, delivered at `at`."""
    require(actor, "sample.notify")
    if sample.verdict != "non_compliant":
        raise Conflict("只有不合格结果需要告知复检权利")
    if sample.notified_at:
        raise Conflict("已告知")
    sample.notified_at = at or timezone.now()
    sample.save(update_fields=["notified_at"])
    ask_by = deadlines.retest_ask_by(sample)
    _note(sample.follow_up, "notified", f"已告知被抽样方检测结果及复检权利，复检申请期限至"
          f"{timezone.localtime(ask_by):%Y-%m-%d %H:%M}", actor)
    audit.record("sample.notify", sample, actor=actor, region_code=sample.village_id,
                 after={"notified_at": sample.notified_at, "retest_ask_by": ask_by})
    return sample


@transaction.atomic
def request_retest(sample: Sample, *, lab_id: int, actor, at=None) -> Sample:
    """复检申请: within the time limit, to a different lab, never by a rapid method. The
    re-test sample is the retained portion of the same batch, with its own number."""
    require(actor, "retest.request")
    at = at or timezone.now()
    if sample.verdict != "non_compliant":
        raise Conflict("只有不合格样品可以申请复检")
    if sample.retest_of_id:
        raise Conflict("复检样品不能再申请复检")
    if sample.retests.exists():
        raise Conflict("该样品已申请复检")
    ask_by = deadlines.retest_ask_by(sample)
    if ask_by is None:
        raise Conflict("尚未告知被抽样方，不能受理复检")
    if at > ask_by:
        raise FieldErrors({"requested_at": f"已超过复检申请期限"
                           f"（{timezone.localtime(ask_by):%Y-%m-%d %H:%M}）"})
    lab = Organisation.objects.filter(pk=lab_id, kind="lab").first()
    if lab is None:
        raise FieldErrors({"lab": "复检机构不存在或不是检测机构"})
    if lab.pk == sample.lab_id:
        raise FieldErrors({"lab": "复检须由原检测机构以外的机构进行"})
    failed = list(sample.results.filter(current=True, status__in=NON_COMPLIANT)
                  .values_list("analyte", flat=True))
    kind = "supervisory" if sample.kind == "rapid" else sample.kind
    retest = Sample(
        sample_no=_next_sample_no(sample.district_id, kind, sample.sampled_at), kind=kind,
        plan=sample.plan, lab=lab, producer=sample.producer, plot=sample.plot,
        product=sample.product, variety=sample.variety, category=sample.category,
        quantity=sample.quantity, sampled_at=sample.sampled_at,
        pesticides_used=sample.pesticides_used,
        analytes=failed if sample.kind != "rapid" else [], sampler=actor,
        refusal="复检（备份样品）", results_due=deadlines.retest_report_by(at),
        standard=sample.standard, retest_of=sample,
        district=sample.district, town=sample.town, village=sample.village)
    if sample.kind == "rapid":
        retest.analytes = list(sample.plan.analytes if sample.plan else sample.analytes)
    retest.save()
    _note(sample.follow_up, "retest", f"被抽样方申请复检，复检机构：{lab}，复检样品编号"
          f"{retest.sample_no}", actor)
    audit.record("sample.retest", retest, actor=actor, region_code=sample.village_id,
                 after={"retest_of": sample.sample_no, "lab": lab.pk, "requested_at": at})
    return retest


@transaction.atomic
def add_note(follow_up: FollowUp, text: str, *, actor) -> FollowUpNote:
    """处置记录: what was done (batch held, withdrawn, producer interviewed …)."""
    require(actor, "followup.act")
    if not (text or "").strip():
        raise FieldErrors({"text": "须填写处置情况"})
    note = _note(follow_up, "note", text.strip(), actor)
    audit.record("followup.note", follow_up, actor=actor, region_code=follow_up.village_id,
                 after={"text": text.strip()})
    return note


@transaction.atomic
def propose_case(follow_up: FollowUp, reason: str, *, actor) -> FollowUp:
    """移交执法: the follow-up becomes a case proposal (案源) for enforcement."""
    require(actor, "followup.act")
    if follow_up.state != "open":
        raise Conflict("该处置已移交或已办结")
    if not (reason or "").strip():
        raise FieldErrors({"reason": "须说明移交理由"})
    follow_up.state, follow_up.proposed_at = "proposed", timezone.now()
    follow_up.save(update_fields=["state", "proposed_at"])
    _note(follow_up, "proposed", f"移交执法：{reason.strip()}", actor)
    audit.record("followup.propose", follow_up, actor=actor, region_code=follow_up.village_id,
                 after={"reason": reason.strip()})
    return follow_up


@transaction.atomic
def close_follow_up(follow_up: FollowUp, conclusion: str, *, actor) -> FollowUp:
    """办结 with its conclusion; the record and its notes stay."""
    require(actor, "followup.act")
    if follow_up.state == "closed":
        raise Conflict("该处置已办结")
    if not (conclusion or "").strip():
        raise FieldErrors({"conclusion": "须填写办结情况"})
    follow_up.state, follow_up.closed_at = "closed", timezone.now()
    follow_up.save(update_fields=["state", "closed_at"])
    _note(follow_up, "closed", conclusion.strip(), actor)
    audit.record("followup.close", follow_up, actor=actor, region_code=follow_up.village_id,
                 after={"conclusion": conclusion.strip()})
    return follow_up


# ---------------------------------------------------------------- monthly summary

@transaction.atomic
def draft_summary(lab: Organisation, month: dt.date, *, actor) -> MonthlySummary:
    """起草每月检测汇总表 from the results of the month's window; a submitted one is final."""
    require(actor, "summary.submit")
    month = month.replace(day=1)
    summary = MonthlySummary.objects.select_for_update().filter(lab=lab, month=month).first()
    if summary and summary.submitted_at:
        raise Conflict("该月汇总表已提交，不能重新起草")
    content, rows = summaries.workbook(lab, month)
    summary = summary or MonthlySummary(lab=lab, month=month)
    summary.file.save(f"{lab.pk}-{month:%Y-%m}-汇总表.xlsx", ContentFile(content), save=False)
    summary.rows, summary.drafted_at = rows, timezone.now()
    summary.save()
    audit.record("summary.draft", summary, actor=actor, region_code=lab.region_id,
                 after={"month": month, "rows": rows})
    return summary


@transaction.atomic
def submit_summary(summary: MonthlySummary, *, actor) -> MonthlySummary:
    """上传每月检测汇总表: the lab has checked the draft; it is frozen from now on."""
    require(actor, "summary.submit")
    if summary.submitted_at:
        raise Conflict("该月汇总表已提交")
    summary.submitted_at, summary.submitted_by = timezone.now(), actor
    summary.save(update_fields=["submitted_at", "submitted_by"])
    audit.record("summary.submit", summary, actor=actor, region_code=summary.lab.region_id,
                 after={"month": summary.month, "rows": summary.rows,
                        "late": timezone.localdate() > deadlines.summary_due(summary.month)})
    return summary
