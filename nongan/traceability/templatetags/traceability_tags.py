"""The 承诺达标合格证 section of a producer's page: `{% load traceability_tags %}
{% trace_certificates producer %}`."""

from django import template

from nongan.traceability.models import NOT_TRACE
from nongan.traceability.queries import producer_section

register = template.Library()


@register.inclusion_tag("traceability/_producer_certificates.html", takes_context=True)
def trace_certificates(context, producer):
    """Registration on the national platform, certificates this year by month, the last 10
    — as far as the viewer may see them (nothing for a testing institution)."""
    user = context.get("user") or context["request"].user
    if user.role in NOT_TRACE:
        return {"shown": False}
    return {"shown": True, "producer": producer, "user": user,
            **producer_section(user, producer)}
