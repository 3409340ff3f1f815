"""应对措施: what is done about a warning, created from it and linked to it —
- targeted sampling (定向抽检): a risk-monitoring plan (`monitoring.services.create_plan`),
  its quotas by default the warning's districts and category, its test items the
  warning's pesticide (or the pesticides its samples failed);
- inspections (巡查核查): named producers (by default the warning's producer, or the
  producers of its samples) to be inspected by a due date; they show on the to-do list of
  their grid and town until an inspection of each is recorded;
- a spot check (专项抽查): a 双随机 plan (`enforcement.services.spot_checks`) whose
  population is the warning's area within the actor's district.
Taking a measure puts the warning in 处置中 (acting). The other apps' services check their
own permissions (a town officer cannot commission a plan: 403) and input (422, located
under `measure`)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible
from nongan.enforcement.services.spot_checks import plan_spot_check
from nongan.inspections.schedules import shanghai_today
from nongan.monitoring.models import Result
from nongan.monitoring.services import create_plan
from nongan.producers.models import Producer

from . import rules, series
from .models import Measure
from .services import event, locked

PREFIX = ("body", "measure")


def _fail(errors: dict) -> None:
    raise FieldErrors([(tuple(k.split(".")), v) for k, v in errors.items()], prefix=PREFIX)


def _day(value, field: str, default: dt.date) -> dt.date:
    if value in (None, ""):
        return default
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        _fail({field: "日期格式应为 YYYY-MM-DD"})


def _area(warning) -> str:
    return warning.town.name if warning.town else (
        warning.district.name if warning.district else "全市")


def _label(warning) -> str:
    parts = [_area(warning), warning.product or warning.category, warning.pesticide]
    return " ".join(p for p in parts if p)


def _sampling(measure, data: dict, warning, actor) -> str:
    s, today = rules.current(), shanghai_today()
    level_district = actor.region.district_id if actor.region.level != "city" else None
    districts = ([level_district] if level_district else
                 [warning.district_id] if warning.district_id else
                 sorted(set(warning.samples.values_list("district_id", flat=True))))
    categories = ([warning.category] if warning.category else
                  sorted(set(warning.samples.values_list("category", flat=True)) - {""}))
    count = data.get("count") or s["lifecycle"]["sampling_count"]
    analytes = data.get("analytes") or ([warning.pesticide] if warning.pesticide else sorted(
        set(Result.objects.filter(sample__in=warning.samples.all(), current=True,
                                  status__in=series.FAILING).values_list("analyte", flat=True))))
    payload = {
        "name": (data.get("name") or f"风险预警#{warning.pk}定向抽检 {_label(warning)}")[:120],
        "kind": "risk", "lab": data.get("lab"), "analytes": analytes,
        "starts_on": _day(data.get("starts_on"), "starts_on", today),
        "ends_on": _day(data.get("ends_on"), "ends_on",
                        today + dt.timedelta(days=s["lifecycle"]["sampling_days"])),
        "quotas": data.get("quotas") or [{"district": d, "category": c, "count": count}
                                         for d in districts for c in categories],
    }
    try:
        measure.plan = create_plan(payload, actor=actor)
    except FieldErrors as exc:
        raise FieldErrors(exc.errors, prefix=PREFIX) from None
    return f"下达定向抽检任务“{measure.plan.name}”"


def _inspection(measure, data: dict, warning, actor) -> str:
    s, today = rules.current(), shanghai_today()
    ids = data.get("producers")
    if ids in (None, "", []):
        ids = ([warning.producer_id] if warning.producer_id else
               sorted(set(warning.samples.values_list("producer_id", flat=True))))
    if not isinstance(ids, list) or not all(str(i).isdigit() for i in ids):
        _fail({"producers": "应为生产主体编号列表"})
    producers = list(visible(Producer, actor).filter(pk__in=[int(i) for i in ids]))
    if len(producers) != len({int(i) for i in ids}):
        _fail({"producers": "生产主体不存在或不在辖区内"})
    if not producers:
        _fail({"producers": "须指定要核查的生产主体"})
    due = _day(data.get("due_on"), "due_on",
               today + dt.timedelta(days=s["lifecycle"]["inspection_days"]))
    if due < today:
        _fail({"due_on": "完成期限不能早于今天"})
    measure.due_on = due
    measure.pending_producers = producers
    return f"布置巡查核查 {len(producers)} 个生产主体，{due:%Y-%m-%d}前完成"


def _spot_check(measure, data: dict, warning, actor) -> str:
    today = shanghai_today()
    area = warning.town or warning.district
    if area is None or not in_scope(actor, area):
        area = actor.region.district
    payload = {key: data.get(key) for key in ("matter", "count", "share", "grade_shares",
                                              "stratify_by", "exclude_months")}
    payload |= {
        "title": (data.get("title") or f"风险预警#{warning.pk}专项抽查 {_label(warning)}")[:120],
        "population": {"region": data.get("region") or (area.code if area else "")},
        "team_size": data.get("team_size") or 2, "stratify_by": data.get("stratify_by") or "",
        "period_start": data.get("period_start") or today.isoformat(),
        "period_end": data.get("period_end") or (today + dt.timedelta(days=30)).isoformat(),
    }
    try:
        measure.spot_check = plan_spot_check(payload, actor=actor)
    except FieldErrors as exc:
        raise FieldErrors(exc.errors, prefix=PREFIX) from None
    return f"制定专项抽查计划“{measure.spot_check.title}”"


BUILDERS = {"sampling": _sampling, "inspection": _inspection, "spot_check": _spot_check}


@transaction.atomic
def take_measure(warning, data, *, actor) -> Measure:
    """采取措施 (see the module): the warning moves to 处置中; more measures may follow."""
    require(actor, "warning.measure")
    warning = locked(warning)
    if warning.status == "closed":
        raise Conflict("该预警已办结")
    if not isinstance(data, dict) or not data:
        raise FieldErrors({"measure": "须说明采取的措施"})
    kind = data.get("kind")
    if kind not in BUILDERS:
        _fail({"kind": "措施类型应为 sampling / inspection / spot_check"})
    measure = Measure(warning=warning, kind=kind, note=(data.get("note") or "").strip(),
                      created_by=actor, created_at=timezone.now())
    text = BUILDERS[kind](measure, data, warning, actor)
    measure.save()
    if kind == "inspection":
        measure.producers.set(measure.pending_producers)
    before = warning.status
    if before != "acting":
        warning.status = "acting"
        warning.save(update_fields=["status"])
    event(warning, "measure", text + (f"。{measure.note}" if measure.note else ""),
          actor=actor, data={"measure": measure.pk, "kind": kind})
    audit.record("warning.measure", warning, actor=actor, region_code=warning.region_id,
                 before={"status": before},
                 after={"status": "acting", "measure": measure.pk, "kind": kind,
                        "plan": measure.plan_id, "spot_check": measure.spot_check_id,
                        "producers": [p.pk for p in getattr(measure, "pending_producers", [])],
                        "due_on": measure.due_on, "note": measure.note})
    return measure
