"""巡查频次: which producers must be inspected how often, and who is behind.

实施方案 四.(四).2: "对辖区所有规模化生产主体每季度开展1次巡查，还应对辖区所有绿色食品、
有机农产品和地理标志农产品生产经营主体每月开展1次巡查，检查要求详见附件1。对辖区所有
绿色食品、有机农产品认证主体开展1次年度检查，检查要求详见附件2。"

Calendar periods are Shanghai's (Asia/Shanghai): an inspection finished at 2026-06-30 23:30
Shanghai time belongs to Q2 although it is 15:30 UTC.

Certificates: a certificate counts for a window when its validity dates overlap the window
(valid for a day of a month makes that month's visit due). Its status matters only for the
window containing `today` and later ones: a suspended or revoked certificate stops them at
once, while earlier windows keep their obligations (the register keeps no date for a status
change, and before it the producer was certified). "expired" is the dates running out and
is judged by the dates alone.
"""

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, Exists, IntegerField, OuterRef, Q, Value, When
from django.utils import timezone

from nongan.core.errors import FieldErrors
from nongan.core.scoping import visible
from nongan.producers.models import Certification, Producer
from nongan.regions.models import Grid, Region

from .models import Inspection, Rectification

SHANGHAI = ZoneInfo("Asia/Shanghai")
CLAUSE = "实施方案 四.(四).2"

# Every scale producer (Producer.is_scale) once a calendar quarter, with any checklist.
QUARTERLY = {"obligation": "quarterly", "name": "季度巡查", "unit": "quarter", "times": 1,
             "template_kinds": None, "clause": f"{CLAUSE}：规模化生产主体每季度开展1次巡查（附件1）"}
# Every 二品一标 producer (valid green, organic or GI certificate) once a calendar month.
MONTHLY = {"obligation": "monthly", "name": "月度巡查", "unit": "month", "times": 1,
           "template_kinds": None,
           "certification_kinds": ("green", "organic", "gi"),
           "clause": f"{CLAUSE}：绿色食品、有机农产品和地理标志农产品主体每月开展1次巡查（附件1）"}
# Every green-food or organic certified producer: one annual inspection a calendar year with
# the 附件2 form of its certificate (a daily inspection does not count).
ANNUAL = {"obligation": "annual", "name": "年度检查", "unit": "year", "times": 1,
          "template_kind_for": {"green": "green_annual", "organic": "organic_annual"},
          "clause": f"{CLAUSE}：绿色食品、有机农产品认证主体每年开展1次年度检查（附件2）"}
# 分类分级监管 (实施方案 五.(一)): a low credit grade raises the seed's minimums, never lowers
# them. The grade is today's, so it sets the current and later windows only; a window already
# past keeps the obligations it had.
GRADE_QUARTERLY = {"obligation": "grade_quarterly", "name": "信用C季度巡查", "unit": "quarter",
                   "times": 1, "template_kinds": None, "grades": ("C",),
                   "clause": "分类分级监管：信用等级C（失信）的主体每季度至少巡查1次"}
GRADE_MONTHLY = {"obligation": "grade_monthly", "name": "信用D月度巡查", "unit": "month",
                 "times": 1, "template_kinds": None, "grades": ("D",),
                 "clause": "分类分级监管：信用等级D（严重失信）的主体每月巡查1次"}
# Sampling priority: a D producer is sampled (any kind of sample) once a quarter.
GRADE_SAMPLE = {"obligation": "grade_sample", "name": "信用D季度抽检", "unit": "quarter",
                "times": 1, "template_kinds": None, "grades": ("D",), "counts": "samples",
                "clause": "分类分级监管：信用等级D（严重失信）的主体每季度至少抽检1次"}
GRADE_RULES = (GRADE_QUARTERLY, GRADE_MONTHLY, GRADE_SAMPLE)
RULES = (QUARTERLY, MONTHLY, ANNUAL, *GRADE_RULES)
STATUSES = ("due", "done", "overdue")
# Certificate statuses that count for the current and later windows (see the module note).
COUNTING_STATUSES = ("valid", "expired")
# A missed window stays on a grid person's to-do list this many days after it ended.
REMINDER_OVERDUE_DAYS = 31
# What the rows' readers use of a producer: loading only these keeps a city's 30,000
# producers from decoding every product list and date.
PRODUCER_FIELDS = ("name", "is_scale", "credit_grade", "grid", "town", "district", "village")

_PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?:[Qq](?P<quarter>[1-4])|(?P<month>0[1-9]|1[0-2])))?$")


# --- calendar -------------------------------------------------------------------------


def shanghai_today() -> dt.date:
    return timezone.now().astimezone(SHANGHAI).date()


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def window_of(unit: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar month / quarter / year containing `day`, as inclusive dates."""
    if unit == "month":
        return dt.date(day.year, day.month, 1), _month_end(day.year, day.month)
    if unit == "quarter":
        first = 3 * ((day.month - 1) // 3) + 1
        return dt.date(day.year, first, 1), _month_end(day.year, first + 2)
    if unit == "year":
        return dt.date(day.year, 1, 1), dt.date(day.year, 12, 31)
    raise ValueError(unit)


def parse_period(period: str) -> tuple[dt.date, dt.date]:
    """"2026-Q3", "2026-07" or "2026" → its first and last day."""
    match = _PERIOD.match((period or "").strip())
    if not match:
        raise FieldErrors({"period": "期间格式应为 2026、2026-Q3 或 2026-07"})
    year = int(match["year"])
    if match["quarter"]:
        return window_of("quarter", dt.date(year, 3 * int(match["quarter"]) - 2, 1))
    if match["month"]:
        return window_of("month", dt.date(year, int(match["month"]), 1))
    return window_of("year", dt.date(year, 1, 1))


def windows_in(unit: str, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    """The windows of `unit` overlapping [start, end]: the period's own sub-windows, and for
    a period shorter than the unit the one window that contains it (a month's view shows
    the quarter and the year it lies in)."""
    windows, day = [], start
    while day <= end:
        window = window_of(unit, day)
        windows.append(window)
        day = window[1] + dt.timedelta(days=1)
    return windows


def period_label(unit: str, window: tuple[dt.date, dt.date]) -> str:
    start = window[0]
    if unit == "month":
        return f"{start.year}-{start.month:02d}"
    if unit == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _aware(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the months from `first` to `last`."""
    months = [dt.date(first.year, first.month, 1)]
    while (following := _month_end(months[-1].year, months[-1].month)
           + dt.timedelta(days=1)) <= last:
        months.append(following)
    return months


def _month_index(field: str, months: list[dt.date]) -> Case:
    """Which of `months` (Shanghai's) the moment `field` falls in, by comparing it with the
    months' ends: what TruncMonth(tzinfo=SHANGHAI) tells, without SQLite calling back into
    Python for every row nor a date to parse for every group."""
    return Case(*[When(**{f"{field}__lt": _aware(_month_end(m.year, m.month)
                                                 + dt.timedelta(days=1))}, then=Value(i))
                  for i, m in enumerate(months)], output_field=IntegerField())


def _place(producers: list) -> None:
    """The grid, town and district the pages, exports and summaries name, fetched once
    each and shared by their producers (a city has 16 districts, not 30,000 copies)."""
    for name, places in (("grid", Grid.objects.only("code", "name")),
                         ("town", Region.objects.only("name")),
                         ("district", Region.objects.only("name"))):
        found = places.in_bulk({getattr(p, f"{name}_id") for p in producers} - {None})
        for producer in producers:
            setattr(producer, name, found.get(getattr(producer, f"{name}_id")))


# --- schedule -------------------------------------------------------------------------


def schedule(producers_qs, period: str, *, today: dt.date | None = None) -> list[dict]:
    """Per producer and obligation window inside `period`: what is required, what was done.

    Rows are {"producer", "obligation" (quarterly | monthly | annual), "required", "done",
    "status" (due | done | overdue), "window": (first day, last day), "label",
    "template_kinds" (None: any checklist), "certification" (the kind behind an annual
    obligation), "clause"}. The same few queries whatever the number of producers.
    """
    return schedule_between(producers_qs, *parse_period(period), today=today)


def schedule_between(producers_qs, start: dt.date, end: dt.date, *,
                     today: dt.date | None = None) -> list[dict]:
    """`schedule` for any span of dates (a dashboard's period may run over several years):
    every window of every rule that overlaps it, in one pass over the producers."""
    return _rows(producers_qs, windows_between(start, end), today or shanghai_today())


def windows_between(start: dt.date, end: dt.date) -> dict:
    """Each rule's windows overlapping [start, end], by obligation."""
    return {rule["obligation"]: windows_in(rule["unit"], start, end) for rule in RULES}


def _rows(producers_qs, windows: dict, today: dt.date, places=True) -> list[dict]:
    all_windows = [w for ws in windows.values() for w in ws]
    if not all_windows:
        return []
    first = min(w[0] for w in all_windows)
    last = max(w[1] for w in all_windows)
    if producers_qs.query.is_sliced:
        producers = list(producers_qs)
        ids = [p.pk for p in producers]
    else:
        producers = list(producers_qs.only(*PRODUCER_FIELDS))
        if places:
            _place(producers)
        ids = producers_qs.order_by().values("pk")
    if not producers:
        return []
    months = _months(first, last)

    # One query: inspections per producer, checklist kind and Shanghai month; every window
    # unit (month, quarter, year) is a run of whole months, so these counts serve them all.
    done_in = defaultdict(dict)  # producer id -> {(template kind, first of month): count}
    for row in (Inspection.objects
                .filter(producer_id__in=ids, finished_at__gte=_aware(first),
                        finished_at__lt=_aware(last + dt.timedelta(days=1)))
                .annotate(month=_month_index("finished_at", months))
                .order_by()
                .values("producer_id", "template__kind", "month")
                .annotate(n=Count("id"))):
        key = (row["template__kind"], months[row["month"]])
        visits = done_in[row["producer_id"]]
        visits[key] = visits.get(key, 0) + row["n"]

    # One query: samples per producer and Shanghai month, for the sampling obligation.
    sampled_in = defaultdict(dict)  # producer id -> {first of month: count}
    if windows.get(GRADE_SAMPLE["obligation"]) and any(
            p.credit_grade in GRADE_SAMPLE["grades"] for p in producers):
        from nongan.monitoring.models import Sample

        for row in (Sample.objects
                    .filter(producer_id__in=ids, sampled_at__gte=_aware(first),
                            sampled_at__lt=_aware(last + dt.timedelta(days=1)))
                    .annotate(month=_month_index("sampled_at", months))
                    .order_by().values("producer_id", "month").annotate(n=Count("id"))):
            sampled_in[row["producer_id"]][months[row["month"]]] = row["n"]

    # One query: the certificates that overlap the span, with their kinds and dates.
    certificates = defaultdict(list)
    for cert in (Certification.objects
                 .filter(producer_id__in=ids, kind__in=MONTHLY["certification_kinds"],
                         valid_from__lte=last, valid_to__gte=first)
                 .order_by()
                 .values("producer_id", "kind", "status", "valid_from", "valid_to")):
        certificates[cert["producer_id"]].append(cert)

    def certified(producer_id, kinds, window) -> bool:
        current = window[1] >= today
        return any(c["kind"] in kinds and c["valid_from"] <= window[1]
                   and c["valid_to"] >= window[0]
                   and (not current or c["status"] in COUNTING_STATUSES)
                   for c in certificates.get(producer_id, ()))

    def count(producer_id, template_kinds, window) -> int:
        visits = done_in.get(producer_id, {})
        return sum(n for (kind, month), n in visits.items()
                   if window[0] <= month <= window[1]
                   and (template_kinds is None or kind in template_kinds))

    def sampled(producer_id, window) -> int:
        return sum(n for month, n in sampled_in.get(producer_id, {}).items()
                   if window[0] <= month <= window[1])

    def done(producer, slot) -> int:
        return (sampled(producer.pk, slot.window) if slot.rule.get("counts") == "samples"
                else count(producer.pk, slot.template_kinds, slot.window))

    slots = slots_of(windows, today)
    return [_row(producer, slot, done(producer, slot), today)
            for producer in producers for slot in slots if _owes(slot, producer, certified)]


def _row(producer, slot, done: int, today: dt.date) -> dict:
    rule, window = slot.rule, slot.window
    status = ("done" if done >= rule["times"]
              else "overdue" if window[1] < today else "due")
    return {"producer": producer, "obligation": rule["obligation"], "name": rule["name"],
            "required": rule["times"], "done": done, "status": status,
            "window": window, "label": period_label(rule["unit"], window),
            "template_kinds": slot.template_kinds, "certification": slot.certification,
            "clause": rule["clause"]}


@dataclass(frozen=True)
class Slot:
    """An obligation a producer may owe: one window of a rule (of the annual inspection,
    per certificate kind: each kind asks its own 附件2 form)."""

    rule: dict
    window: tuple[dt.date, dt.date]
    template_kinds: tuple | None = None
    certification: str | None = None


def slots_of(windows: dict, today: dt.date) -> list[Slot]:
    """Every obligation of `windows` a producer may owe, in the order of its rows. A credit
    grade sets the current and later windows only (see GRADE_QUARTERLY)."""
    slots = [Slot(QUARTERLY, w) for w in windows.get("quarterly", ())]
    slots += [Slot(MONTHLY, w) for w in windows.get("monthly", ())]
    slots += [Slot(ANNUAL, w, (template_kind,), cert_kind)
              for w in windows.get("annual", ())
              for cert_kind, template_kind in ANNUAL["template_kind_for"].items()]
    slots += [Slot(rule, w) for rule in GRADE_RULES for w in windows.get(rule["obligation"], ())
              if w[1] >= today]
    return slots


def _owes(slot, producer, certified) -> bool:
    """Whether `producer` owes `slot` (`certified(producer id, kinds, window)`); the database
    answers the same in `standing._owed_sql`."""
    rule, window = slot.rule, slot.window
    if rule is QUARTERLY:
        return producer.is_scale
    if rule is MONTHLY:
        return certified(producer.pk, MONTHLY["certification_kinds"], window)
    if rule is ANNUAL:
        return certified(producer.pk, (slot.certification,), window)
    return (producer.credit_grade in rule["grades"]
            and not _already_owed(rule, producer, window, certified))


def _already_owed(rule, producer, window, certified) -> bool:
    """Whether the seed's own rule already asks this visit of the producer (the grade only
    adds where the minimum is lower)."""
    if rule is GRADE_QUARTERLY:
        return producer.is_scale
    if rule is GRADE_MONTHLY:
        return certified(producer.pk, MONTHLY["certification_kinds"], window)
    return False


STATUS_ORDER = {"done": 0, "due": 1, "overdue": 2}
STATUS_OF_RANK = {rank: status for status, rank in STATUS_ORDER.items()}


def owing(producers_qs, start: dt.date, end: dt.date):
    """The producers that owe any inspection between start and end: scale producers, those
    certified (二品一标) at some time in it, and those whose credit grade raises the minimum."""
    grades = {g for rule in GRADE_RULES for g in rule["grades"]}
    return producers_qs.filter(
        Q(is_scale=True) | Q(credit_grade__in=grades) | Exists(Certification.objects.filter(
            producer=OuterRef("pk"), kind__in=MONTHLY["certification_kinds"],
            valid_from__lte=end, valid_to__gte=start)))


def per_producer(rows) -> list[dict]:
    """Schedule rows folded per producer: required, done, and the worst status."""
    grouped: dict = {}
    for row in rows:
        grouped.setdefault(row["producer"].pk, (row["producer"], []))[1].append(row)
    return [{"producer": producer, "rows": rs,
             "required": sum(r["required"] for r in rs),
             "done": sum(min(r["done"], r["required"]) for r in rs),
             "status": max((r["status"] for r in rs), key=STATUS_ORDER.get)}
            for producer, rs in grouped.values()]


def as_json(item: dict) -> dict:
    producer = item["producer"]
    return {"producer": producer.pk, "name": producer.name,
            "grid": producer.grid.code if producer.grid_id else None, "town": producer.town_id,
            "required": item["required"], "done": item["done"], "status": item["status"],
            "obligations": [{"obligation": r["obligation"], "name": r["name"],
                             "label": r["label"],
                             "window": [r["window"][0], r["window"][1]],
                             "required": r["required"], "done": r["done"],
                             "status": r["status"], "clause": r["clause"]}
                            for r in item["rows"]]}


def summarise(rows, by: str = "grid") -> list[dict]:
    """Counts of due / done / overdue obligations per grid, town or district, with the number
    of producers behind (any overdue obligation)."""
    _check_by(by)
    areas: dict = {}
    behind: dict = defaultdict(set)
    for r in rows:
        producer = r["producer"]
        key = getattr(producer, f"{by}_id")
        if key not in areas:
            areas[key] = _area(key, getattr(producer, by) if key is not None else None)
        areas[key][r["status"]] += 1
        areas[key]["total"] += 1
        if r["status"] == "overdue":
            behind[key].add(producer.pk)
    for key, producers in behind.items():
        areas[key]["producers_behind"] = len(producers)
    return _by_area(areas)


def _check_by(by: str) -> None:
    if by not in ("grid", "town", "district"):
        raise ValueError("by should be grid, town or district")


def _area(key, place) -> dict:
    return {"area": key, "name": str(place) if place else "未划入网格", "due": 0, "done": 0,
            "overdue": 0, "total": 0, "producers_behind": 0}


def _by_area(areas: dict) -> list[dict]:
    return sorted(areas.values(), key=lambda a: (a["area"] is None, str(a["area"])))


# --- to-do list -----------------------------------------------------------------------


def _reminder_windows(today: dt.date) -> dict:
    """Each rule's current window, and the one that ended within REMINDER_OVERDUE_DAYS."""
    lookback = today - dt.timedelta(days=REMINDER_OVERDUE_DAYS)
    windows = {}
    for rule in RULES:
        current = window_of(rule["unit"], today)
        earlier = window_of(rule["unit"], lookback)
        windows[rule["obligation"]] = [current] + ([earlier] if earlier != current else [])
    return windows


def _inspection_items(rows) -> list[dict]:
    by_producer: dict = {}
    for r in rows:
        if r["status"] == "done":
            continue
        item = by_producer.setdefault(r["producer"].pk, {
            "kind": "inspection", "producer": r["producer"], "status": "due",
            "due_by": r["window"][1], "obligations": []})
        item["obligations"].append({k: r[k] for k in ("obligation", "name", "status", "window",
                                                      "label", "certification")})
        if r["status"] == "overdue":
            item["status"] = "overdue"
        item["due_by"] = min(item["due_by"], r["window"][1])
    return list(by_producer.values())


def _overdue_orders(user, today: dt.date):
    return (visible(Rectification, user).filter(deadline__lt=today, closed_by__isnull=True)
            .select_related("producer"))


def _order_item(order, today: dt.date) -> dict:
    return {"kind": "rectification", "producer": order.producer, "rectification": order,
            "status": "overdue", "due_by": order.deadline,
            "days_overdue": (today - order.deadline).days}


def reminders_for(user, today: dt.date | None = None) -> list[dict]:
    """A grid person's to-do list, computed on the fly: producers in the user's scope whose
    current window is not yet covered (due) or whose window ended within the last
    REMINDER_OVERDUE_DAYS days without an inspection (overdue), and open rectification orders
    past their deadline. Overdue first."""
    today = today or shanghai_today()
    items = _inspection_items(_rows(visible(Producer, user).filter(active=True),
                                    _reminder_windows(today), today, places=False))
    items += [_order_item(order, today) for order in _overdue_orders(user, today)]
    return sorted(items, key=_reminder_order)


def _reminder_order(item) -> tuple:
    return item["status"] != "overdue", item["due_by"], item["producer"].name
