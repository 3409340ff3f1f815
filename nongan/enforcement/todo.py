"""What is late or coming due in enforcement, for the to-do page: cases handed over and not
yet opened (应上尽上: a referred spot-check target, a failed sample handed over, an
inspection referred — 立案 is decided within 7 working days of receiving the lead), spot-check
results not published within 20 working days (RULES.md 双随机、一公开), and the time limits of
the penalty cases (立案 → 决定 90 days, hearing window, service, payment, publication)."""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from nongan.core.scoping import visible
from nongan.core.workdays import add_working_days_to_each
from nongan.inspections.models import Inspection
from nongan.monitoring.models import FollowUp

from .case_rules import TIME_BAR_YEARS, add_months, case_alerts
from .models import Case, DeclinedLead, Target
from .spot_check_queries import overdue_publications

LEAD_DAYS = 7  # working days to decide on 立案 (农业行政处罚程序规定)


def overdue(user, today=None) -> list[dict]:
    today = today or timezone.localdate()
    items = leads_without_case(user, today)
    for target in overdue_publications(user):
        items.append(_item("抽查结果逾期未公示",
                           f"{target.spot_check.title} · {target.producer.name}",
                           reverse("spot_check", args=[target.spot_check_id]),
                           target.publish_due, today))
    for alert in case_alerts(user, today):
        case = alert["case"]
        items.append(_item(alert["text"], f"{case.case_no} · {case.party.name}",
                           reverse("case", args=[case.pk]), alert["due"], today))
    return sorted(items, key=lambda i: (-i["days_overdue"], i["due"]))


def _item(text, label, link, due, today) -> dict:
    return {"text": text, "label": label, "link": link, "due": due,
            "days_overdue": max(0, (today - due).days)}


def leads_without_case(user, today) -> list[dict]:
    """Hand-overs to enforcement with no case opened yet, within the time bar."""
    if user.role not in ("city_admin", "district_officer", "enforcement_officer"):
        return []
    since = add_months(today, -12 * TIME_BAR_YEARS)
    targets = _undecided(visible(Target, user).filter(result="refer", concluded_on__gte=since),
                         "pk", "target").select_related("producer", "spot_check")
    follow_ups = _undecided(visible(FollowUp, user).filter(state="proposed"),
                            "sample", "sample").select_related("sample", "producer")
    since_start = timezone.make_aware(dt.datetime.combine(since, dt.time()))
    inspections = _undecided(
        visible(Inspection, user).filter(result="refer", finished_at__gte=since_start),
        "pk", "inspection").select_related("producer").only("finished_at", "producer__name")
    leads = [(f"{t.spot_check.title} · {t.producer.name}", f"target={t.pk}", t.concluded_on,
              "抽查发现违法线索，待决定是否立案") for t in targets]
    leads += [(f"{f.sample.sample_no} · {f.producer.name}", f"sample={f.sample.sample_no}",
               timezone.localdate(f.proposed_at), "抽检不合格移交执法，待决定是否立案")
              for f in follow_ups]
    leads += [(f"巡查 #{i.pk} · {i.producer.name}", f"inspection={i.pk}",
               timezone.localdate(i.finished_at), "巡查移交执法，待决定是否立案")
              for i in inspections]
    due = add_working_days_to_each([received for _l, _q, received, _t in leads], LEAD_DAYS)
    new_case = reverse("case_new")
    return [_item(text, label, f"{new_case}?{query}", due[received], today)
            for label, query, received, text in leads]


def _undecided(qs, key, link):
    """`qs` without the leads a case was opened for or that were declined (不予立案);
    `key` is the column of `qs` that `link` of a case or a declined lead points at."""
    for decided in (Case.objects.exclude(stage="revoked"), DeclinedLead.objects.all()):
        qs = qs.exclude(**{f"{key}__in": decided.exclude(**{link: None}).values(link)})
    return qs
