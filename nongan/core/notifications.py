"""Telling people (通知): a message in the system, and by SMS and e-mail when configured.

Channels, each used only when set (otherwise a log line says nothing was sent):
- `NONGAN_SMS_HOOK`: dotted path to a callable `hook(phone: str, text: str)` that hands the
  text to the SMS gateway of the deployment (政务短信平台 or a vendor's API);
- `NONGAN_REMINDER_EMAIL_FROM`: sender address; messages go through Django's e-mail
  (EMAIL_* settings) to users who have an e-mail address.
A failing channel is logged and never stops the other messages, nor the write that sent them.
"""

import logging

from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

from nongan.core.models import Notification

logger = logging.getLogger(__name__)


def send(user, subject: str, text: str) -> dict:
    """Deliver `text` to `user` on every configured outside channel; returns what was sent."""
    sent = {"sms": False, "email": False}
    hook_path = getattr(settings, "NONGAN_SMS_HOOK", "")
    sender = getattr(settings, "NONGAN_REMINDER_EMAIL_FROM", "")
    if hook_path and user.phone:
        try:
            import_string(hook_path)(user.phone, text)
            sent["sms"] = True
        except Exception:
            logger.exception("SMS to user %s failed", user.pk)
    if sender and user.email:
        try:
            send_mail(subject, text, sender, [user.email])
            sent["email"] = True
        except Exception:
            logger.exception("e-mail to user %s failed", user.pk)
    if not (sent["sms"] or sent["email"]):
        logger.info("message to user %s not sent outside (no channel or no contact)", user.pk)
    return sent


def notify(users, *, kind: str, text: str, link: str = "") -> list[str]:
    """Leave `text` in each user's notifications and send it outside; answers the names told."""
    told = []
    for user in {u.pk: u for u in users if u is not None and u.is_active}.values():
        Notification.objects.create(recipient=user, kind=kind, text=text, link=link)
        send(user, "农产品质量安全监管通知", text)
        told.append(str(user))
    return told
