"""What is late or coming due in enforcement, for the to-do page: cases handed over and not
yet opened (应上尽上: a referred spot-check target, a failed sample handed over, an
inspection referred — 立案 is decided within 7 working days of receiving the lead), spot-check
results not published within 20 working days (RULES.md 双随机、一公开), and the time limits of
the penalty cases (立案 → 决定 90 days, hearing window, service, payment, publication)."""

import datetime as dt

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from nongan.core.due_lists import Kind, Merged
from nongan.core.scoping import visible
from nongan.core.workdays import add_working_days_to_each
from nongan.inspections.models import Inspection
from nongan.monitoring.models import FollowUp

from .case_rules import TIME_BAR_YEARS, add_months, alert_list, first_on_time
from .models import Case, DeclinedLead, Target
from .spot_check_queries import SNAPSHOT, overdue_publications

LEAD_DAYS = 7  # working days to decide on 立案 (农业行政处罚程序规定)


def overdue(user, today=None) -> list[dict]:
    """The whole list: the earliest due first (which is the most days overdue first)."""
    return overdue_list(user, today).first(None)


def overdue_page(user, page=1, page_size=None, today=None) -> dict:
    """One page of `overdue`, as `core.listing.page_of` gives it, with "late" (the items
    overdue): the database counts each kind and reads only the rows up to the page."""
    return overdue_list(user, today).page(page, page_size)


def overdue_list(user, today=None) -> Merged:
    """`overdue` as a `core.due_lists.Merged`: on the same due date the leads come first,
    then the publications, then the cases' time limits."""
    today = today or timezone.localdate()
    publications = Kind(overdue_publications(user, today), lambda targets: [
        _item("抽查结果逾期未公示", f"{t.spot_check.title} · {t.producer.name}",
              reverse("spot_check", args=[t.spot_check_id]), t.publish_due, today)
        for t in targets])
    alerts = Merged([alert_list(user, today)], build=lambda found: [
        _item(a["text"], f"{a['case'].case_no} · {a['case'].party.name}",
              reverse("case", args=[a["case"].pk]), a["due"], today) for a in found])
    return Merged([*leads_without_case(user, today), publications, alerts])


def _item(text, label, link, due, today) -> dict:
    return {"text": text, "label": label, "link": link, "due": due,
            "days_overdue": max(0, (today - due).days)}


def leads_without_case(user, today) -> list[Kind]:
    """Hand-overs to enforcement with no case opened yet, within the time bar: one kind
    each of targets, follow-ups and inspections, ordered by the day the lead was received,
    which is the order of their due dates (see case_rules.first_on_time)."""
    if user.role not in ("city_admin", "district_officer", "enforcement_officer"):
        return []
    since = add_months(today, -12 * TIME_BAR_YEARS)
    on_time = first_on_time(today, LEAD_DAYS)
    targets = _undecided(visible(Target, user).filter(result="refer", concluded_on__gte=since),
                         "pk", "target").select_related("producer", "spot_check").defer(*SNAPSHOT)
    follow_ups = _undecided(visible(FollowUp, user).filter(state="proposed"),
                            "sample", "sample").select_related("sample", "producer")
    inspections = _undecided(
        visible(Inspection, user).filter(result="refer", finished_at__gte=_start(since)),
        "pk", "inspection").select_related("producer").only("finished_at", "producer__name")
    return [
        Kind(targets.order_by("concluded_on", "pk"), _leads(today, lambda t: (
            f"{t.spot_check.title} · {t.producer.name}", f"target={t.pk}", t.concluded_on,
            "抽查发现违法线索，待决定是否立案")), Q(concluded_on__lt=on_time)),
        Kind(follow_ups.order_by("proposed_at", "pk"), _leads(today, lambda f: (
            f"{f.sample.sample_no} · {f.producer.name}", f"sample={f.sample.sample_no}",
            timezone.localdate(f.proposed_at), "抽检不合格移交执法，待决定是否立案")),
            Q(proposed_at__lt=_start(on_time))),
        Kind(inspections.order_by("finished_at", "pk"), _leads(today, lambda i: (
            f"巡查 #{i.pk} · {i.producer.name}", f"inspection={i.pk}",
            timezone.localdate(i.finished_at), "巡查移交执法，待决定是否立案")),
            Q(finished_at__lt=_start(on_time)))]


def _leads(today, describe):
    """The items of a page of leads, `describe` giving (label, query of the new-case form,
    day received, text) of each; the calendar read once for the page."""
    def build(rows):
        leads = [describe(row) for row in rows]
        due = add_working_days_to_each([received for _l, _q, received, _t in leads], LEAD_DAYS)
        new_case = reverse("case_new")
        return [_item(text, label, f"{new_case}?{query}", due[received], today)
                for label, query, received, text in leads]
    return build


def _start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def _undecided(qs, key, link):
    """`qs` without the leads a case was opened for or that were declined (不予立案);
    `key` is the column of `qs` that `link` of a case or a declined lead points at."""
    for decided in (Case.objects.exclude(stage="revoked"), DeclinedLead.objects.all()):
        qs = qs.exclude(**{f"{key}__in": decided.exclude(**{link: None}).values(link)})
    return qs
