"""Reminders to grid persons and town officers (待办提醒), by the channels of
`nongan.core.notifications`."""

from nongan.core.notifications import send

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
    """Send `user` their to-do list on every configured channel; returns what was sent."""
    if not items:
        return {"sms": False, "email": False}
    return send(user, "农产品质量安全监管待办提醒", render(user, items))
