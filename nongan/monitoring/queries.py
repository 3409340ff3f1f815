"""Reads of monitoring, always starting from `visible(...)`: lists, plan progress, the
monthly table by district × category × verdict, and what is overdue (监测待办)."""

import datetime as dt
from collections import Counter
from operator import attrgetter

from django.db.models import Count, Q
from django.db.models.functions import TruncDate
from django.shortcuts import get_object_or_404
from django.utils import timezone

from nongan.core.due_lists import Kind, Listed, Merged
from nongan.core.scoping import visible, within
from nongan.inspections.models import Inspection
from nongan.regions.models import Region

from . import deadlines
from .models import FollowUp, MonitoringPlan, MonthlySummary, PlanQuota, Sample

SORTS = {"sampled_at": "sampled_at", "-sampled_at": "-sampled_at", "sample_no": "sample_no",
         "-sample_no": "-sample_no", "producer": "producer__name", "-producer": "-producer__name",
         "verdict": "verdict", "-verdict": "-verdict", "results_due": "results_due",
         "-results_due": "-results_due"}


def samples_for(user, filters: dict):
    """The samples `user` may see, narrowed by the list filters (all optional)."""
    qs = (visible(Sample, user)
          .select_related("producer", "lab", "plan", "district", "town", "standard"))
    if filters.get("region"):
        qs = within(qs, get_object_or_404(visible(Region, user), code=filters["region"]))
    for field in ("kind", "verdict", "plan", "producer", "lab", "category"):
        if filters.get(field):
            qs = qs.filter(**{f"{field}_id" if field in ("plan", "producer", "lab") else field:
                              filters[field]})
    if filters.get("product"):
        qs = qs.filter(product=filters["product"])
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(Q(sample_no__icontains=q) | Q(producer__name__icontains=q)
                       | Q(product__icontains=q))
    if filters.get("date_from"):
        qs = qs.filter(sampled_at__date__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(sampled_at__date__lte=filters["date_to"])
    if filters.get("overdue"):
        qs = qs.filter(verdict="incomplete", results_due__lt=timezone.localdate())
    return qs.order_by(SORTS.get(filters.get("sort") or "", "-sampled_at"), "-pk")


def plans_for(user):
    return visible(MonitoringPlan, user).select_related("lab", "region", "created_by")


def plan_progress(plan, user) -> list[dict]:
    """Each quota of the plan the user may see, with the samples taken and their verdicts."""
    return plans_progress([plan], user)[plan.pk]


def plans_progress(plans, user) -> dict[int, list[dict]]:
    """plan_progress of each of `plans` (a page of them), in two queries."""
    ids = [plan.pk for plan in plans]
    quotas = visible(PlanQuota, user).filter(plan__in=ids).select_related("district")
    if user.role != "lab_staff" and user.region.level != "city":
        quotas = quotas.filter(district=user.region.district_id)
    taken = Counter()
    for plan, district, category, verdict, n in (
            Sample.objects.filter(plan__in=ids, retest_of=None)
            .values_list("plan", "district", "category", "verdict").annotate(n=Count("pk"))):
        taken[(plan, district, category, verdict)] += n
    rows = {pk: [] for pk in ids}
    for quota in quotas:
        counts = {v: taken[(quota.plan_id, quota.district_id, quota.category, v)]
                  for v in ("compliant", "non_compliant", "incomplete")}
        done = sum(counts.values())
        rows[quota.plan_id].append({
            "district": quota.district, "category": quota.category, "quota": quota.count,
            "taken": done, **counts,
            "share": min(1.0, done / quota.count) if quota.count else 1.0})
    return rows


def progress_totals(rows) -> dict:
    quota = sum(r["quota"] for r in rows)
    taken = sum(min(r["taken"], r["quota"]) for r in rows)
    return {"quota": quota, "taken": taken, "share": taken / quota if quota else 0.0}


def monthly_table(user, month: dt.date, region=None) -> list[dict]:
    """Samples taken in `month`: one row per district × product category with counts by
    verdict (月度监测统计)."""
    start = month.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    qs = within(visible(Sample, user), region).filter(
        sampled_at__gte=_aware(start), sampled_at__lt=_aware(end), retest_of=None)
    counts = Counter()
    names = {}
    for district, name, category, verdict, n in (
            qs.values_list("district", "district__name", "category", "verdict")
            .annotate(n=Count("pk"))):
        counts[(district, category or "未分类", verdict)] += n
        names[district] = name
    rows = []
    for district, category in sorted({(d, c) for d, c, _ in counts}):
        row = {"district": district, "district_name": names[district], "category": category,
               **{v: counts[(district, category, v)]
                  for v in ("compliant", "non_compliant", "incomplete")}}
        row["total"] = row["compliant"] + row["non_compliant"] + row["incomplete"]
        judged = row["compliant"] + row["non_compliant"]
        row["pass_rate"] = row["compliant"] / judged if judged else None
        rows.append(row)
    return rows


def _aware(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def recorded_inputs(user, days: int = 180, limit: int = 20000) -> dict[str, list[dict]]:
    """Pesticides each producer was seen using in recent inspections (样品用药 offered on
    the sampling form), newest first, one entry per pesticide and crop."""
    since = timezone.now() - dt.timedelta(days=days)
    found: dict[str, dict] = {}
    rows = (visible(Inspection, user).filter(finished_at__gte=since).exclude(inputs=[])
            .order_by("-finished_at").values_list("producer", "inputs")[:limit])
    for producer, inputs in rows:
        mine = found.setdefault(str(producer), {})
        for row in inputs:
            mine.setdefault((row.get("pesticide"), row.get("crop") or ""), {
                "pesticide": row.get("pesticide"), "crop": row.get("crop") or "",
                "dose": row.get("dose") or "", "applied_on": row.get("applied_on")})
    return {producer: list(rows.values()) for producer, rows in found.items()}


def follow_ups_for(user):
    return visible(FollowUp, user).select_related("sample", "producer", "district", "town")


def overdue(user, now=None) -> list[dict]:
    """What is late or waiting in monitoring for this user (监测待办): results past the 10
    days, reports missing, the month's summary after the 25th, parties not told within 24
    hours, rapid positives without a lab confirmation, open follow-ups; the earliest due
    first (which is the most days overdue first)."""
    return overdue_list(user, now).first(None)


def overdue_page(user, page=1, page_size=None, now=None) -> dict:
    """One page of `overdue`, as `core.listing.page_of` gives it, with "late" (the items
    overdue): the database counts each kind and reads only the rows up to the page."""
    return overdue_list(user, now).page(page, page_size)


def overdue_list(user, now=None) -> Merged:
    """`overdue` as a `core.due_lists.Merged`, each kind ordered by its due date in SQL (or
    by the day it is counted from); on the same due date the kinds keep this order and a
    kind the order of its list (the newest sample, or follow-up, first)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    samples = visible(Sample, user).select_related("producer")

    def each(kind, text, due):
        return lambda rows: [_item(kind, s, due(s), today, text) for s in rows]

    kinds = [
        # Every one of these two is late: results_due < today.
        Kind(samples.filter(verdict="incomplete", results_due__lt=today)
             .order_by("results_due", "-sampled_at", "-pk"),
             each("results", "检测结果逾期未录入", attrgetter("results_due"))),
        Kind(samples.filter(report="", completed_at__isnull=False, results_due__lt=today)
             .order_by("results_due", "-sampled_at", "-pk"),
             each("report", "检测报告逾期未上传", attrgetter("results_due")))]
    if user.role != "lab_staff":
        # Due the day after completion (notify_by: 24 hours on): late from the day after.
        kinds.append(Kind(
            samples.filter(verdict="non_compliant", notified_at=None,
                           completed_at__lt=now - deadlines.NOTIFY_WITHIN)
            .order_by(TruncDate("completed_at"), "-sampled_at", "-pk"),
            each("notify", "不合格结果超过24小时未告知被抽样方",
                 lambda s: deadlines.local_date(deadlines.notify_by(s))),
            Q(completed_at__lt=_aware(today - dt.timedelta(days=1)))))
    kinds.append(Kind(
        samples.filter(kind="rapid", verdict="non_compliant", confirmations=None)
        .order_by(TruncDate("completed_at"), "-sampled_at", "-pk"),
        each("confirm", "快检阳性待实验室确证", lambda s: deadlines.local_date(s.completed_at)),
        Q(completed_at__lt=_aware(today))))
    if user.role in ("city_admin", "district_officer", "town_officer", "enforcement_officer"):
        kinds.append(Kind(
            follow_ups_for(user).filter(state="open").select_related("sample__producer")
            .order_by(TruncDate("opened_at"), "-opened_at", "-pk"),
            lambda rows: [_item("follow_up", f.sample, deadlines.local_date(f.opened_at), today,
                                "不合格处置未办结", follow_up=f) for f in rows],
            Q(opened_at__lt=_aware(today))))
    summaries = _summaries_due(user, today)
    kinds.append(Listed(summaries, sum(1 for i in summaries if i["days_overdue"])))
    return Merged(kinds)


def _item(kind, sample, due, today, text, **extra) -> dict:
    return {"kind": kind, "sample": sample, "due": due, "text": text,
            "days_overdue": max(0, (today - due).days), **extra}


def _summaries_due(user, today) -> list[dict]:
    """A lab's month with results needs its summary by the 25th: listed from five days
    before, and every earlier month without a submitted summary stays listed."""
    from nongan.people.models import Organisation

    labs = Organisation.objects.filter(kind="lab")
    if user.role == "lab_staff":
        labs = labs.filter(pk=user.org_id)
    elif user.role not in ("city_admin", "district_officer"):
        return []
    labs = {lab.pk: lab for lab in labs}
    submitted = set(MonthlySummary.objects.filter(submitted_at__isnull=False, lab__in=labs)
                    .values_list("lab", "month"))
    since = (today.replace(day=1) - dt.timedelta(days=92)).replace(day=1)
    # The days with results, not every result: a city's labs complete thousands a month, and
    # a bound on the column itself (not on its date) keeps the filter native in SQLite.
    start = timezone.make_aware(dt.datetime.combine(since, dt.time(0)))
    pending = {(lab, deadlines.summary_month(day))
               for lab, day in Sample.objects.filter(lab__in=labs, completed_at__gte=start)
               .annotate(day=TruncDate("completed_at"))
               .order_by().values_list("lab", "day").distinct()}
    items = []
    # By month, then lab: the order of their due dates.
    for lab_id, month in sorted(pending, key=lambda pair: (pair[1], pair[0])):
        due = deadlines.summary_due(month)
        if (lab_id, month) in submitted or today < due - dt.timedelta(days=5):
            continue
        lab = labs[lab_id]
        items.append({"kind": "summary", "lab": lab, "month": month, "due": due,
                      "sample": None, "text": f"{lab.name} {month:%Y年%m月}检测汇总表"
                      f"{'逾期未上传' if today > due else '待上传'}",
                      "days_overdue": max(0, (today - due).days)})
    return items
