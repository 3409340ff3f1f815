"""Demo referrals and joint inspections for `nongan seed`, written through the services as
officers would: the first decided case of the demo goes to the police (received and
accepted, the evidence handed over), the next one to market regulation and still waits for
its answer (past its due date, so the case list shows an overdue referral); one joint
inspection with market regulation in that district, linked to its latest inspection and
spot check.

The partner agencies are seed_exchange's (run before); when they are not there, the ones
needed are made here by name."""

import datetime as dt

from django.utils import timezone

from nongan.enforcement.models import Case, SpotCheck
from nongan.exchange.models import Agency
from nongan.inspections.models import Inspection
from nongan.people.models import User

from . import services

CITY = "310000000000"
FALLBACK = {"public_security": "上海市公安局", "market_regulation": "上海市市场监督管理局",
            "ecology_environment": "上海市生态环境局"}
POLICE_REASON = ("当事人生产的农产品经抽检检出禁用农药，涉案产品已销售，涉嫌生产、销售有毒、有害食品罪，"
                 "依法应当追究刑事责任。")
MARKET_REASON = "当事人的不合格产品已进入批发市场销售，流通环节的查处属市场监督管理部门管辖。"


def _agency(kind: str) -> Agency:
    found = Agency.objects.filter(kind=kind, active=True, region_id=CITY).order_by("pk").first()
    if found is None:
        found, _ = Agency.objects.get_or_create(name=FALLBACK[kind],
                                                defaults={"kind": kind, "region_id": CITY})
    return found


def _officers(district_id, today) -> list[User]:
    return list(User.objects.filter(role="enforcement_officer", is_active=True,
                                    region_id=district_id,
                                    enforcement_card_valid_to__gte=today)
                .order_by("username")[:2])


def seed_joint(*, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    counts = {"joint_referrals": 0, "joint_inspections": 0}
    cases = list(Case.objects.filter(decided_on__isnull=False).exclude(stage="revoked")
                 .select_related("created_by").order_by("district_id", "opened_on", "pk")[:2])
    if not cases:
        return counts
    police, market = _agency("public_security"), _agency("market_regulation")
    first, second = cases[0], cases[-1]
    actor = first.created_by
    sent = max(first.opened_on, today - dt.timedelta(days=20))
    referral = services.refer_case(first, {
        "agency": police.pk, "kind": "criminal", "reason": POLICE_REASON,
        "reported_on": sent - dt.timedelta(days=1), "approved_on": sent,
        "approver": "大队长", "sent_on": sent}, actor=actor)
    services.record_answer(referral, {"state": "received", "on": sent}, actor=actor)
    accepted = min(today, sent + dt.timedelta(days=2))
    services.record_answer(referral, {"state": "accepted", "on": accepted,
                                      "letter_no": f"沪公立字〔{accepted.year}〕{first.pk}号",
                                      "text": "经审查，决定立案侦查"}, actor=actor)
    services.record_handover(referral, {"on": min(today, accepted + dt.timedelta(days=1)),
                                        "note": "涉案产品留样、检测报告原件"}, actor=actor)
    services.refer_case(second, {
        "agency": market.pk, "kind": "circulation", "reason": MARKET_REASON,
        "sent_on": max(second.opened_on, today - dt.timedelta(days=25))},
        actor=second.created_by)
    counts["joint_referrals"] = 2
    officers = _officers(first.district_id, today)
    if len(officers) >= 2:
        inspection = (Inspection.objects.filter(district_id=first.district_id)
                      .order_by("-finished_at").first())
        spot_check = (SpotCheck.objects.filter(region_id=first.district_id, state="drawn")
                      .order_by("-drawn_at").first())
        services.record_joint_inspection({
            "title": "农产品质量安全与流通环节联合检查", "inspected_on": today - dt.timedelta(days=7),
            "agencies": [market.pk],
            "participants": [{"user": o.username, "role": "农业执法"} for o in officers]
            + [{"agency": market.pk, "name": "市场监管执法人员", "role": "流通环节检查"}],
            "inspections": [inspection.pk] if inspection else [],
            "spot_check": spot_check.pk if spot_check else None,
            "note": "对批发市场供货基地开展联合检查"}, actor=officers[0])
        counts["joint_inspections"] = 1
    return counts
