"""Demo enforcement history for `nongan seed`: in every district, last quarter's 双随机 check
(drawn, checked, results published), this quarter's plan (published, not yet drawn), and
penalty cases from the referred targets and the failed samples handed over, left at every
stage from 立案 to 结案 — all written through the services, as officers would.

Credit grades come from the credit file: before the checks are planned (their grade shares
read the grades), the credit backfill turns the seeded history — inspections,
rectifications, failed samples, revoked certificates — into credit events and grades; the
cases closed here then add theirs as officers close them.
"""

import datetime as dt
import random
from collections import Counter

from django.utils import timezone

from nongan.core.errors import FieldErrors
from nongan.credit.rules import load_credit_rules
from nongan.credit.services import backfill
from nongan.monitoring.models import FollowUp
from nongan.people.models import User
from nongan.producers.models import Producer
from nongan.regions.models import Region

from . import case_rules
from .legal import load_legal_bases
from .matters import load_matters
from .models import Case, Matter, Target
from .services import cases, spot_checks

RESULT_SHARES = [("pass", 0.82), ("rectify", 0.12), ("refer", 0.04), ("absent", 0.02)]
GRADE_SHARES = {"A": "0.05", "B": "0.10", "C": "0.30", "D": "0.65"}
MAX_CASES_PER_DISTRICT = 4


def seed_enforcement(*, seed: int, today: dt.date) -> dict:
    load_matters()
    load_legal_bases()
    load_credit_rules()
    credit = backfill(today=today)
    rng = random.Random(f"nongan-seed:{seed}:enforcement")
    counts = {"spot_checks": 0, "targets": 0, "cases": 0, "published_penalties": 0,
              "credit_events": credit["events_added"]}
    matter = Matter.objects.filter(code="SH-NA-06").first() or Matter.objects.first()
    for district in Region.objects.filter(level="district").order_by("code"):
        officers = list(User.objects.filter(role="enforcement_officer", region=district,
                                            enforcement_card_valid_to__gte=today)
                        .order_by("username"))
        if len(officers) < 2 or not Producer.objects.filter(district=district).exists():
            continue
        District(district, officers, matter, today, rng, counts).run()
    counts["credit_grades"] = dict(Counter(Producer.objects.values_list("credit_grade", flat=True)))
    return counts


def _quarter(day: dt.date) -> tuple[dt.date, dt.date]:
    first = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    last = (first.replace(day=28) + dt.timedelta(days=70)).replace(day=1) - dt.timedelta(days=1)
    return first, last


class District:
    def __init__(self, district, officers, matter, today, rng, counts):
        self.district, self.officers, self.matter = district, officers, matter
        self.today, self.rng, self.counts = today, rng, counts
        self.lead = officers[0]

    def run(self):
        this_start, this_end = _quarter(self.today)
        last_start, last_end = _quarter(this_start - dt.timedelta(days=1))
        checked = self._past_check(last_start, last_end)
        self._plan(f"{this_start.year}年第{(this_start.month - 1) // 3 + 1}季度双随机抽查",
                   this_start, this_end)
        sources = [({"source": "spot_check", "target": t.pk}, t.concluded_on)
                   for t in checked if t.result == "refer"]
        sources += [({"source": "sample", "sample": f.sample.sample_no},
                     timezone.localdate(f.sample.sampled_at))
                    for f in FollowUp.objects.filter(district=self.district, state="proposed")
                    .select_related("sample").order_by("-proposed_at")[:3]]
        for source, found in sources[:MAX_CASES_PER_DISTRICT]:
            # Across the city the cases stop at every stage in turn, closed ones first.
            self._case(source, found, stage=3 - self.counts["cases"] % 4)

    def _plan(self, title, start, end):
        size = Producer.objects.filter(district=self.district, active=True).count()
        few = {"count": min(3, size)}
        try:
            check = self._planned(title, start, end,
                                  {"grade_shares": GRADE_SHARES} if size >= 40 else few)
        except FieldErrors as exc:
            # A small register, or towns of a few B producers each, draws nobody by the
            # grade shares (each town rounds to 0): take a few instead.
            if "grade_shares" not in exc.by_field():
                raise
            check = self._planned(title, start, end, few)
        self.counts["spot_checks"] += 1
        return check

    def _planned(self, title, start, end, amount):
        return spot_checks.plan_spot_check({
            "title": title, "matter": self.matter.pk,
            "population": {"region": self.district.code}, **amount,
            "stratify_by": "town", "team_size": 2, "exclude_months": 0,
            "period_start": start, "period_end": end}, actor=self.lead,
            # From the seed's generator, so the same --random-seed draws the same targets.
            seed=f"{self.rng.getrandbits(256):064x}")

    def _past_check(self, start, end) -> list[Target]:
        q = (start.month - 1) // 3 + 1
        check = self._plan(f"{start.year}年第{q}季度双随机抽查", start, end)
        spot_checks.draw(check, actor=self.lead)
        targets = list(check.targets.select_related("producer"))
        by_name = {o.username: o for o in self.officers}
        for target in targets:
            result = self._result()
            note = {"pass": "", "rectify": "生产记录不完整，已责令限期整改",
                    "refer": "发现使用禁用农药的线索，移交立案查处",
                    "absent": "主体已停产，现场无人"}[result]
            member = by_name.get(target.team[0], self.lead)
            spot_checks.record_check_result(target, {"result": result, "note": note},
                                            actor=member)
        if targets:
            spot_checks.publish_results(check, actor=self.lead)
        # The plan was made and drawn at the start of its quarter, the results formed during
        # it and published a few working days later: dates as they would have been.
        drawn = timezone.make_aware(dt.datetime.combine(start, dt.time(9, 30)))
        type(check).objects.filter(pk=check.pk).update(
            created_at=drawn - dt.timedelta(days=3), drawn_at=drawn)
        for target in targets:
            formed = start + dt.timedelta(days=self.rng.randint(10, (end - start).days - 10))
            published = timezone.make_aware(dt.datetime.combine(
                formed + dt.timedelta(days=self.rng.randint(3, 12)), dt.time(16)))
            Target.objects.filter(pk=target.pk).update(
                concluded_on=formed, publish_due=spot_checks.publication_due(formed),
                published_at=published)
        self.counts["targets"] += len(targets)
        return list(check.targets.all())

    def _result(self) -> str:
        roll, total = self.rng.random(), 0.0
        for result, share in RESULT_SHARES:
            total += share
            if roll < total:
                return result
        return "pass"

    def _case(self, source: dict, found: dt.date, stage: int):
        """A case opened a few days after the violation was found and taken as far as `stage`
        (0 investigation, 1 事先告知, 2 decided and served, fine unpaid, 3 paid, closed and
        published) — no further than the days since allow."""
        day = min(found + dt.timedelta(days=self.rng.randint(2, 6)), self.today)
        officers = [o.username for o in self.officers[:2]]
        case = cases.open_case({
            **source, "title": "涉嫌使用禁用农药" if source["source"] == "spot_check"
            else "农产品农药残留超标", "officers": officers, "opened_on": day,
            "facts": "经现场检查和抽样检测，当事人生产的农产品农药残留不符合食品安全国家标准。"},
            actor=self.lead)
        self.counts["cases"] += 1
        charges = {"legal_bases": ["NCPAQ-70" if case.source == "spot_check" else "NCPAQ-71"],
                   "penalties": [{"kind": "fine", "amount": "1000" if case.party.kind ==
                                  "grower" else "50000"}, {"kind": "warning"}]}
        noticed = day + dt.timedelta(days=15)
        # The decision waits for the hearing window, which holidays lengthen.
        decided = max(day + dt.timedelta(days=28),
                      case_rules.hearing_ask_by(noticed) + dt.timedelta(days=1))
        paid = decided + dt.timedelta(days=8)
        stages = [
            [{"kind": "investigation", "occurred_on": day + dt.timedelta(days=3),
              "evidence": ["现场检查笔录", "抽样取证凭证", "询问笔录"]}],
            [{"kind": "notice", "occurred_on": noticed, **charges}],
            [{"kind": "decision", "occurred_on": decided, **charges},
             {"kind": "service", "occurred_on": decided + dt.timedelta(days=2),
              "method": "直接送达", "recipient": case.party.legal_rep}],
            [{"kind": "payment", "occurred_on": paid,
              "amount": charges["penalties"][0]["amount"]},
             {"kind": "closed", "occurred_on": paid + dt.timedelta(days=1),
              "summary": "罚款已缴清，案件办结"}],
        ]
        for n, steps in enumerate(stages[:stage + 1]):
            if steps[-1]["occurred_on"] > self.today:
                return
            for step in steps:
                cases.record_step(case, step, actor=self.lead)
            if n == 3:
                cases.publish_notice(Case.objects.get(pk=case.pk), {}, actor=self.lead)
                self.counts["published_penalties"] += 1
