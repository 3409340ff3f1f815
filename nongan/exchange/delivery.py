"""Pushing one delivery to its receiver (Webhook 推送) and the retry schedule.

A delivery is POSTed as JSON, signed (signing.py); any 2xx answer is the acknowledgement.
Anything else — another status, a redirect (not followed: a 2xx from wherever a redirect
leads is not the receiver's), a refused connection, a timeout — is logged as an attempt
and the delivery is tried again on the schedule below, until acknowledged or until its
round is older than `give_up_after`; then it is failed and the city administrators told.
"""

import datetime as dt
import json
import time
import urllib.error
import urllib.request
from http.client import HTTPException

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from nongan.core.notifications import notify
from nongan.people.models import User
from nongan.people.sealed import unseal

from .models import Delivery, DeliveryAttempt
from .signing import sign

FORMAT_VERSION = "1"
TIMEOUT = 10  # seconds; a receiver should acknowledge at once and work afterwards
EXCERPT = 500
# The retry schedule (seconds), a default a deployment may replace with the setting
# NONGAN_EXCHANGE_RETRY (the same keys). Why these numbers:
# - 1 min, then 5 min: most failures are a receiver restarting or a dropped connection,
#   over within minutes; the partner gets the event with little delay.
# - 30 min, 2 h: a deployment or a short outage of the partner's network.
# - 6 h, then every 6 h: an outage over a night or a weekend — four tries a day keep the
#   event coming without hammering a receiver that is down.
# - give up after 3 days: by then a person must look (the city administrators are told);
#   the partner can still read everything from the datasets, and a failed delivery can be
#   redelivered by hand once the receiver works.
DEFAULT_RETRY = {"delays": [60, 300, 1800, 7200, 21600], "every": 21600,
                 "give_up_after": 3 * 24 * 3600}


def retry_schedule() -> dict:
    return DEFAULT_RETRY | getattr(settings, "NONGAN_EXCHANGE_RETRY", {})


def next_delay(attempts: int) -> dt.timedelta:
    """How long after the `attempts`-th failed attempt of a round the next one comes."""
    schedule = retry_schedule()
    delays = schedule["delays"]
    seconds = delays[attempts - 1] if attempts <= len(delays) else schedule["every"]
    return dt.timedelta(seconds=seconds)


def body_of(delivery: Delivery) -> bytes:
    event = delivery.event
    return json.dumps({
        "version": FORMAT_VERSION, "id": str(delivery.uuid), "event": event.pk,
        "kind": event.kind, "occurred_at": timezone.localtime(event.occurred_at).isoformat(),
        "dataset": event.dataset, "data": event.payload,
    }, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx then surfaces as an HTTPError: a failed attempt


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, headers: dict) -> tuple[int | None, str, str]:
    """(status code or None, error, response excerpt) of one POST."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _opener.open(request, timeout=TIMEOUT) as response:
            return response.status, "", _excerpt(response)
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}", _excerpt(exc)
    except urllib.error.URLError as exc:
        return None, f"连接失败：{exc.reason}"[:300], ""
    except (TimeoutError, OSError, HTTPException, ValueError) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300], ""


def _excerpt(response) -> str:
    try:
        return response.read(EXCERPT).decode("utf-8", "replace")[:EXCERPT]
    except (OSError, HTTPException):
        return ""


def attempt(delivery_id: int) -> str:
    """Send `delivery_id` now if it is still due; answers its status afterwards (or why it
    was not sent). The row is locked for the attempt, so two workers never both send it,
    and a delivered one is never sent again."""
    from .tasks import deliver

    with transaction.atomic():
        delivery = (Delivery.objects.select_for_update(of=("self",))
                    .select_related("event", "subscription__agency")
                    .filter(pk=delivery_id).first())
        if delivery is None:
            return "missing"
        if delivery.status != "pending":
            return delivery.status
        now = timezone.now()
        if delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "not_due"  # an earlier task; the one queued for the later slot sends it
        subscription = delivery.subscription
        if not (subscription.active and subscription.agency.active):
            _give_up(delivery, "订阅或合作部门已停用", notify_admins=False)
            return delivery.status
        secret = unseal(subscription.secret)
        if secret is None:
            _give_up(delivery, "签名密钥无法解密（SECRET_KEY 已更换？），请重新创建订阅")
            return delivery.status
        body = body_of(delivery)
        stamp = int(time.time())
        headers = {"Content-Type": "application/json; charset=utf-8",
                   "User-Agent": "nongan-webhook/1",
                   "X-Nongan-Event": delivery.event.kind,
                   "X-Nongan-Delivery": str(delivery.uuid),
                   "X-Nongan-Timestamp": str(stamp),
                   "X-Nongan-Signature": sign(secret, stamp, body)}
        started = time.monotonic()
        code, error, excerpt = post(subscription.url, body, headers)
        took = int((time.monotonic() - started) * 1000)
        now = timezone.now()
        DeliveryAttempt.objects.create(delivery=delivery, at=now, status_code=code,
                                       error=error, duration_ms=took,
                                       response_excerpt=excerpt)
        delivery.attempts += 1
        delivery.last_status, delivery.last_error = code, error
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at, delivery.next_attempt_at = (
                "delivered", now, None)
            delivery.last_error = ""
        else:
            due = now + next_delay(delivery.attempts)
            limit = delivery.round_started_at + dt.timedelta(
                seconds=retry_schedule()["give_up_after"])
            if due > limit:
                _give_up(delivery, error or f"HTTP {code}")
                return delivery.status
            delivery.next_attempt_at = due
            deliver.using(run_after=due).enqueue(delivery.pk)
        delivery.save()
    return delivery.status


def _give_up(delivery: Delivery, error: str, *, notify_admins: bool = True) -> None:
    delivery.status, delivery.next_attempt_at = "failed", None
    delivery.last_error = error[:300]
    delivery.save()
    if not notify_admins:
        return
    subscription = delivery.subscription
    text = (f"【农安】向{subscription.agency.name}推送的事件（{delivery.event.get_kind_display()}，"
            f"推送编号 {delivery.uuid}）多次尝试未送达，已停止重试：{delivery.last_error}。"
            "请联系对方核查接收地址后重新推送。")
    link = reverse("exchange_subscription", args=[subscription.pk])
    admins = list(User.objects.filter(role="city_admin", is_active=True))
    transaction.on_commit(lambda: notify(admins, kind="exchange.delivery_failed", text=text,
                                         link=link))
