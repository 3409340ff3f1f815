"""Small template helpers shared by every page: permissions, personal data, translated labels."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nongan.core.permissions import allowed, sees_personal_data, shown_phone
from nongan.core.validators import scrub_numbers

register = template.Library()

# The same terms as the models' choices, marked for translation (models keep plain Chinese).
ROLE_LABELS = {
    "city_admin": _("市级管理员"),
    "district_officer": _("区级监管人员"),
    "town_officer": _("镇级监管人员"),
    "grid_worker": _("村级网格员"),
    "lab_staff": _("检测机构人员"),
    "enforcement_officer": _("执法人员"),
    "producer": pgettext_lazy("role", "生产主体"),
}
LEVEL_LABELS = {"city": _("市"), "district": _("区"), "town": _("镇（街道）"),
                "village": _("村（居）")}
MEMBER_ROLE_LABELS = {"supervisor": _("网格监管员"), "assistant": _("协管员/信息员")}
GRID_KIND_LABELS = {"village": _("村级网格"), "producer": _("主体网格")}


@register.filter
def can(user, action: str) -> bool:
    """`{% if user|can:"grid.edit" %}` — nongan.core.permissions.ACTIONS, in templates."""
    return allowed(user, action)


@register.filter
def phone_for(producer, user) -> str:
    """`{{ producer|phone_for:user }}`: full or masked by the personal-data rule
    (nongan.core.permissions.sees_personal_data)."""
    return shown_phone(user, producer)


@register.simple_tag
def phone_link(user, producer) -> str:
    """`{% phone_link user producer %}`: a full number as a `tel:` link, a masked one as text."""
    if producer.phone and sees_personal_data(user, producer):
        return format_html('<a href="tel:{0}">{0}</a>', producer.phone)
    return shown_phone(user, producer)


@register.simple_tag
def document_for(user, producer, html: str) -> str:
    """`{% document_for user case.party step.document %}`: a frozen document (执法文书, issued
    with the party's full numbers) as `user` may read it — every ID and phone number masked
    unless the rule lets `user` see the party's."""
    return mark_safe(html if sees_personal_data(user, producer) else scrub_numbers(html))


@register.filter
def role_label(role: str) -> str:
    return ROLE_LABELS.get(role, role)


@register.filter
def level_label(level: str) -> str:
    return LEVEL_LABELS.get(level, level)


@register.filter
def member_role_label(role: str) -> str:
    return MEMBER_ROLE_LABELS.get(role, role)


@register.filter
def grid_kind_label(kind: str) -> str:
    return GRID_KIND_LABELS.get(kind, kind)


@register.simple_tag(takes_context=True)
def query(context, **changes) -> str:
    """The current query string with some parameters changed (paging links keep filters);
    a value of None or "" drops the parameter."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return "?" + encoded if encoded else "?"


@register.simple_tag(takes_context=True)
def with_param(context, key: str, value) -> str:
    """`{% with_param "page" 3 %}` — like `query`, for a parameter named by a variable."""
    return query(context, **{key: value})
