"""Writes of 双随机、一公开 (RULES.md): recusal declarations, planning a spot check (the seed
committed by its hash), the draw, cancelling, check results and their publication. One
function per business action, each audited; the draw itself is enforcement.draws."""

import datetime as dt
import secrets
import uuid
from collections import Counter
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.notifications import notify
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible
from nongan.core.workdays import add_working_days
from nongan.inspections.models import Inspection
from nongan.monitoring.models import Sample
from nongan.people.models import User
from nongan.producers.models import CERT_KINDS, CREDIT_GRADES, KINDS, Producer
from nongan.regions.models import Region

from .. import draws
from .. import spot_check_queries as queries
from ..models import CHECK_RESULTS, ConflictDeclaration, SpotCheck, Target

GRADES = [grade for grade, _label in CREDIT_GRADES]
# RULES.md 双随机: A ≤ 5 %, B 5–20 %, C 21–60 %, D 61–100 % — one value inside each range.
DEFAULT_GRADE_SHARES = {"A": "0.05", "B": "0.10", "C": "0.30", "D": "0.65"}
MIN_TEAM_SIZE = 2  # RULES.md: at least two inspectors per check
MAX_TEAM_SIZE = 10
MAX_EXCLUDE_MONTHS = 36
PUBLISH_WITHIN_WORKING_DAYS = 20  # results published within 20 working days (RULES.md)
STATE_CONFLICTS = {"drawn": "该抽查已抽取，抽取结果不能重做或修改",
                   "cancelled": "该抽查已取消"}


def _given(value) -> bool:
    return value not in (None, "")


def _raise(errors: dict[str, str]) -> None:
    """Errors keyed by dotted field names ("population.region") as 422 locations."""
    if errors:
        raise FieldErrors([(tuple(key.split(".")), msg) for key, msg in errors.items()])


def _integer(value, field, errors, message, *, minimum=0, maximum=None):
    try:
        number = int(str(value).strip())
    except ValueError:
        errors[field] = message
        return None
    if number < minimum or (maximum is not None and number > maximum):
        errors[field] = message
        return None
    return number


def _fraction(value, field, errors, message, *, allow_zero):
    """A share between 0 and 1 with at most 4 decimals (the model keeps 4)."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        errors[field] = message
        return None
    if (not number.is_finite() or number > 1 or number < 0 or (number == 0 and not allow_zero)
            or number.normalize().as_tuple().exponent < -4):
        errors[field] = message
        return None
    return number


def _day(value, field, errors, label):
    if isinstance(value, dt.date):
        return value
    if not _given(value):
        errors[field] = f"须填写{label}"
        return None
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = f"{label}格式应为 YYYY-MM-DD"
        return None


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _plain(number: Decimal) -> str:
    return format(number.normalize(), "f")


# ---------------------------------------------------------------- planning

def _clean_population(data, actor, district, errors) -> tuple[Region | None, dict]:
    population = data.get("population") or {}
    if not isinstance(population, dict):
        errors["population"] = "抽查对象范围应为对象"
        population = {}
    code = _text(population.get("region")) or district.code
    region = Region.objects.filter(code=code, level__in=("district", "town", "village")).first()
    if region is None or not in_scope(actor, region):
        errors["population.region"] = "区域不存在或不在本区范围内"
    kind = _text(population.get("kind"))
    if kind and kind not in dict(KINDS):
        errors["population.kind"] = "主体类型应为 enterprise / cooperative / family_farm / grower"
    certification = _text(population.get("certification"))
    if certification and certification not in dict(CERT_KINDS):
        errors["population.certification"] = "认证类型应为 green / organic / gi"
    grade = _text(population.get("credit_grade")).upper()
    if grade and grade not in GRADES:
        errors["population.credit_grade"] = "信用等级应为 A / B / C / D"
    return region, {"region": code, "kind": kind, "certification": certification,
                    "credit_grade": grade}


def _clean_amount(data, errors) -> tuple[int | None, Decimal | None, dict]:
    """Exactly one of `count`, `share` and `grade_shares` says how many are drawn."""
    count, share, grade_shares = data.get("count"), data.get("share"), {}
    raw_shares = data.get("grade_shares") or {}
    if not isinstance(raw_shares, dict):
        errors["grade_shares"] = "按信用等级抽取比例应为 {\"A\": 0.05, …}"
        raw_shares = {}
    for grade, value in raw_shares.items():
        if not _given(value):
            continue
        if grade not in GRADES:
            errors[f"grade_shares.{grade}"] = "信用等级应为 A / B / C / D"
            continue
        cleaned = _fraction(value, f"grade_shares.{grade}", errors,
                            f"{grade}级抽取比例应在0到1之间（最多4位小数）", allow_zero=True)
        if cleaned is not None:
            grade_shares[grade] = _plain(cleaned)
    by_grade = any(_given(v) for v in raw_shares.values())
    modes = [name for name, present in (("count", _given(count)), ("share", _given(share)),
                                        ("grade_shares", by_grade)) if present]
    if not modes:
        errors["share"] = "须填写抽取数量、抽取比例或按信用等级的抽取比例（三选一）"
    elif len(modes) > 1:
        for mode in modes:
            errors[mode] = "抽取数量、抽取比例和按信用等级的抽取比例只能填写一项"
    if _given(count):
        count = _integer(count, "count", errors, "抽取数量应为正整数", minimum=1)
    else:
        count = None
    if _given(share):
        share = _fraction(share, "share", errors, "抽取比例应大于0且不超过1（最多4位小数）",
                          allow_zero=False)
    else:
        share = None
    if by_grade and grade_shares and not any(Decimal(v) for v in grade_shares.values()):
        errors["grade_shares"] = "各信用等级的抽取比例不能都为0"
    return count, share, grade_shares


def _clean_plan(data, actor, district, errors) -> dict:
    title = _text(data.get("title"))
    if not title:
        errors["title"] = "须填写计划名称"
    elif len(title) > 120:
        errors["title"] = "计划名称不超过120字"
    pk = _integer(data.get("matter") or 0, "matter", errors, "须选择在用的抽查事项")
    matter = queries.matters_for(actor, active_only=True).filter(pk=pk).first() if pk else None
    if matter is None:
        errors["matter"] = "须选择在用的抽查事项"
    region, population = _clean_population(data, actor, district, errors)
    count, share, grade_shares = _clean_amount(data, errors)
    stratify_by = _text(data.get("stratify_by"))
    if stratify_by not in dict(SpotCheck.STRATIFY):
        errors["stratify_by"] = "分层方式应为 town 或不分层"
    team_size = _integer(data.get("team_size", MIN_TEAM_SIZE), "team_size", errors,
                         f"每组检查人员应为{MIN_TEAM_SIZE}–{MAX_TEAM_SIZE}人（不少于2人）",
                         minimum=MIN_TEAM_SIZE, maximum=MAX_TEAM_SIZE)
    exclude_months = _integer(data.get("exclude_months") or 0, "exclude_months", errors,
                              f"排除月数应为0–{MAX_EXCLUDE_MONTHS}的整数",
                              maximum=MAX_EXCLUDE_MONTHS)
    start = _day(data.get("period_start"), "period_start", errors, "检查开始日期")
    end = _day(data.get("period_end"), "period_end", errors, "检查结束日期")
    if start and end and end < start:
        errors["period_end"] = "检查结束日期不能早于开始日期"
    return {"title": title, "matter": matter, "region": region, "population": population,
            "count": count, "share": share, "grade_shares": grade_shares,
            "stratify_by": stratify_by, "team_size": team_size,
            "exclude_months": exclude_months, "period_start": start, "period_end": end}


def _snapshot(plan: dict, actor, district) -> dict:
    population = plan["population"]
    return {
        "format": draws.FORMAT,
        "plan": {
            "title": plan["title"], "region": district.code, "population": population,
            "matter": {"id": plan["matter"].pk, "code": plan["matter"].code,
                       "name": plan["matter"].name},
            "count": plan["count"],
            "share": _plain(plan["share"]) if plan["share"] is not None else None,
            "grade_shares": plan["grade_shares"], "stratify_by": plan["stratify_by"],
            "team_size": plan["team_size"], "exclude_months": plan["exclude_months"],
            "period_start": plan["period_start"].isoformat(),
            "period_end": plan["period_end"].isoformat(),
        },
        "population": queries.population(
            actor, plan["region"], kind=population["kind"],
            certification=population["certification"],
            credit_grade=population["credit_grade"], period_start=plan["period_start"],
            period_end=plan["period_end"], exclude_months=plan["exclude_months"]),
        "officers": queries.officer_pool(actor, district, plan["period_end"]),
    }


def _check_drawable(snapshot: dict, errors: dict) -> None:
    """What can be known before the seed: a population, enough officers, a number to draw."""
    plan, size = snapshot["plan"], len(snapshot["population"])
    pool = len(snapshot["officers"])
    if pool < plan["team_size"]:
        errors["team_size"] = (f"本区执法证有效期覆盖检查期间的执法人员只有 {pool} 名，"
                               f"不足每组 {plan['team_size']} 名")
    if not size:
        errors["population"] = "按此范围没有可抽取的检查对象"
    elif plan["count"] is not None and plan["count"] > size:
        errors["count"] = f"抽取数量超过检查对象总数（{size}）"
    elif not sum(layer["take"] for layer in draws.strata(snapshot)):
        errors["grade_shares" if plan["grade_shares"] else "share"] = \
            f"按此比例从 {size} 个对象中抽取的数量为0，请提高比例"


@transaction.atomic
def plan_spot_check(data: dict, *, actor, seed: str | None = None) -> SpotCheck:
    """制定双随机抽查计划: the population and officer pool are frozen in the snapshot and a
    secret seed is chosen; only their hashes are shown until the draw (公示在先).

    `seed` is for reproducible demo data only (`nongan seed`); the API and the pages never
    pass it, so a real plan's seed comes from `secrets`."""
    require(actor, "spotcheck.plan")
    district = actor.region.district
    errors: dict[str, str] = {}
    plan = _clean_plan(data, actor, district, errors)
    _raise(errors)
    snapshot = _snapshot(plan, actor, district)
    _check_drawable(snapshot, errors)
    _raise(errors)
    seed = seed or secrets.token_hex(32)
    spot_check = SpotCheck.objects.create(
        title=plan["title"], region=district, matter=plan["matter"],
        population=plan["population"], count=plan["count"], share=plan["share"],
        grade_shares=plan["grade_shares"], stratify_by=plan["stratify_by"],
        team_size=plan["team_size"], exclude_months=plan["exclude_months"],
        period_start=plan["period_start"], period_end=plan["period_end"], seed=seed,
        seed_hash=draws.sha256_hex(seed), snapshot=snapshot,
        snapshot_hash=draws.snapshot_hash(snapshot), created_by=actor)
    # The seed stays out of the audit entry until the draw reveals it.
    audit.record("spotcheck.plan", spot_check, actor=actor, region_code=district.code,
                 after={"title": spot_check.title, "matter": plan["matter"].pk,
                        "population": plan["population"], "count": plan["count"],
                        "share": snapshot["plan"]["share"], "grade_shares": plan["grade_shares"],
                        "stratify_by": plan["stratify_by"], "team_size": plan["team_size"],
                        "exclude_months": plan["exclude_months"],
                        "period": [plan["period_start"], plan["period_end"]],
                        "seed_hash": spot_check.seed_hash,
                        "snapshot_hash": spot_check.snapshot_hash,
                        "population_size": len(snapshot["population"]),
                        "pool": [o["username"] for o in snapshot["officers"]]})
    return spot_check


# ---------------------------------------------------------------- the draw

def _locked(spot_check) -> SpotCheck:
    return SpotCheck.objects.select_for_update().get(pk=spot_check.pk)


def _check_pool_unchanged(spot_check) -> None:
    """Nobody in the frozen pool may have lost their card since planning, nor gained a grid
    duty or a declared conflict the snapshot does not know (recusal would then be missed)."""
    pool = spot_check.snapshot["officers"]
    users = {u.username: u for u in User.objects.filter(username__in=[o["username"]
                                                                      for o in pool])}
    invalid = [f"{o['username']}（{users[o['username']]}）" if o["username"] in users
               else o["username"] for o in pool
               if (user := users.get(o["username"])) is None or not user.is_active
               or user.enforcement_card_valid_to is None
               or user.enforcement_card_valid_to < spot_check.period_end]
    if invalid:
        raise Conflict(f"以下执法人员的执法证已失效或不能覆盖检查期间：{'、'.join(invalid)}；"
                       "请取消本计划后重新制定")
    facts = queries.recusal_facts(users.values())
    changed = [o["username"] for o in pool
               if any(not set(facts[o["username"]][key]) <= set(o[key])
                      for key in ("towns", "conflict_producers", "conflict_towns"))]
    if changed:
        raise Conflict(f"以下执法人员在计划公布后新增了网格职责或回避声明：{'、'.join(changed)}；"
                       "为保证回避，请取消本计划后重新制定")


@transaction.atomic
def draw(spot_check, *, actor) -> SpotCheck:
    """抽取: reveal the seed and derive targets and teams from it and the snapshot alone. A
    draw is made once; it cannot be redone or edited."""
    require(actor, "spotcheck.plan")
    spot_check = _locked(spot_check)
    if spot_check.state != "planned":
        raise Conflict(STATE_CONFLICTS[spot_check.state])
    if (draws.sha256_hex(spot_check.seed) != spot_check.seed_hash
            or draws.snapshot_hash(spot_check.snapshot) != spot_check.snapshot_hash):
        raise Conflict("随机种子或快照与公布的哈希不一致，不能抽取")
    _check_pool_unchanged(spot_check)
    result = draws.derive(spot_check.snapshot, spot_check.seed)  # DrawError: 409, no writes
    Target.objects.bulk_create([
        Target(spot_check=spot_check, position=n, producer_id=member["id"],
               town_id=member["town"], grade=member["grade"], team=team)
        for n, (member, team) in enumerate(zip(result["drawn"], result["teams"], strict=True),
                                           1)])
    spot_check.state, spot_check.drawn_at, spot_check.drawn_by = "drawn", timezone.now(), actor
    spot_check.save(update_fields=["state", "drawn_at", "drawn_by"])
    _tell_the_teams(spot_check, result["teams"])
    audit.record("spotcheck.draw", spot_check, actor=actor, region_code=spot_check.region_id,
                 after={"seed": spot_check.seed, "seed_hash": spot_check.seed_hash,
                        "targets": result["targets"], "teams": result["teams"]})
    return spot_check


def _tell_the_teams(spot_check, teams) -> None:
    """Each drawn officer learns how many targets they check (they see which on the page)."""
    assigned = Counter(username for team in teams for username in team)
    link = reverse("spot_check", args=[spot_check.pk])
    for officer in User.objects.filter(username__in=assigned):
        notify([officer], kind="spot_check.drawn", link=link,
               text=f"双随机抽查《{spot_check.title}》已抽取，您被选派检查 "
                    f"{assigned[officer.username]} 个对象（检查期间 {spot_check.period_start}至"
                    f"{spot_check.period_end}）")


@transaction.atomic
def cancel_spot_check(spot_check, reason: str, *, actor) -> SpotCheck:
    """取消: a planned check, or a drawn one before any result; it stays listed with its
    reason."""
    require(actor, "spotcheck.plan")
    reason = _text(reason)
    if not reason:
        raise FieldErrors({"reason": "须填写取消理由"})
    if len(reason) > 200:
        raise FieldErrors({"reason": "取消理由不超过200字"})
    spot_check = _locked(spot_check)
    if spot_check.state == "cancelled":
        raise Conflict(STATE_CONFLICTS["cancelled"])
    if spot_check.targets.exclude(result="").exists():
        raise Conflict("已有检查结果，不能取消")
    before = spot_check.state
    spot_check.state, spot_check.cancelled_at = "cancelled", timezone.now()
    spot_check.cancel_reason = reason
    spot_check.save(update_fields=["state", "cancelled_at", "cancel_reason"])
    audit.record("spotcheck.cancel", spot_check, actor=actor, region_code=spot_check.region_id,
                 before={"state": before}, after={"state": "cancelled", "reason": reason})
    return spot_check


# ---------------------------------------------------------------- results (一公开)

def publication_due(concluded_on: dt.date) -> dt.date:
    """The last day to publish a result formed on `concluded_on`: 20 working days on China's
    official calendar (RULES.md)."""
    return add_working_days(concluded_on, PUBLISH_WITHIN_WORKING_DAYS)


def _inspection(value, target, actor, errors):
    if not _given(value):
        return None
    found = visible(Inspection, actor).filter(producer=target.producer_id)
    text = str(value).strip()
    found = found.filter(pk=int(text)) if text.isdigit() else found.filter(uuid=_uuid(text))
    inspection = found.first()
    if inspection is None:
        errors["inspection"] = "检查记录不存在或不是该对象的检查"
        return None
    day = timezone.localdate(inspection.finished_at)
    check = target.spot_check
    if not (check.period_start <= day <= check.period_end or inspection.finished_at
            >= check.drawn_at):
        errors["inspection"] = "检查记录须在检查期间内或抽取之后完成"
    return inspection


def _uuid(text: str):
    try:
        return uuid.UUID(text)
    except ValueError:
        return None


def _samples(values, target, actor, errors) -> list:
    if values in (None, ""):
        return []
    if not isinstance(values, list | tuple):
        values = [values]
    numbers = [str(v).strip() for v in values if _given(v)]
    found = list(visible(Sample, actor).filter(sample_no__in=numbers,
                                               producer=target.producer_id,
                                               kind="supervisory"))
    missing = sorted(set(numbers) - {s.sample_no for s in found})
    if missing:
        errors["samples"] = f"不是该对象的监督抽查样品：{'、'.join(missing)}"
    return found


@transaction.atomic
def record_check_result(target, data: dict, *, actor) -> Target:
    """记录检查结果: by an officer of the district (normally of the target's team); once
    formed it is final (监管留痕) and due for publication within 20 working days."""
    require(actor, "spotcheck.result")
    target = (Target.objects.select_for_update().select_related("spot_check")
              .get(pk=target.pk))
    if target.spot_check.state != "drawn":
        raise Conflict("该抽查不在已抽取状态，不能记录结果")
    if target.result:
        raise Conflict("检查结果已形成，不能修改")
    errors: dict[str, str] = {}
    result = _text(data.get("result"))
    if result not in dict(CHECK_RESULTS):
        errors["result"] = "检查结果应为 pass / rectify / refer / absent"
    note = _text(data.get("note"))
    if result and result != "pass" and not note:
        errors["note"] = "须说明发现的问题或无法检查的原因"
    elif len(note) > 2000:
        errors["note"] = "结果说明不超过2000字"
    inspection = _inspection(data.get("inspection"), target, actor, errors)
    samples = _samples(data.get("samples"), target, actor, errors)
    _raise(errors)
    today = timezone.localdate()
    target.result, target.result_note, target.inspection = result, note, inspection
    target.concluded_on, target.concluded_by = today, actor
    target.publish_due = publication_due(today)
    target.save(update_fields=["result", "result_note", "inspection", "concluded_on",
                               "concluded_by", "publish_due"])
    target.samples.set(samples)
    audit.record("spotcheck.result", target, actor=actor,
                 region_code=target.producer.village_id,
                 after={"spot_check": target.spot_check_id, "producer": target.producer_id,
                        "result": result, "note": note,
                        "inspection": inspection.pk if inspection else None,
                        "samples": [s.sample_no for s in samples],
                        "publish_due": target.publish_due})
    return target


@transaction.atomic
def publish_results(spot_check, *, actor) -> int:
    """公示检查结果: every result formed and not yet published; published results are final."""
    require(actor, "spotcheck.publish")
    spot_check = _locked(spot_check)
    if spot_check.state != "drawn":
        raise Conflict("只有已抽取的抽查可以公示结果")
    pending = spot_check.targets.exclude(result="").filter(published_at=None)
    ids = list(pending.values_list("pk", flat=True))
    if not ids:
        raise Conflict("没有待公示的检查结果")
    Target.objects.filter(pk__in=ids).update(published_at=timezone.now())
    audit.record("spotcheck.publish", spot_check, actor=actor, region_code=spot_check.region_id,
                 after={"targets": ids})
    return len(ids)


# ---------------------------------------------------------------- recusal (回避)

def _declaring_officer(data, actor, errors):
    """An enforcement officer declares for themselves; the district office may record a
    declaration for one of its enforcement officers."""
    username = _text(data.get("officer"))
    if not username or username == actor.username:
        if actor.role != "enforcement_officer":
            errors["officer"] = "须指定声明回避的执法人员"
        return actor
    officer = None
    if actor.role == "district_officer":
        officer = queries.enforcement_officers(actor, actor.region.district).filter(
            username=username).first()
    if officer is None:
        errors["officer"] = "只能为本人或本区执法人员登记回避声明"
    return officer


@transaction.atomic
def declare_conflict(data: dict, *, actor) -> ConflictDeclaration:
    """回避声明: an officer declares an interest in a producer or a whole town; later
    draws never send them there."""
    require(actor, "conflict.declare")
    errors: dict[str, str] = {}
    officer = _declaring_officer(data, actor, errors)
    district = actor.region.district
    producer = town = None
    if _given(data.get("producer")):
        pk = _integer(data["producer"], "producer", errors, "生产主体不存在或不在本区")
        producer = visible(Producer, actor).filter(pk=pk or 0, district=district).first()
        if producer is None:
            errors["producer"] = "生产主体不存在或不在本区"
    if _given(data.get("town")):
        town = Region.objects.filter(code=_text(str(data["town"])), level="town").first()
        if town is None or not in_scope(actor, town):
            errors["town"] = "镇（街道）不存在或不在本区"
    if not (_given(data.get("producer")) or _given(data.get("town"))):
        errors["producer"] = "须指定回避的生产主体或镇（街道）"
    reason = _text(data.get("reason"))
    if not reason:
        errors["reason"] = "须填写回避理由"
    elif len(reason) > 200:
        errors["reason"] = "回避理由不超过200字"
    _raise(errors)
    if ConflictDeclaration.objects.filter(officer=officer, producer=producer, town=town,
                                          withdrawn_at=None).exists():
        raise Conflict("已有相同的回避声明")
    declaration = ConflictDeclaration.objects.create(officer=officer, producer=producer,
                                                     town=town, reason=reason)
    audit.record("conflict.declare", declaration, actor=actor, region_code=officer.region_id,
                 after={"officer": officer.username,
                        "producer": producer.pk if producer else None,
                        "town": town.code if town else None, "reason": reason})
    return declaration


@transaction.atomic
def withdraw_conflict(declaration, *, actor) -> ConflictDeclaration:
    """撤回回避声明: by the officer, or the district office that keeps the directory."""
    require(actor, "conflict.declare")
    if actor.role == "enforcement_officer" and declaration.officer_id != actor.pk:
        raise PermissionDenied("conflict.withdraw")
    declaration = ConflictDeclaration.objects.select_for_update().get(pk=declaration.pk)
    if declaration.withdrawn_at:
        raise Conflict("该回避声明已撤回")
    declaration.withdrawn_at = timezone.now()
    declaration.save(update_fields=["withdrawn_at"])
    audit.record("conflict.withdraw", declaration, actor=actor,
                 region_code=declaration.officer.region_id,
                 before={"withdrawn_at": None}, after={"withdrawn_at": declaration.withdrawn_at})
    return declaration
