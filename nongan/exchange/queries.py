"""Reads of data sharing for officers (pages and the management API): scoped lists with
their filters, the dicts the API answers and the rows of the Excel exports. Partners' reads
are in partner.py."""

from django.db.models import Count, Q
from django.utils import timezone

from nongan.core.scoping import visible

from .datasets import DATASETS
from .models import (
    AGENCY_KINDS,
    DELIVERY_STATUSES,
    EVENT_KINDS,
    Agency,
    ApiKey,
    Delivery,
    KeyUse,
    Subscription,
)

KIND_LABELS = dict(AGENCY_KINDS)
EVENT_LABELS = dict(EVENT_KINDS)
STATUS_LABELS = dict(DELIVERY_STATUSES)
KEY_STATES = {"active": "有效", "revoked": "已吊销", "expired": "已过期"}


def _time(value):
    return timezone.localtime(value).isoformat() if value else None


def _local(value) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""


# ---------------------------------------------------------------- agencies

def agencies_for(user, filters: dict | None = None):
    filters = filters or {}
    qs = (visible(Agency, user).select_related("region")
          .annotate(key_count=Count("api_keys", distinct=True),
                    subscription_count=Count("subscriptions", distinct=True)))
    if filters.get("kind") in KIND_LABELS:
        qs = qs.filter(kind=filters["kind"])
    if filters.get("active") in ("1", "0"):
        qs = qs.filter(active=filters["active"] == "1")
    if filters.get("region"):
        qs = qs.filter(region_id=filters["region"])
    if filters.get("q"):
        qs = qs.filter(Q(name__icontains=filters["q"]) | Q(uscc__icontains=filters["q"]))
    return qs.order_by("region_id", "name")


def agency_dict(agency: Agency) -> dict:
    return {"id": agency.pk, "name": agency.name, "kind": agency.kind,
            "region": {"code": agency.region_id, "name": agency.region.name},
            "uscc": agency.uscc, "contact_name": agency.contact_name,
            "contact_phone": agency.contact_phone, "active": agency.active,
            "created_at": _time(agency.created_at)}


AGENCY_HEADERS = ["名称", "类型", "辖区", "统一社会信用代码", "联系人", "联系电话", "在用",
                  "接口密钥数", "订阅数", "登记时间"]


def agency_rows(qs):
    for a in qs:
        yield [a.name, KIND_LABELS.get(a.kind, a.kind), a.region.name, a.uscc, a.contact_name,
               a.contact_phone, "是" if a.active else "否", a.key_count, a.subscription_count,
               _local(a.created_at)]


# ---------------------------------------------------------------- keys and their calls

def keys_of(agency, user):
    return (visible(ApiKey, user).filter(agency=agency).prefetch_related("regions")
            .order_by("-created_at", "-pk"))


def key_dict(key: ApiKey) -> dict:
    return {"id": key.pk, "agency": key.agency_id, "name": key.name, "prefix": key.prefix,
            "datasets": key.datasets, "regions": sorted(r.pk for r in key.regions.all()),
            "state": key.state(), "created_at": _time(key.created_at),
            "expires_at": _time(key.expires_at), "revoked_at": _time(key.revoked_at),
            "last_used_at": _time(key.last_used_at)}


def uses_of(key, filters: dict | None = None):
    filters = filters or {}
    qs = KeyUse.objects.filter(key=key)
    status = filters.get("status") or ""
    if status == "ok":
        qs = qs.filter(status__lt=400)
    elif status == "refused":
        qs = qs.filter(status__gte=400)
    return qs.order_by("-at", "-pk")


def use_dict(use: KeyUse) -> dict:
    return {"id": use.pk, "at": _time(use.at), "method": use.method, "path": use.path,
            "query": use.query, "status": use.status, "rows": use.rows,
            "client_address": use.client_address}


USE_HEADERS = ["时间", "方法", "路径", "参数", "状态码", "返回条数", "来源地址"]


def use_rows(qs):
    for u in qs.iterator(chunk_size=2000):
        yield [_local(u.at), u.method, u.path, u.query, u.status, u.rows, u.client_address]


# ---------------------------------------------------------------- subscriptions, deliveries

def subscriptions_of(agency, user):
    return (visible(Subscription, user).filter(agency=agency).prefetch_related("regions")
            .annotate(pending=Count("deliveries", filter=Q(deliveries__status="pending")),
                      failed=Count("deliveries", filter=Q(deliveries__status="failed")))
            .order_by("pk"))


def subscription_dict(subscription: Subscription) -> dict:
    return {"id": subscription.pk, "agency": subscription.agency_id, "url": subscription.url,
            "kinds": subscription.kinds,
            "regions": sorted(r.pk for r in subscription.regions.all()),
            "active": subscription.active, "created_at": _time(subscription.created_at)}


def deliveries_of(subscription, filters: dict | None = None):
    filters = filters or {}
    qs = Delivery.objects.filter(subscription=subscription).select_related("event")
    if filters.get("status") in STATUS_LABELS:
        qs = qs.filter(status=filters["status"])
    if filters.get("kind") in EVENT_LABELS:
        qs = qs.filter(event__kind=filters["kind"])
    return qs.order_by("-pk")


def delivery_dict(delivery: Delivery, *, attempts=False) -> dict:
    event = delivery.event
    row = {"id": delivery.pk, "uuid": str(delivery.uuid), "subscription": delivery.subscription_id,
           "event": {"id": event.pk, "kind": event.kind, "dataset": event.dataset,
                     "object_id": event.object_id, "occurred_at": _time(event.occurred_at)},
           "status": delivery.status, "attempts": delivery.attempts,
           "next_attempt_at": _time(delivery.next_attempt_at),
           "delivered_at": _time(delivery.delivered_at), "last_status": delivery.last_status,
           "last_error": delivery.last_error, "created_at": _time(delivery.created_at)}
    if attempts:
        row["attempt_log"] = [
            {"at": _time(a.at), "status_code": a.status_code, "error": a.error,
             "duration_ms": a.duration_ms, "response_excerpt": a.response_excerpt}
            for a in delivery.attempt_log.order_by("-at", "-pk")]
    return row


DELIVERY_HEADERS = ["推送编号", "事件类型", "记录编号", "事件时间", "状态", "本轮尝试次数",
                    "最近响应码", "最近错误", "送达时间", "下次尝试时间"]


def delivery_rows(qs):
    for d in qs.iterator(chunk_size=2000):
        yield [str(d.uuid), EVENT_LABELS.get(d.event.kind, d.event.kind), d.event.object_id,
               _local(d.event.occurred_at), STATUS_LABELS[d.status], d.attempts,
               d.last_status or "", d.last_error, _local(d.delivered_at),
               _local(d.next_attempt_at)]


def dataset_choices() -> list[tuple[str, str]]:
    return [(name, ds.label) for name, ds in DATASETS.items()]
