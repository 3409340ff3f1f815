"""Reads of 双随机、一公开, always starting from `visible(...)`: the population a filter gives
(检查对象名录库), the officer pool and directory (执法检查人员名录库), the list of spot
checks, and the results whose publication is overdue (to-do)."""

import calendar
import datetime as dt
from collections import defaultdict

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from nongan.core.scoping import visible, within
from nongan.inspections.models import Inspection
from nongan.people.models import User
from nongan.producers.models import CERT_KINDS, KINDS, Certification, Producer
from nongan.regions.models import GridMember, Region

from .models import ConflictDeclaration, Matter, SpotCheck, Target

# A drawn check's snapshot of its population and officers (tens of kilobytes): a row of a
# target's list reads its check's title, not the snapshot (85 ms for 50 targets of the city).
SNAPSHOT = ("spot_check__snapshot",)

SORTS = {"created": "created_at", "-created": "-created_at", "period": "period_start",
         "-period": "-period_start", "title": "title", "-title": "-title"}


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier (the month's last day when shorter)."""
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    month += 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def producers_in(user, region, *, kind="", certification="", credit_grade="",
                 period_start: dt.date, period_end: dt.date, exclude_months: int = 0):
    """The producers a spot check may draw from: active, in `region`, of the kind, with a
    valid certificate of that kind during the check period, of the credit grade — less
    those inspected, or drawn in another spot check, on or after `exclude_months` months
    before the period starts."""
    qs = within(visible(Producer, user).filter(active=True), region)
    if kind:
        qs = qs.filter(kind=kind)
    if certification:
        qs = qs.filter(Exists(Certification.objects.filter(
            producer=OuterRef("pk"), kind=certification, status="valid",
            valid_from__lte=period_end, valid_to__gte=period_start)))
    if credit_grade:
        qs = qs.filter(credit_grade=credit_grade)
    if exclude_months:
        since = _day_start(months_before(period_start, exclude_months))
        qs = qs.exclude(Exists(Inspection.objects.filter(producer=OuterRef("pk"),
                                                         finished_at__gte=since)))
        qs = qs.exclude(Exists(Target.objects.filter(
            producer=OuterRef("pk"), spot_check__state="drawn",
            spot_check__drawn_at__gte=since)))
    return qs.order_by("id")


def population(user, region, **filters) -> list[dict]:
    """The snapshot's population: [{id, town, grade}] sorted by id."""
    return [{"id": pk, "town": town, "grade": grade} for pk, town, grade in
            producers_in(user, region, **filters).values_list("id", "town_id", "credit_grade")]


def population_table(qs) -> list[dict]:
    """Counts of a population by town and credit grade (one row per town)."""
    rows: dict[str, dict] = {}
    for town, name, grade, n in (qs.order_by().values_list("town", "town__name", "credit_grade")
                                 .annotate(n=Count("id"))):
        row = rows.setdefault(town, {"town": town, "name": name, "grades": defaultdict(int),
                                     "total": 0})
        row["grades"][grade] += n
        row["total"] += n
    return [rows[code] for code in sorted(rows)]


def recusal_facts(users) -> dict[str, dict]:
    """Per username: the towns of the grids the officer serves in (网格职责) and the
    producers and towns of the conflicts they declared and have not withdrawn."""
    users = list(users)
    facts = {u.username: {"towns": set(), "conflict_producers": set(),
                          "conflict_towns": set()} for u in users}
    for username, town in (GridMember.objects.filter(user__in=users, grid__active=True)
                           .values_list("user__username", "grid__town_id")):
        facts[username]["towns"].add(town)
    for username, producer, town in (ConflictDeclaration.objects
                                     .filter(officer__in=users, withdrawn_at=None)
                                     .values_list("officer__username", "producer_id",
                                                  "town_id")):
        if producer:
            facts[username]["conflict_producers"].add(producer)
        if town:
            facts[username]["conflict_towns"].add(town)
    return {name: {key: sorted(values) for key, values in fact.items()}
            for name, fact in facts.items()}


def enforcement_officers(user, district=None):
    """Enforcement officers (执法检查人员名录库) the user may see — of one district when
    given — whatever their card."""
    qs = visible(User, user).filter(role="enforcement_officer", is_active=True)
    if district is not None:
        qs = qs.filter(region__district=district)
    return qs.select_related("org", "region").order_by("region", "username")


def officer_directory(user) -> list[dict]:
    """Each officer with their card's state, grid duties and active conflicts."""
    today = timezone.localdate()
    officers = list(enforcement_officers(user))
    duties = defaultdict(list)
    for member in (GridMember.objects.filter(user__in=officers, grid__active=True)
                   .select_related("grid__town").order_by("grid__code")):
        duties[member.user_id].append(member)
    conflicts = defaultdict(list)
    for c in conflicts_for(user, active_only=True).filter(officer__in=officers):
        conflicts[c.officer_id].append(c)
    return [{"officer": o, "card_valid": bool(o.enforcement_card_no)
             and o.enforcement_card_valid_to is not None
             and o.enforcement_card_valid_to >= today,
             "duties": duties[o.pk], "conflicts": conflicts[o.pk]} for o in officers]


def officer_pool(user, district, period_end: dt.date) -> list[dict]:
    """The snapshot's officer pool: the district's enforcement officers whose card is valid
    through `period_end` (an officer without a valid card is never drawn)."""
    officers = list(enforcement_officers(user, district)
                    .filter(enforcement_card_valid_to__gte=period_end)
                    .exclude(enforcement_card_no="").order_by("username"))
    facts = recusal_facts(officers)
    return [{"username": o.username, "card_no": o.enforcement_card_no,
             "card_valid_to": o.enforcement_card_valid_to.isoformat(), **facts[o.username]}
            for o in officers]


def spot_checks_for(user, *, state="", matter=None, region=None, q="", sort=""):
    """The spot checks `user` may see, narrowed by the list filters (all optional). A town
    or village `region` keeps the checks whose population covers it."""
    qs = (visible(SpotCheck, user).select_related("matter", "region", "created_by")
          .annotate(targets_count=Count("targets", distinct=True),
                    concluded_count=Count("targets", filter=~Q(targets__result=""),
                                          distinct=True),
                    published_count=Count("targets", filter=Q(targets__published_at__isnull=False),
                                          distinct=True)))
    if state:
        qs = qs.filter(state=state)
    if matter:
        qs = qs.filter(matter_id=matter)
    if region is not None and region.level != "city":
        if region.level == "district":
            qs = qs.filter(region=region)
        else:
            covering = [c for c in (region.code, region.town_id, region.district_id) if c]
            qs = qs.filter(population__region__in=covering)
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(matter__name__icontains=q))
    return qs.order_by(SORTS.get(sort, "-created_at"), "-pk")


def targets_of(spot_check):
    return (spot_check.targets.select_related("producer", "town", "inspection", "concluded_by")
            .prefetch_related("samples").order_by("position"))


def overdue_publications(user, today: dt.date | None = None):
    """Check results formed and not published by their due date (20 working days), in the
    user's scope, most overdue first."""
    today = today or timezone.localdate()
    return (visible(Target, user).filter(spot_check__state="drawn", published_at=None,
                                         publish_due__lt=today)
            .exclude(result="").select_related("spot_check", "producer", "town")
            .defer(*SNAPSHOT).order_by("publish_due", "spot_check", "position"))


def matters_for(user, *, active_only=False):
    """The matters list a user works with: the city's lines, then the district's own."""
    qs = visible(Matter, user).select_related("region", "template")
    if active_only:
        qs = qs.filter(active=True)
    return qs.order_by("region__level", "code")


def conflicts_for(user, *, active_only=False):
    qs = visible(ConflictDeclaration, user).select_related("officer", "producer", "town")
    if active_only:
        qs = qs.filter(withdrawn_at=None)
    return qs.order_by("-declared_at", "-pk")


def district_towns(district):
    return Region.objects.filter(district=district, level="town", active=True).order_by("code")


EXPORT_HEADERS = ["编号", "计划名称", "抽查事项", "实施辖区", "抽查范围", "抽取方式", "检查开始",
                  "检查结束", "状态", "抽取对象数", "已形成结果", "已公示", "随机种子哈希",
                  "取消理由"]


def amount_text(spot_check) -> str:
    """How many are drawn, as people read it: 抽取 12 个 / 抽取 10% / 按信用等级 A 5% …"""
    if spot_check.count is not None:
        text = f"抽取 {spot_check.count} 个"
    elif spot_check.share is not None:
        text = f"抽取 {float(spot_check.share) * 100:g}%"
    else:
        text = "按信用等级 " + "，".join(
            f"{grade} {float(share) * 100:g}%" for grade, share
            in sorted(spot_check.grade_shares.items()))
    return text + ("，按镇（街道）分层" if spot_check.stratify_by == "town" else "")


def population_text(spot_check, names=None) -> str:
    population = spot_check.population or {}
    region = population.get("region") or spot_check.region_id
    parts = [(names or {}).get(region, region)]
    labels = {"kind": dict(KINDS), "certification": dict(CERT_KINDS)}
    for key in ("kind", "certification"):
        if population.get(key):
            parts.append(labels[key].get(population[key], population[key]))
    if population.get("credit_grade"):
        parts.append(f"信用等级 {population['credit_grade']}")
    return "，".join(parts)


def export_rows(qs):
    names = dict(Region.objects.filter(
        code__in={(s.population or {}).get("region") for s in qs}).values_list("code", "name"))
    for s in qs:
        yield [s.pk, s.title, str(s.matter), s.region.name, population_text(s, names),
               amount_text(s), s.period_start, s.period_end, s.get_state_display(),
               s.targets_count, s.concluded_count, s.published_count, s.seed_hash,
               s.cancel_reason]
