"""The producer page's IoT section: `{% load iot_tags %}{% sensor_charts producer %}` shows
the producer's sensors the viewer may see, each with its status and a small chart of the
last 7 days, and a link to register one for those allowed."""

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _

from nongan.core.permissions import allowed
from nongan.iot import kinds, queries

register = template.Library()


@register.inclusion_tag("iot/_sensor_charts.html", takes_context=True)
def sensor_charts(context, producer):
    user = context["request"].user
    now = timezone.now()
    sensors = list(queries.sensors_for(user, {"producer": producer.pk}).filter(active=True)[:12])
    rows = []
    for s in sensors:
        status = s.status(now)
        rows.append({"sensor": s, "label": kinds.label(s.kind), "status": status,
                     "status_label": queries.status_label(status),
                     "badge": queries.STATUS_BADGES[status]})
    return {"producer": producer, "rows": rows, "request": context["request"],
            "more": queries.sensors_for(user, {"producer": producer.pk}).count() > len(rows),
            "can_manage": allowed(user, "iot.manage") and user.role != "producer",
            "chart_strings": {"low": _("下限"), "high": _("上限"), "empty": _("近 7 天没有读数"),
                              "thinned": _("读数较多，图中每段保留最低和最高值")}}


@register.simple_tag(takes_context=True)
def warning_sensor(context, warning):
    """The sensor an 物联网监测 warning is about, if the viewer may see it (else None)."""
    code = (warning.figures or {}).get("sensor") if warning.kind == "iot" else None
    if not code:
        return None
    return queries.sensors_for(context["request"].user, {}).filter(code=code).first()
