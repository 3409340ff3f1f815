"""Indicators of enforcement and the credit file (实施方案 三.(三), 四.(四).4, 四.(二)).

Time limits are the enforcement app's own: a spot-check result is published by its
`publish_due` (20 working days), a lead handed to enforcement is decided within
`enforcement.todo.LEAD_DAYS` working days (立案 or 不予立案), a case decided by its
`decision_due` and its decision published by the notice's `due_on`. Credit events are
matched to their source records as `credit.sources` names them (`<model>:<pk>`).
A spot check belongs to the district of its region (实施辖区); a lead, a case and a credit
record to the producer's district.
"""

import datetime as dt
from dataclasses import dataclass

from nongan.core.workdays import add_working_days_to_each
from nongan.credit.grading import LABELS
from nongan.credit.models import CreditEvent
from nongan.enforcement.models import Case, DeclinedLead, PenaltyNotice, SpotCheck, Target
from nongan.enforcement.todo import LEAD_DAYS
from nongan.inspections.models import Inspection
from nongan.monitoring.models import FollowUp, Sample

from .measurement import Miss, day_start, late, link, local_day, per_district, year_span
from .measures_register import with_producers

TARGET = "enforcement.target"
SAMPLE = "monitoring.sample"


def _dates_in(field: str, year: int) -> dict:
    start, end = year_span(year)
    return {f"{field}__gte": start, f"{field}__lte": end}


def _moments_in(field: str, year: int) -> dict:
    start, end = year_span(year)
    return {f"{field}__gte": day_start(start),
            f"{field}__lt": day_start(end + dt.timedelta(days=1))}


# Targets are read as values: a spot check carries its frozen population (snapshot), far
# too heavy to load with every target.
TARGET_FIELDS = ("pk", "spot_check_id", "spot_check__title", "spot_check__period_end",
                 "spot_check__region__district", "producer__name", "result", "concluded_on",
                 "publish_due", "published_at")


def _target_miss(row, reason) -> Miss:
    return Miss(f"{row['spot_check__title']} · {row['producer__name']}",
                link("spot_check", row["spot_check_id"]), reason, TARGET, str(row["pk"]))


def spot_checks_done(districts, year: int, params: dict, today: dt.date) -> dict:
    """双随机抽查按期完成: every drawn target checked (result formed) by the end of its
    check period, every planned check drawn before its period ended, and at least
    `params["min_checks"]` checks drawn with a period ending in the year (one obligation,
    due at the year's end, of a district with producers to check)."""
    found = per_district(districts)
    checks = (SpotCheck.objects.filter(region__district__in=list(found))
              .exclude(state="cancelled").filter(**_dates_in("period_end", year))
              .order_by("period_end", "pk")
              .values("pk", "title", "state", "period_end", "region__district"))
    drawn = dict.fromkeys(found, 0)
    for check in checks:
        code = check["region__district"]
        if check["state"] == "drawn":
            drawn[code] += 1
        elif check["period_end"] < today:
            found[code].missed(Miss(check["title"], link("spot_check", check["pk"]),
                                    late("抽取检查对象", check["period_end"], None),
                                    "enforcement.spotcheck", str(check["pk"])))
    targets = (Target.objects.filter(spot_check__region__district__in=list(found),
                                     spot_check__state="drawn",
                                     **_dates_in("spot_check__period_end", year))
               .order_by("spot_check__period_end", "spot_check", "position")
               .values(*TARGET_FIELDS))
    for t in targets:
        end, concluded = t["spot_check__period_end"], t["concluded_on"] if t["result"] else None
        if concluded is None and end >= today:
            continue
        found[t["spot_check__region__district"]].add(
            None if concluded is not None and concluded <= end else
            _target_miss(t, late("形成检查结果", end, concluded)))
    minimum = params["min_checks"]
    for code in with_producers(found):
        measurement = found[code]
        if minimum and drawn[code] >= minimum:
            measurement.met()
        elif minimum and dt.date(year, 12, 31) < today:
            measurement.missed(Miss(f"{year}年度双随机抽查", link("spot_check_list"),
                                    f"全年开展双随机抽查{drawn[code]}次，少于{minimum}次",
                                    "enforcement.spotcheck", ""))
    return found


def spot_checks_published(districts, year: int, params: dict, today: dt.date) -> dict:
    """一公开: every check result formed in the year published by its `publish_due`."""
    found = per_district(districts)
    targets = (Target.objects
               .filter(spot_check__region__district__in=list(found), spot_check__state="drawn",
                       publish_due__isnull=False, **_dates_in("concluded_on", year))
               .exclude(result="").order_by("publish_due", "pk").values(*TARGET_FIELDS))
    for t in targets:
        day, due = local_day(t["published_at"]), t["publish_due"]
        if day is None and due >= today:
            continue
        found[t["spot_check__region__district"]].add(
            None if day is not None and day <= due else
            _target_miss(t, late("公示检查结果", due, day)))
    return found


@dataclass(frozen=True)
class Record:
    """A record that obliges the district to act: its district, pk, the day it arose, and
    how it is named and opened."""

    district: str
    pk: int
    day: dt.date
    label: str
    url: str
    model: str

    def miss(self, reason: str) -> Miss:
        return Miss(self.label, self.url, reason, self.model, str(self.pk))


def referred_targets(codes, year) -> list[Record]:
    return [Record(t["producer__district"], t["pk"], t["concluded_on"],
                   f"{t['spot_check__title']} · {t['producer__name']}",
                   link("spot_check", t["spot_check_id"]), TARGET)
            for t in Target.objects.filter(result="refer", producer__district__in=codes,
                                           **_dates_in("concluded_on", year))
            .order_by("concluded_on", "pk")
            .values("pk", "spot_check_id", "spot_check__title", "producer__name",
                    "producer__district", "concluded_on")]


def proposed_samples(codes, year) -> list[Record]:
    """Failed samples proposed to enforcement (不合格处置 移交执法), keyed by the sample."""
    return [Record(f["district"], f["sample"], local_day(f["proposed_at"]),
                   f"{f['sample__sample_no']} · {f['producer__name']}",
                   link("sample", f["sample__sample_no"]), SAMPLE)
            for f in FollowUp.objects.filter(district__in=codes,
                                             **_moments_in("proposed_at", year))
            .order_by("proposed_at", "pk")
            .values("sample", "sample__sample_no", "producer__name", "district", "proposed_at")]


def failed_samples(codes, year) -> list[Record]:
    """Lab samples judged non-compliant (rapid tests screen; only a lab's verdict counts)."""
    return [Record(x["district"], x["pk"], local_day(x["sampled_at"]),
                   f"{x['sample_no']} · {x['producer__name']}", link("sample", x["sample_no"]),
                   SAMPLE)
            for x in Sample.objects.filter(district__in=codes, verdict="non_compliant",
                                           **_moments_in("sampled_at", year))
            .exclude(kind="rapid").order_by("sampled_at", "pk")
            .values("pk", "sample_no", "producer__name", "district", "sampled_at")]


def closed_cases(codes, year) -> list[Record]:
    return [Record(c["district"], c["pk"], c["closed_on"], f"{c['case_no']} · {c['party__name']}",
                   link("case", c["pk"]), "enforcement.case")
            for c in Case.objects.filter(district__in=codes, stage="closed",
                                         **_dates_in("closed_on", year))
            .order_by("closed_on", "pk").values("pk", "case_no", "party__name", "district",
                                                "closed_on")]


def inspections_with(result):
    def records(codes, year) -> list[Record]:
        return [Record(i["district"], i["pk"], local_day(i["finished_at"]),
                       f"巡查 #{i['pk']} · {i['producer__name']}", link("inspection", i["pk"]),
                       "inspections.inspection")
                for i in Inspection.objects.filter(district__in=codes, result=result,
                                                   **_moments_in("finished_at", year))
                .order_by("finished_at", "pk")
                .values("pk", "producer__name", "district", "finished_at")]
    return records


def leads_decided(districts, year: int, params: dict, today: dt.date) -> dict:
    """应上尽上 (三.(三)): every lead handed to enforcement in the year — a spot-check target
    referred for a case, a failed sample proposed to enforcement, an inspection referred —
    decided (立案, or 不予立案 with its reason) within LEAD_DAYS working days of receipt. A
    revoked case does not count as a decision (as on the to-do list)."""
    found = per_district(districts)
    codes = list(found)
    leads = [(source, record) for source, records in (
        ("target", referred_targets), ("sample", proposed_samples),
        ("inspection", inspections_with("refer"))) for record in records(codes, year)]
    decided = _decisions(codes)
    due = add_working_days_to_each([record.day for _s, record in leads], LEAD_DAYS)
    for source, record in sorted(leads, key=lambda lead: (lead[1].day, lead[0], lead[1].pk)):
        on, last = decided.get((source, record.pk)), due[record.day]
        if on is None and last >= today:
            continue
        found[record.district].add(None if on is not None and on <= last else record.miss(
            f"{record.day:%Y-%m-%d}移交执法，" + late("决定是否立案", last, on)))
    return found


def _decisions(codes) -> dict:
    """(source, pk) → the first day a case was opened for the lead or it was declined, for
    the leads of the districts' producers."""
    first: dict = {}
    for kind in ("target", "sample", "inspection"):
        opened = (Case.objects.exclude(stage="revoked")
                  .filter(district__in=codes, **{f"{kind}__isnull": False})
                  .values_list(kind, "opened_on"))
        declined = (DeclinedLead.objects
                    .filter(producer__district__in=codes, **{f"{kind}__isnull": False})
                    .values_list(kind, "decided_on"))
        for pk, day in [*opened, *declined]:
            if (kind, pk) not in first or day < first[(kind, pk)]:
                first[(kind, pk)] = day
    return first


def cases_in_time(districts, year: int, params: dict, today: dt.date) -> dict:
    """办案时限: with "decision", every case whose decision falls due in the year decided by
    `decision_due` (90 days from 立案, extensions included); with "publication", every
    decision whose publication falls due in the year published by the notice's `due_on`
    (7 working days). Revoked cases are left out."""
    found = per_district(districts)
    cases = Case.objects.filter(district__in=list(found)).exclude(stage="revoked")
    if "decision" in params["checks"]:
        for case in (cases.filter(**_dates_in("decision_due", year)).select_related("party")
                     .order_by("decision_due", "pk")):
            if case.decided_on is None and case.decision_due >= today:
                continue
            found[case.district_id].add(_case_miss(case, "作出处罚决定", case.decision_due,
                                                   case.decided_on))
    if "publication" in params["checks"]:
        for notice in (PenaltyNotice.objects.filter(case__in=cases, **_dates_in("due_on", year))
                       .select_related("case__party").order_by("due_on", "pk")):
            day = local_day(notice.published_at)
            if day is None and notice.due_on >= today:
                continue
            found[notice.case.district_id].add(_case_miss(notice.case, "公示处罚决定",
                                                          notice.due_on, day))
    return found


def _case_miss(case, what, due, done) -> Miss | None:
    if done is not None and done <= due:
        return None
    return Miss(f"{case.case_no} · {case.party.name}", link("case", case.pk),
                late(what, due, done), "enforcement.case", str(case.pk))


# Per credit event kind (params "sources"): the records of the districts and year that must
# carry one, and the prefix of their source (credit.sources: "<prefix>:<pk>").
CREDIT_SOURCES = {
    "sample_non_compliant": (failed_samples, "sample"),
    "penalty": (closed_cases, "case"),
    "inspection_refer": (inspections_with("refer"), "inspection"),
    "inspection_rectify": (inspections_with("rectify"), "inspection"),
}


def credit_files_updated(districts, year: int, params: dict, today: dt.date) -> dict:
    """更新违法主体的信用档案 (四.(四).4): every record of the year of the kinds in
    `params["sources"]` — a non-compliant lab sample, a closed penalty case, an inspection
    referred to enforcement (or ordering rectification) — has its credit event."""
    found = per_district(districts)
    for kind in params["sources"]:
        records, prefix = CREDIT_SOURCES[kind]
        rows = records(list(found), year)
        # Looked up by source (the unique index of source and kind), not by reading every
        # event of the kind in the districts, of every year.
        recorded = set(CreditEvent.objects.filter(
            kind=kind, producer__district__in=list(found),
            source__in=[f"{prefix}:{r.pk}" for r in rows]).order_by()
            .values_list("source", flat=True)) if rows else set()
        for r in rows:
            found[r.district].add(None if f"{prefix}:{r.pk}" in recorded else
                                  r.miss(f"信用档案缺少“{LABELS[kind]}”事件"))
    return found


def warnings_closed(districts, year: int, params: dict, today: dt.date) -> dict:
    """风险预警及时处置 (三.(二) 及时提出应对措施): every warning of the district issued in the
    year closed (办结) within `params["days"]` days. Not in the shipped table — the seed
    sets no time limit for warnings; a city that sets one adds this indicator. Warnings are
    the risk app's: read here (status and dates), never written."""
    from nongan.risk.models import RiskWarning

    found = per_district(districts)
    days = dt.timedelta(days=params["days"])
    for w in (RiskWarning.objects.filter(district__in=list(found), **_moments_in("issued_at", year))
              .select_related("region").order_by("issued_at", "pk")):
        due = local_day(w.issued_at) + days
        closed = local_day(w.closed_at) if w.status == "closed" else None
        if closed is None and due >= today:
            continue
        found[w.district_id].add(None if closed is not None and closed <= due else Miss(
            f"{w.get_level_display()}预警 · {w.region.name}", "", late("办结预警", due, closed),
            "risk.riskwarning", str(w.pk)))
    return found
