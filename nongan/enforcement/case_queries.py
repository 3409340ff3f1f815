"""Reads of penalty cases shared by the pages and the API: the scoped, filtered list and
its Excel rows."""

from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.utils import timezone

from nongan.core.scoping import visible, within
from nongan.regions.models import Region

from . import case_rules as rules
from .models import Case, PenaltyNotice

SORT_FIELDS = {"opened_on": "opened_on", "case_no": "case_no", "decision_due": "decision_due",
               "party": "party__name", "stage": "stage"}


def cases_for(user, filters: dict):
    """The cases `user` may see, narrowed by the list filters (all optional)."""
    qs = visible(Case, user).select_related("party", "district", "town")
    if filters.get("region"):
        qs = within(qs, get_object_or_404(visible(Region, user), code=filters["region"]))
    for name in ("stage", "source"):
        if filters.get(name):
            qs = qs.filter(**{name: filters[name]})
    if filters.get("party"):
        qs = qs.filter(party_id=filters["party"])
    if filters.get("q"):
        q = filters["q"].strip()
        qs = qs.filter(Q(case_no__icontains=q) | Q(title__icontains=q)
                       | Q(party__name__icontains=q))
    if filters.get("date_from"):
        qs = qs.filter(opened_on__gte=filters["date_from"])
    if filters.get("date_to"):
        qs = qs.filter(opened_on__lte=filters["date_to"])
    if filters.get("overdue"):
        today = timezone.localdate()
        late = {a["case"].pk for a in rules.case_alerts(user, today) if a["due"] < today}
        qs = qs.filter(pk__in=late)
    sort = filters.get("sort") or "-opened_on"
    field = SORT_FIELDS.get(sort.lstrip("-"), "opened_on")
    return qs.order_by(("-" if sort.startswith("-") else "") + field, "-pk")


EXPORT_HEADERS = ["案件编号", "案由", "案件来源", "当事人", "区", "镇（街道）", "立案日期",
                  "当前环节", "作出决定期限", "决定日期", "罚款金额（元）", "严重违法",
                  "缴款期限", "实缴金额（元）", "结案日期", "公示"]


def notice_state(notice) -> str:
    if notice is None:
        return "—"
    if notice.withdrawn_at:
        return "已撤下"
    if notice.published_at:
        return f"已公示至{notice.display_until:%Y-%m-%d}"
    return f"待公示（期限{notice.due_on:%Y-%m-%d}）"


def export_rows(qs):
    notices = {n.case_id: n for n in PenaltyNotice.objects.filter(case__in=qs)}
    for c in qs:
        yield [c.case_no, c.title, c.get_source_display(), c.party.name, c.district.name,
               c.town.name, c.opened_on, c.get_stage_display(), c.decision_due, c.decided_on,
               c.fine, "是" if c.serious else "否", c.payment_due, c.paid_amount,
               c.closed_on, notice_state(notices.get(c.pk))]
