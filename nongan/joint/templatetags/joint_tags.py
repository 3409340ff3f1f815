"""Sections other apps' pages show with one line each:

- `{% load joint_tags %}{% case_referrals case %}` — the 移送 section of a case page (its
  referrals, overdue answers, the form);
- `{% load joint_tags %}{% overdue_referrals %}` — on the case list, the referrals whose
  answer is overdue;
- `{% load joint_tags %}{% joint_inspections_of inspection %}` (or a spot check) —
  "联合检查：<agencies> · <participants>" with a link.

Each reads through `visible(...)`: a role that may not see referrals (a producer, a lab, a
grid worker) gets nothing."""

from django import template
from django.utils import timezone

from nongan.core.permissions import allowed
from nongan.core.scoping import in_scope
from nongan.enforcement.models import SpotCheck

from .. import deadlines, queries
from ..forms import ReferralForm
from ..models import HIDDEN_FROM

register = template.Library()


def _user(context):
    request = context.get("request")
    return getattr(request, "user", None)


@register.inclusion_tag("joint/_case_referrals.html", takes_context=True)
def case_referrals(context, case):
    user = _user(context)
    if user is None or not user.is_authenticated or user.role in HIDDEN_FROM:
        return {"show": False}
    today = timezone.localdate()
    referrals = list(queries.referrals_for(user, {"case": case.pk}))
    can_send = allowed(user, "referral.send") and in_scope(user, case.village)
    return {"show": True, "case": case, "can_send": can_send,
            "rows": [{"referral": r, "overdue": deadlines.answer_overdue(r, today)}
                     for r in referrals],
            "form": ReferralForm(user=user) if can_send else None,
            "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("joint/_overdue_referrals.html", takes_context=True)
def overdue_referrals(context):
    user = _user(context)
    if user is None or not user.is_authenticated or user.role in HIDDEN_FROM:
        return {"count": 0}
    return {"count": queries.overdue(queries.referrals_for(user)).count()}


@register.inclusion_tag("joint/_joint_links.html", takes_context=True)
def joint_inspections_of(context, record):
    """The joint inspections an inspection or a spot check was made on."""
    user = _user(context)
    if user is None or not user.is_authenticated or user.role in HIDDEN_FROM:
        return {"rows": []}
    qs = queries.joint_inspections_for(user)
    if isinstance(record, SpotCheck):
        qs, param, district = qs.filter(spot_check=record), "spot_check", \
            record.region.district_id
    else:
        qs, param, district = qs.filter(inspections=record), "inspection", record.district_id
    rows = [{"joint": j, "agencies": "、".join(a.name for a in j.agencies.all()),
             "people": queries.participants_text(j)} for j in qs[:20]]
    return {"rows": rows, "record": record, "param": param,
            "can_record": allowed(user, "joint.record")
            and district == user.region.district_id}
