"""Writes of the credit file (信用档案): events appended as their sources are written, the
grade recomputed by the rule table when an event arrives, the rule table edited by the city,
and the daily refresh that applies decay and repair (信用修复) to everyone.

Every change of grade is a `GradeChange` with its score and reasons; a grade that improves
because events stopped counting (their period ran out, their rectification was completed)
is recorded with the cause 信用修复.
"""

import datetime as dt
import hashlib
import time
from collections import Counter, defaultdict
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.exchange.events import emit, emit_many
from nongan.inspections.models import Rectification
from nongan.monitoring.models import NON_COMPLIANT
from nongan.producers.models import Producer

from . import grading, sources
from . import publication as layout
from .backfill import history_events
from .models import CreditEvent, CreditPublication, CreditRule, CreditScale, GradeChange
from .rules import DEFAULT_THRESHOLDS, clean_table, rules_in_force, table_dict

CITY = "310000000000"
BATCH = 2000
IN_BATCH = 900  # ids per `pk__in`, under SQLite's oldest limit of query parameters
EVENT_FIELDS = ["producer_id", "kind", "occurred_on", "summary", "source", "serious",
                "settled_on"]
SAME_DAY = sources.SAME_DAY


# ---------------------------------------------------------------- events

@transaction.atomic
def record_event(producer, *, kind: str, occurred_on, summary: str, source: str,
                 link: str = "", serious: bool = False, actor=None,
                 settled_on=SAME_DAY) -> CreditEvent:
    """Append one event to the producer's credit file and recompute its grade; the same
    source and kind records once (a case closed twice by a retried request adds nothing).
    `settled_on`: the day the matter was put right — the day it occurred unless given;
    None while it is still open (the event then counts until `settle`)."""
    settled = occurred_on if settled_on is SAME_DAY else settled_on
    event, created = CreditEvent.objects.get_or_create(
        source=source, kind=kind,
        defaults={"producer": producer, "occurred_on": occurred_on, "summary": summary[:300],
                  "serious": serious, "link": link, "recorded_by": actor,
                  "settled_on": settled})
    if created:
        audit.record("credit.event", event, actor=actor, region_code=producer.village_id,
                     after={"kind": kind, "source": source, "serious": serious,
                            "occurred_on": occurred_on, "settled_on": settled})
        recompute(producer, actor=actor, note=f"{grading.LABELS[kind]}：{summary}")
    return event


@transaction.atomic
def settle(source: str, on: dt.date, *, actor=None) -> int:
    """The matter of `source` was put right on `on` (a rectification closed): its open
    events stop counting once their period is over too."""
    events = list(CreditEvent.objects.select_related("producer")
                  .filter(source=source, settled_on=None))
    for event in events:
        event.settled_on = on
        event.save(update_fields=["settled_on"])
        audit.record("credit.settle", event, actor=actor,
                     region_code=event.producer.village_id, after={"settled_on": on})
    for producer in {e.producer for e in events}:
        recompute(producer, actor=actor, cause="refresh")
    return len(events)


def _record(row: dict, actor) -> None:
    fields = dict(row)
    producer = Producer.objects.get(pk=fields.pop("producer_id"))
    record_event(producer, **fields, actor=actor)


# ---------------------------------------------------------------- feeders (one call each)

def inspection_recorded(inspection, closed: list[int], *, actor=None) -> None:
    """A visit: its 限期整改 or 移交执法 result is an event; the rectification orders it
    closed are settled (and recorded late when past their deadline)."""
    row = sources.inspection_event(inspection)
    if row:
        _record(row, actor)
    today = timezone.localdate()
    for order in Rectification.objects.filter(pk__in=closed):
        for row in sources.rectification_events(order, today):
            _record(row, actor)
        settle(f"rectification:{order.pk}", timezone.localdate(order.closed_at), actor=actor)


def sample_judged(sample, *, actor=None) -> None:
    """A sample judged non-compliant (once per sample: the event is unique per source)."""
    failed = list(sample.results.filter(current=True, status__in=NON_COMPLIANT)
                  .values_list("analyte", "status"))
    row = sources.sample_event(sample, failed)
    if row:
        _record(row, actor)


def certification_changed(cert, before: str, *, reason: str, actor=None) -> None:
    """A certificate revoked (证后监管) — not one that was revoked already."""
    if before != "revoked":
        row = sources.certificate_event(cert, timezone.localdate(), reason)
        if row:
            _record(row, actor)


# ---------------------------------------------------------------- grades

def _explain(cause: str, note: str, old: str, new: str, events, rules, last, today):
    """The cause and note of a change. What a refresh changes: a better grade owed to
    events that stopped counting since the last change is 信用修复 (named); a worse one is
    owed to events it found; the first computation of a grade (over the register's default
    B) is neither."""
    if cause != "refresh":
        return cause, note
    if not grading.better(new, old):
        return "event", note
    gone = grading.ended(events, rules, timezone.localdate(last) if last else dt.date.min, today)
    if not gone:
        return cause, note
    return "repair", "信用修复：" + "；".join(f"{grading.LABELS[e.kind]}（{e.summary}）不再计入"
                                         for e in gone)


def _change(producer_id, old, result, *, cause, note, rules, actor, at) -> GradeChange:
    return GradeChange(producer_id=producer_id, from_grade=old, to_grade=result.grade,
                       score=result.score, reasons=result.reasons, cause=cause,
                       note=note[:300], rules_version=rules.version, at=at, actor=actor)


@transaction.atomic
def recompute(producer, *, actor=None, today=None, cause: str = "event",
              note: str = "") -> GradeChange | None:
    """Set the producer's grade from its events and the rules in force; a change is kept
    with its score and reasons."""
    today = today or timezone.localdate()
    old = (Producer.objects.select_for_update().filter(pk=producer.pk)
           .values_list("credit_grade", flat=True).get())
    rules = rules_in_force()
    events = list(CreditEvent.objects.filter(producer_id=producer.pk))
    result = grading.grade(events, rules, today)
    producer.credit_grade = result.grade
    if result.grade == old:
        return None
    last = GradeChange.objects.filter(producer_id=producer.pk).aggregate(at=Max("at"))["at"]
    cause, note = _explain(cause, note, old, result.grade, events, rules, last, today)
    Producer.objects.filter(pk=producer.pk).update(credit_grade=result.grade)
    change = _change(producer.pk, old, result, cause=cause, note=note, rules=rules,
                     actor=actor, at=timezone.now())
    change.save()
    emit("credit.grade_changed", change, dataset="grades", district_code=producer.district_id)
    audit.record("credit.grade", producer, actor=actor, region_code=producer.village_id,
                 before={"grade": old},
                 after={"grade": result.grade, "score": result.score, "cause": cause})
    return change


def recompute_all(*, cause: str, note: str = "", actor=None, today=None) -> dict:
    """Every producer's grade from its events, in bulk (the caller audits the run, once).
    Call inside a transaction."""
    started = time.monotonic()
    today = today or timezone.localdate()
    rules = rules_in_force()
    events = defaultdict(list)
    for event in CreditEvent.objects.values_list(*EVENT_FIELDS, named=True).iterator(
            chunk_size=BATCH):
        events[event.producer_id].append(event)
    last = dict(GradeChange.objects.order_by().values("producer")
                .annotate(at=Max("at")).values_list("producer", "at"))
    now, changes, grades = timezone.now(), [], Counter()
    for pk, old in Producer.objects.values_list("pk", "credit_grade").iterator(chunk_size=BATCH):
        result = grading.grade(events.get(pk, []), rules, today)
        grades[result.grade] += 1
        if result.grade == old:
            continue
        why, text = _explain(cause, note, old, result.grade, events.get(pk, []), rules,
                             last.get(pk), today)
        changes.append(_change(pk, old, result, cause=why, note=text, rules=rules,
                               actor=actor, at=now))
    by_grade = defaultdict(list)
    for change in changes:
        by_grade[change.to_grade].append(change.producer_id)
    for grade, ids in by_grade.items():
        for start in range(0, len(ids), IN_BATCH):
            Producer.objects.filter(pk__in=ids[start:start + IN_BATCH]).update(credit_grade=grade)
    GradeChange.objects.bulk_create(changes, batch_size=BATCH)
    emit_many("credit.grade_changed", changes, dataset="grades")
    return {"producers": sum(grades.values()), "changed": len(changes),
            "grades": {g: grades.get(g, 0) for g in grading.GRADES},
            "rules_version": rules.version, "seconds": round(time.monotonic() - started, 2)}


# ---------------------------------------------------------------- the rule table

def _compact(table: dict) -> dict:
    """A table as its audit entry keeps it: thresholds, and per kind the row's values."""
    return {"thresholds": table["thresholds"],
            "rules": {r["kind"]: [r["points"], r["months"], r["forced_grade"],
                                  r["forced_months"], r["serious_only"]]
                      for r in table["rules"]}}


def update_rules(data, *, actor, today=None) -> dict:
    """修改信用评价规则 (the city administrator): the whole table at once — every row checked
    first (422 naming row and field), nothing stored unless all pass; the version goes up
    and every grade is recomputed in the same transaction."""
    require(actor, "credit.rules.edit")
    thresholds, rows = clean_table(data)
    with transaction.atomic():
        scale = CreditScale.objects.select_for_update().first() or CreditScale.objects.create(
            a_min=DEFAULT_THRESHOLDS["A"], b_min=DEFAULT_THRESHOLDS["B"],
            c_min=DEFAULT_THRESHOLDS["C"])
        asked = data.get("version") if isinstance(data, dict) else None
        if asked not in (None, "") and str(asked) != str(scale.version):
            raise Conflict(f"信用规则已被修改（现为第 {scale.version} 版），请刷新后重新编辑")
        before = _compact(table_dict())
        after = _compact({"thresholds": thresholds, "rules": rows})
        if after == before:
            return table_dict() | {"recomputed": None}
        CreditRule.objects.all().delete()
        CreditRule.objects.bulk_create([CreditRule(**row) for row in rows])
        scale.a_min, scale.b_min, scale.c_min = thresholds["A"], thresholds["B"], thresholds["C"]
        scale.version += 1
        scale.updated_by = actor
        scale.save()
        summary = recompute_all(cause="rules", note=f"信用规则调整（第 {scale.version} 版）",
                                actor=actor, today=today)
        audit.record("credit.rules.update", scale, actor=actor, region_code=CITY,
                     before=before, after=after | {"version": scale.version,
                                                   "recomputed": summary})
        return table_dict() | {"recomputed": summary}


# ---------------------------------------------------------------- the whole history

def _derived(today: dt.date, *, everything: bool):
    """Events from the records: rectifications always; with `everything`, inspections,
    samples, cases and certificates too (the backfill)."""
    orders = Rectification.objects.filter(deadline__lt=today).only(
        "pk", "producer_id", "ordered_by_id", "deadline", "closed_at")
    for order in orders.iterator(chunk_size=BATCH):
        yield from sources.rectification_events(order, today)
    if everything:
        yield from history_events(today)


def _store(rows) -> int:
    """Create the events not recorded yet (bulk, no audit entry each)."""
    rows = [row for row in rows if row]
    kinds = {r["kind"] for r in rows}
    known = set(CreditEvent.objects.filter(kind__in=kinds).values_list("source", "kind")
                .iterator(chunk_size=BATCH))
    new, seen = [], set()
    for row in rows:
        key = (row["source"], row["kind"])
        if key not in known and key not in seen:
            seen.add(key)
            new.append(CreditEvent(**row))
    CreditEvent.objects.bulk_create(new, batch_size=BATCH)
    return len(new)


def _settle_closed() -> int:
    """Open rectification events whose order has since been closed."""
    pending = dict(CreditEvent.objects.filter(settled_on=None, source__startswith="rectification:")
                   .values_list("pk", "source"))
    ids = {pk: int(source.split(":")[1]) for pk, source in pending.items()}
    closed = dict(Rectification.objects.filter(pk__in=set(ids.values())).exclude(closed_at=None)
                  .values_list("pk", "closed_at"))
    settled = [CreditEvent(pk=pk, settled_on=timezone.localdate(closed[order]))
               for pk, order in ids.items() if order in closed]
    CreditEvent.objects.bulk_update(settled, ["settled_on"], batch_size=BATCH)
    return len(settled)


def _sweep(action: str, cause: str, note: str, *, everything: bool, actor, today) -> dict:
    today = today or timezone.localdate()
    with transaction.atomic():
        added = _store(_derived(today, everything=everything))
        settled = _settle_closed()
        grades = recompute_all(cause=cause, note=note, actor=actor, today=today)
        summary = {"events_added": added, "events_settled": settled, **grades}
        audit.record(action, actor=actor, object_type="credit.creditevent", object_id="*",
                     region_code=CITY, after=summary)
    return summary


def refresh(*, actor=None, today=None) -> dict:
    """每日更新 (`nongan credit refresh`, daily): rectifications past their deadline become
    events, completed ones settle theirs, and every grade follows decay and repair.
    Running it again the same day changes nothing."""
    return _sweep("credit.refresh", "refresh", "每日更新", everything=False, actor=actor,
                  today=today)


def backfill(*, actor=None, today=None) -> dict:
    """The credit file from the records already kept (inspections, rectifications,
    non-compliant samples, closed and revoked cases, revoked certificates), in bulk; then
    every grade. Idempotent: an event already recorded is left as it is."""
    return _sweep("credit.backfill", "backfill", "由已有监管记录生成信用档案",
                  everything=True, actor=actor, today=today)


# ---------------------------------------------------------------- 信用信息报送 (publication)

def _publication_window(day: dt.date, now) -> tuple:
    """[from, until) of the day's file: from where the previous file stopped (the start of
    the day for the first one) to the end of the day, or now when the day is not over."""
    start = dt.datetime.combine(day, dt.time(0), tzinfo=ZoneInfo("Asia/Shanghai"))
    previous = CreditPublication.objects.filter(day__lt=day).order_by("-day").first()
    return (previous.covers_until if previous else start,
            min(now, start + dt.timedelta(days=1)))


def generate_publication(day: dt.date, *, actor=None, now=None):
    """生成信用信息报送文件 for `day` (the scheduled task: yesterday; `actor` None): the
    penalties published and withdrawn and the grade changes since the previous file, as CSV
    and XLSX (nongan.credit.publication), stored with their SHA-256. Idempotent: a day
    already generated is answered as it is and never rewritten — what changes afterwards
    goes into the next day's file (撤销 / 更正 rows). Returns (publication, created)."""
    if actor is not None:
        require(actor, "credit.publish")
    now = now or timezone.now()
    if day > timezone.localdate(now):
        raise FieldErrors({"day": "不能晚于今天"})
    done = CreditPublication.objects.filter(day=day).first()
    if done is not None:
        return done, False
    later = CreditPublication.objects.filter(day__gt=day).order_by("day").first()
    if later is not None:
        raise Conflict(f"已生成 {later.day} 的报送文件，{day} 的记录已计入其中，不再单独生成")
    start, end = _publication_window(day, now)
    sent = {}
    for earlier in CreditPublication.objects.filter(day__lt=day).order_by("day"):
        sent.update(earlier.sent)
    penalties, hashes, counts = layout.penalty_rows(start, end, sent)
    grades = layout.grade_rows(start, end)
    files = {}
    for name, (_, _, kind) in layout.FILES.items():
        content = layout.render(name, penalties if kind == "penalties" else grades)
        path = default_storage.save(f"credit-publications/{day:%Y}/{day.isoformat()}/{name}",
                                    ContentFile(content))
        files[name] = {"path": path, "sha256": hashlib.sha256(content).hexdigest(),
                       "size": len(content)}
    try:
        with transaction.atomic():
            done = CreditPublication.objects.create(
                day=day, covers_from=start, covers_until=end, penalties=counts["published"],
                withdrawals=counts["withdrawn"], corrections=counts["corrected"],
                grade_changes=len(grades), files=files, sent=hashes, generated_at=now,
                generated_by=actor)
            audit.record("credit.publish", done, actor=actor, region_code=CITY,
                         after={"day": day, "from": start, "until": end, **counts,
                                "grade_changes": len(grades),
                                "sha256": {n: f["sha256"] for n, f in files.items()}})
    except IntegrityError:  # another worker generated the day meanwhile: theirs stands
        for f in files.values():
            default_storage.delete(f["path"])
        return CreditPublication.objects.get(day=day), False
    return done, True
