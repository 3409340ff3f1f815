"""Reminders to grid persons and town officers (待办提醒), by the channels of
`nongan.core.notifications`."""

from django.urls import reverse

from nongan.core.models import Notification
from nongan.core.notifications import send

KIND = "inspection_reminder"
MAX_LINES = 10  # an SMS lists this many items, then "等N项"

STATUS = {"due": "待检查", "overdue": "已逾期"}


def render(user, items) -> str:
    """The reminder text: a count line, then one line per item (overdue first)."""
    inspections = [i for i in items if i["kind"] == "inspection"]
    overdue = sum(1 for i in inspections if i["status"] == "overdue")
    orders = [i for i in items if i["kind"] == "rectification"]
    lines = [f"【农安】{user.full_name or user.username}，您有待办{len(items)}项："
             f"巡查主体{len(inspections)}户（其中逾期{overdue}户），逾期未复查整改{len(orders)}项。"]
    for item in items[:MAX_LINES]:
        if item["kind"] == "rectification":
            lines.append(f"· {item['producer'].name} 整改期限{item['due_by']:%m月%d日}，"
                         f"已逾期{item['days_overdue']}天")
        else:
            what = "、".join(f"{o['name']}（{o['label']}）{STATUS[o['status']]}"
                            for o in item["obligations"])
            lines.append(f"· {item['producer'].name}：{what}")
    if len(items) > MAX_LINES:
        lines.append(f"……等{len(items)}项，请登录系统查看。")
    return "\n".join(lines)


def notify(user, items) -> dict:
    """Leave `user` their to-do list among their notifications, which also marks them told
    today (`told_on`), and send it on every configured channel; returns what was sent."""
    if not items:
        return {"sms": False, "email": False}
    text = render(user, items)
    Notification.objects.create(recipient=user, kind=KIND, text=text, link=reverse("todo"))
    return send(user, "农产品质量安全监管待办提醒", text)


def told_on(since) -> set[int]:
    """The users already sent a reminder since `since`: a reminder run that a dead worker
    left half-done runs again (nongan.core.workers) and must not text anyone twice."""
    return set(Notification.objects.filter(kind=KIND, created_at__gte=since)
               .values_list("recipient_id", flat=True))
