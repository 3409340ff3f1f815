"""Reminders to grid persons and town officers (待办提醒), by SMS and e-mail when configured.

Channels, each used only when set (otherwise nothing is sent and a log line says so):
- `NONGAN_SMS_HOOK`: dotted path to a callable `hook(phone: str, text: str)` that hands the
  text to the SMS gateway of the deployment (政务短信平台 or a vendor's API);
- `NONGAN_REMINDER_EMAIL_FROM`: sender address; reminders go through Django's e-mail
  (EMAIL_* settings) to users who have an e-mail address.
A failing channel is logged and never stops the other reminders.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
MAX_LINES = 10  # an SMS lists this many items, then "等N项"

OBLIGATIONS = {"quarterly": "季度巡查", "monthly": "月度巡查", "annual": "年度检查"}
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
            what = "、".join(f"{OBLIGATIONS[o['obligation']]}（{o['label']}）{STATUS[o['status']]}"
                            for o in item["obligations"])
            lines.append(f"· {item['producer'].name}：{what}")
    if len(items) > MAX_LINES:
        lines.append(f"……等{len(items)}项，请登录系统查看。")
    return "\n".join(lines)


def notify(user, items) -> dict:
    """Send `user` their to-do list on every configured channel; returns what was sent."""
    sent = {"sms": False, "email": False}
    if not items:
        return sent
    text = render(user, items)
    hook_path = getattr(settings, "NONGAN_SMS_HOOK", "")
    sender = getattr(settings, "NONGAN_REMINDER_EMAIL_FROM", "")
    if hook_path and user.phone:
        try:
            import_string(hook_path)(user.phone, text)
            sent["sms"] = True
        except Exception:
            logger.exception("reminder SMS to user %s failed", user.pk)
    if sender and user.email:
        try:
            send_mail("农产品质量安全监管待办提醒", text, sender, [user.email])
            sent["email"] = True
        except Exception:
            logger.exception("reminder e-mail to user %s failed", user.pk)
    if not (sent["sms"] or sent["email"]):
        logger.info("reminder for user %s not sent (no channel configured or no contact): "
                    "%d items", user.pk, len(items))
    return sent
