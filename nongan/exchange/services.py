"""Writes of data sharing (数据共享, 实施方案 二): partner agencies, their API keys and event
subscriptions, test events and redeliveries. The city administrator acts (agency.manage);
every write is audited inside its transaction, and a key or a signing secret is answered
once, in plain text, to the caller that made it — only its hash (key) or sealed copy
(secret) is kept."""

import datetime as dt
import hashlib
import secrets
import uuid
from urllib.parse import urlsplit

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.core.validators import CodeError, validate_uscc
from nongan.people.sealed import seal
from nongan.regions.models import Region

from .datasets import DATASETS
from .models import (
    AGENCY_KINDS,
    SUBSCRIBABLE,
    Agency,
    ApiKey,
    Delivery,
    Event,
    Subscription,
)
from .tasks import deliver

KEY_PREFIX = "ngk_"  # a key is recognisable in a leaked file or a log
SHOWN = 8  # characters of a key kept in clear to tell keys apart


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _text(value, limit) -> str:
    return str(value or "").strip()[:limit]


def _codes(value) -> list[str]:
    if isinstance(value, str):
        value = [value]
    return [str(v).strip() for v in (value or []) if str(v).strip()]


def _names(value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",")]
    return list(dict.fromkeys(str(v).strip() for v in (value or []) if str(v).strip()))


def allowed_regions(agency: Agency) -> list[Region]:
    """What a key or subscription of `agency` may cover: the whole city and every district
    for a city bureau; its own district for a district's."""
    if agency.region.level == "city":
        return [agency.region, *Region.objects.filter(level="district", active=True)
                .order_by("code")]
    return [agency.region]


def _regions(agency, value, errors) -> list[Region]:
    codes = _codes(value)
    if not codes:
        errors["regions"] = "须至少选择一个区域"
        return []
    allowed = {r.code: r for r in allowed_regions(agency)}
    outside = [c for c in codes if c not in allowed]
    if outside:
        errors["regions"] = (f"区域 {'、'.join(outside)} 超出{agency.name}的辖区"
                             f"（{agency.region.name}）")
        return []
    return [allowed[c] for c in dict.fromkeys(codes)]


def _region_codes(regions) -> list[str]:
    return sorted(r.code for r in regions)


# ---------------------------------------------------------------- agencies

@transaction.atomic
def create_agency(data: dict, *, actor) -> Agency:
    """登记合作部门: name, kind, region (the city or a district, by code), uscc, contact."""
    require(actor, "agency.manage")
    errors = {}
    name = _text(data.get("name"), 120)
    if not name:
        errors["name"] = "须填写部门名称"
    elif Agency.objects.filter(name=name).exists():
        errors["name"] = "已登记同名部门"
    kind = data.get("kind") or ""
    if kind not in dict(AGENCY_KINDS):
        errors["kind"] = "类型应为 " + " / ".join(dict(AGENCY_KINDS))
    code = _text(data.get("region"), 12)
    region = Region.objects.filter(code=code, level__in=("city", "district"),
                                   active=True).first()
    if region is None:
        errors["region"] = "辖区应为上海市或一个区（12位区划代码）"
    uscc = _text(data.get("uscc"), 18).upper()
    if uscc:
        try:
            uscc = validate_uscc(uscc)
        except CodeError as exc:
            errors["uscc"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    agency = Agency.objects.create(
        name=name, kind=kind, region=region, uscc=uscc,
        contact_name=_text(data.get("contact_name"), 50),
        contact_phone=_text(data.get("contact_phone"), 20), created_by=actor)
    audit.record("exchange.agency.create", agency, actor=actor, region_code=region.code,
                 after={"name": name, "kind": kind, "region": region.code, "uscc": uscc})
    return agency


@transaction.atomic
def update_agency(agency: Agency, data: dict, *, actor) -> Agency:
    """修改合作部门: contact and whether it is in use (a stopped agency's keys answer 401
    and its subscriptions get nothing)."""
    require(actor, "agency.manage")
    agency = Agency.objects.select_for_update().get(pk=agency.pk)
    before = {"contact_name": agency.contact_name, "contact_phone": agency.contact_phone,
              "active": agency.active}
    if "contact_name" in data:
        agency.contact_name = _text(data["contact_name"], 50)
    if "contact_phone" in data:
        agency.contact_phone = _text(data["contact_phone"], 20)
    if "active" in data and data["active"] is not None:
        if not isinstance(data["active"], bool):
            raise FieldErrors({"active": "应为 true 或 false"})
        agency.active = data["active"]
    agency.save()
    audit.record("exchange.agency.update", agency, actor=actor, region_code=agency.region_id,
                 before=before, after={"contact_name": agency.contact_name,
                                       "contact_phone": agency.contact_phone,
                                       "active": agency.active})
    return agency


# ---------------------------------------------------------------- API keys

def _expiry(value, errors):
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        when = value
    elif isinstance(value, dt.date):
        when = dt.datetime.combine(value, dt.time.max)
    else:
        text = str(value).strip()
        when = parse_datetime(text)
        if when is None and parse_date(text) is not None:
            when = dt.datetime.combine(parse_date(text), dt.time.max)
        if when is None:
            errors["expires_at"] = "日期格式应为 YYYY-MM-DD 或 ISO 8601 时间"
            return None
    if timezone.is_naive(when):
        when = timezone.make_aware(when)
    if when <= timezone.now():
        errors["expires_at"] = "有效期须晚于现在"
        return None
    return when


@transaction.atomic
def issue_key(agency: Agency, data: dict, *, actor) -> tuple[ApiKey, str]:
    """签发接口密钥: name, datasets, regions, expires_at (optional). Answers the key and its
    plain text, which is shown this once and kept nowhere."""
    require(actor, "agency.manage")
    errors = {}
    name = _text(data.get("name"), 80)
    if not name:
        errors["name"] = "须填写用途（如“案件线索比对”）"
    datasets = _names(data.get("datasets"))
    unknown = [d for d in datasets if d not in DATASETS]
    if not datasets:
        errors["datasets"] = "须至少选择一个数据集"
    elif unknown:
        errors["datasets"] = f"未知的数据集：{'、'.join(unknown)}（可选 {' / '.join(DATASETS)}）"
    regions = _regions(agency, data.get("regions"), errors)
    expires_at = _expiry(data.get("expires_at"), errors)
    if not agency.active:
        raise Conflict("该部门已停用，不能签发密钥")
    if errors:
        raise FieldErrors(errors)
    plain = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey.objects.create(agency=agency, name=name, prefix=plain[:SHOWN],
                                key_hash=key_hash(plain), datasets=datasets,
                                expires_at=expires_at, created_by=actor)
    key.regions.set(regions)
    audit.record("exchange.key.issue", key, actor=actor, region_code=agency.region_id,
                 after={"agency": agency.pk, "name": name, "prefix": key.prefix,
                        "datasets": datasets, "regions": _region_codes(regions),
                        "expires_at": expires_at})
    return key, plain


@transaction.atomic
def revoke_key(key: ApiKey, *, actor) -> ApiKey:
    """吊销接口密钥: from now on every call with it answers 401."""
    require(actor, "agency.manage")
    key = ApiKey.objects.select_for_update().get(pk=key.pk)
    if key.revoked_at:
        raise Conflict("该密钥已吊销")
    key.revoked_at, key.revoked_by = timezone.now(), actor
    key.save(update_fields=["revoked_at", "revoked_by"])
    audit.record("exchange.key.revoke", key, actor=actor, region_code=key.agency.region_id,
                 after={"prefix": key.prefix, "revoked_at": key.revoked_at})
    return key


# ---------------------------------------------------------------- subscriptions

def clean_url(value, errors) -> str:
    url = _text(value, 501)
    parts = urlsplit(url)
    if not url:
        errors["url"] = "须填写接收地址"
    elif len(url) > 500:
        errors["url"] = "地址不能超过500个字符"
    elif parts.scheme not in ("http", "https") or not parts.hostname:
        errors["url"] = "接收地址应为 http:// 或 https:// 开头的完整网址"
    return url


@transaction.atomic
def create_subscription(agency: Agency, data: dict, *, actor) -> tuple[Subscription, str]:
    """创建事件订阅: url, kinds, regions, secret (made for the partner when not given).
    Answers the subscription and the signing secret in plain text, shown this once."""
    require(actor, "agency.manage")
    errors = {}
    url = clean_url(data.get("url"), errors)
    kinds = _names(data.get("kinds"))
    unknown = [k for k in kinds if k not in SUBSCRIBABLE]
    if not kinds:
        errors["kinds"] = "须至少选择一种事件"
    elif unknown:
        errors["kinds"] = f"未知的事件类型：{'、'.join(unknown)}（可选 {' / '.join(SUBSCRIBABLE)}）"
    regions = _regions(agency, data.get("regions"), errors)
    secret = _text(data.get("secret"), 200)
    if secret and len(secret) < 24:
        errors["secret"] = "签名密钥至少24个字符（留空则由系统生成）"
    if not agency.active:
        raise Conflict("该部门已停用，不能创建订阅")
    if errors:
        raise FieldErrors(errors)
    secret = secret or secrets.token_urlsafe(32)
    subscription = Subscription.objects.create(agency=agency, url=url, secret=seal(secret),
                                               kinds=kinds, created_by=actor)
    subscription.regions.set(regions)
    audit.record("exchange.subscription.create", subscription, actor=actor,
                 region_code=agency.region_id,
                 after={"agency": agency.pk, "url": url, "kinds": kinds,
                        "regions": _region_codes(regions)})
    return subscription, secret


@transaction.atomic
def set_subscription_active(subscription: Subscription, active: bool, *,
                            actor) -> Subscription:
    """停用 / 启用订阅: a stopped subscription gets no new deliveries; its pending ones are
    failed at their next attempt."""
    require(actor, "agency.manage")
    subscription = Subscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.active == active:
        raise Conflict("订阅已是该状态")
    subscription.active = active
    subscription.save(update_fields=["active"])
    audit.record("exchange.subscription.active", subscription, actor=actor,
                 region_code=subscription.agency.region_id, before={"active": not active},
                 after={"active": active})
    return subscription


def _queue(delivery: Delivery) -> None:
    # In the write's transaction, like every delivery (events.py).
    deliver.enqueue(delivery.pk)


@transaction.atomic
def send_ping(subscription: Subscription, *, actor) -> Delivery:
    """发送测试事件: a `ping` event delivered to this subscription only, signed and retried
    like any other, so the partner can check its receiver end to end."""
    require(actor, "agency.manage")
    if not (subscription.active and subscription.agency.active):
        raise Conflict("订阅或合作部门已停用")
    now = timezone.now()
    event = Event.objects.create(
        kind="ping", dataset="", object_id="", district=None, occurred_at=now,
        payload={"message": "农安数据共享测试事件", "subscription": subscription.pk})
    delivery = Delivery.objects.create(event=event, subscription=subscription,
                                       uuid=uuid.uuid4(), round_started_at=now,
                                       next_attempt_at=now)
    _queue(delivery)
    audit.record("exchange.subscription.ping", subscription, actor=actor,
                 region_code=subscription.agency.region_id,
                 after={"event": event.pk, "delivery": str(delivery.uuid)})
    return delivery


@transaction.atomic
def redeliver(delivery: Delivery, *, actor) -> Delivery:
    """重新推送: a failed delivery starts a new round of the schedule at once, under the same
    delivery id (the receiver can tell it is the same event)."""
    require(actor, "agency.manage")
    delivery = Delivery.objects.select_for_update(of=("self",)).select_related(
        "subscription__agency").get(pk=delivery.pk)
    if delivery.status != "failed":
        raise Conflict("只有送达失败的推送可以重新推送")
    subscription = delivery.subscription
    if not (subscription.active and subscription.agency.active):
        raise Conflict("订阅或合作部门已停用，请先启用")
    now = timezone.now()
    delivery.status, delivery.attempts = "pending", 0
    delivery.round_started_at = delivery.next_attempt_at = now
    delivery.save()
    _queue(delivery)
    audit.record("exchange.delivery.redeliver", delivery, actor=actor,
                 region_code=subscription.agency.region_id,
                 after={"uuid": str(delivery.uuid), "event": delivery.event_id})
    return delivery

