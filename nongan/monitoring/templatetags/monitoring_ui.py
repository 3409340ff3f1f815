"""Template helpers of the monitoring pages: the unread count beside 通知 in the menu."""

from django import template

from nongan.monitoring.pages import unread_count

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    """`{% unread_notifications user as n %}` — the user's unread notifications."""
    return unread_count(user)
