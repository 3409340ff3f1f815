"""Data sharing over HTTP (docs/exchange.md).

Partners, with `X-Api-Key`: `GET /exchange/datasets` (what the key reads),
`GET /exchange/datasets/{name}` (a page as JSON or CSV), `GET /exchange/events` (the event
feed). Every call with a known key is logged (调用日志).

Officers, with their account: the agencies, keys, subscriptions and deliveries — read by the
city administrator and the district offices (their district's and the city's, exchange.view),
written by the city administrator (agency.manage)."""

from typing import Any

from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status

from nongan.core.errors import FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible

from . import partner, queries, services
from .models import Agency, ApiKey, Delivery, Subscription

router = Router(tags=["exchange"])
PARTNER = partner.PartnerKey()


# ---------------------------------------------------------------- partners

@router.get("/exchange/datasets", auth=PARTNER, response=dict)
def partner_datasets(request):
    """数据集目录: the datasets this key may read, with the regions it covers."""
    with partner.partner_call(request) as call:
        items = partner.readable(request.auth)
        call.rows = len(items)
    return {"count": len(items), "items": items}


@router.get("/exchange/datasets/{name}", auth=PARTNER, response=dict)
def partner_dataset(request, name: str, since: str = "", until: str = "", district: str = "",
                    page: str = "", page_size: str = "", format: str = ""):
    """一个数据集: `since` (inclusive) and `until` (exclusive) on the dataset's change time,
    `district` (12-digit code), `page`, `page_size` (≤ 200), `format=json|csv`; ordered by
    the change time, then id."""
    with partner.partner_call(request) as call:
        params = {"since": since, "until": until, "district": district, "page": page,
                  "page_size": page_size, "format": format}
        dataset, count, rows = partner.dataset_page(request.auth, name, params)
        call.rows = len(rows)
    if format == "csv":
        return partner.csv_response(dataset, count, rows)
    return {"count": count, "items": rows}


@router.get("/exchange/events", auth=PARTNER, response=dict)
def partner_events(request, after: str = "", kind: str = "", district: str = "",
                   page_size: str = ""):
    """事件流: events of the key's datasets and regions with an id above `after`, oldest
    first; `count` is how many there are in all after `after`."""
    with partner.partner_call(request) as call:
        count, items = partner.event_feed(request.auth, {
            "after": after, "kind": kind, "district": district, "page_size": page_size})
        call.rows = len(items)
    return {"count": count, "items": items}


# ---------------------------------------------------------------- agencies

class AgencyIn(Schema):
    """`name`, `kind` (market_regulation | public_security | ecology_environment | other),
    `region` (310000000000 or a district's code), `uscc`, `contact_name`, `contact_phone`."""

    name: Any = None
    kind: Any = None
    region: Any = None
    uscc: Any = None
    contact_name: Any = None
    contact_phone: Any = None


class AgencyPatch(Schema):
    contact_name: Any = None
    contact_phone: Any = None
    active: Any = None


class KeyIn(Schema):
    """`name` (用途), `datasets` (names), `regions` (codes: districts within the agency's
    region, or the city for a city bureau), `expires_at` (date or time, optional)."""

    name: Any = None
    datasets: Any = None
    regions: Any = None
    expires_at: Any = None


class SubscriptionIn(Schema):
    """`url` (http(s)), `kinds` (event kinds), `regions` (as for keys), `secret` (optional,
    ≥ 24 characters; made when not given)."""

    url: Any = None
    kinds: Any = None
    regions: Any = None
    secret: Any = None


def _agency(request, pk) -> Agency:
    agency = get_object_or_404(visible(Agency, request.auth).select_related("region"), pk=pk)
    require(request.auth, "exchange.view")
    return agency


def _key(request, pk) -> ApiKey:
    key = get_object_or_404(visible(ApiKey, request.auth).select_related("agency"), pk=pk)
    require(request.auth, "exchange.view")
    return key


def _subscription(request, pk) -> Subscription:
    subscription = get_object_or_404(
        visible(Subscription, request.auth).select_related("agency"), pk=pk)
    require(request.auth, "exchange.view")
    return subscription


def _delivery(request, pk) -> Delivery:
    delivery = get_object_or_404(visible(Delivery, request.auth).select_related("event"), pk=pk)
    require(request.auth, "exchange.view")
    return delivery


@router.get("/agencies", response=dict)
def list_agencies(request, kind: str = "", active: str = "", region: str = "", q: str = "",
                  format: str = "", page: int = 1, page_size: int = 50):
    """合作部门: `kind`, `active` (1 | 0), `region` (code), `q` (name or uscc)."""
    require(request.auth, "exchange.view")
    qs = queries.agencies_for(request.auth, {"kind": kind, "active": active, "region": region,
                                             "q": q})
    if format == "xlsx":
        return xlsx_response("合作部门.xlsx", queries.AGENCY_HEADERS, queries.agency_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [
        queries.agency_dict(a) | {"api_keys": a.key_count, "subscriptions": a.subscription_count}
        for a in found["items"]]}


@router.post("/agencies", response={201: dict})
@reauth_required("agency.manage")
def create_agency(request, body: AgencyIn):
    agency = services.create_agency(body.dict(), actor=request.auth)
    return Status(201, queries.agency_dict(agency))


@router.get("/agencies/{pk}", response=dict)
def get_agency(request, pk: int):
    """A partner agency with its keys and subscriptions (never a key or secret itself)."""
    agency = _agency(request, pk)
    user = request.auth
    return queries.agency_dict(agency) | {
        "api_keys": [queries.key_dict(k) for k in queries.keys_of(agency, user)],
        "subscriptions": [queries.subscription_dict(s)
                          for s in queries.subscriptions_of(agency, user)]}


@router.patch("/agencies/{pk}", response=dict)
@reauth_required("agency.manage")
def update_agency(request, pk: int, body: AgencyPatch):
    agency = services.update_agency(_agency(request, pk), body.dict(exclude_unset=True),
                                    actor=request.auth)
    return queries.agency_dict(agency)


@router.post("/agencies/{pk}/api-keys", response={201: dict})
@reauth_required("agency.manage")
def issue_key(request, pk: int, body: KeyIn):
    """签发接口密钥: answers the key record and `key`, the key itself — shown this once."""
    key, plain = services.issue_key(_agency(request, pk), body.dict(), actor=request.auth)
    return Status(201, queries.key_dict(key) | {"key": plain})


@router.post("/api-keys/{pk}/revoke", response=dict)
@reauth_required("agency.manage")
def revoke_key(request, pk: int):
    return queries.key_dict(services.revoke_key(_key(request, pk), actor=request.auth))


@router.get("/api-keys/{pk}/uses", response=dict)
def key_uses(request, pk: int, status: str = "", format: str = "", page: int = 1,
             page_size: int = 50):
    """调用日志 of a key, newest first; `status=ok|refused`."""
    key = _key(request, pk)
    if status not in ("", "ok", "refused"):
        raise FieldErrors({"status": "应为 ok 或 refused"}, prefix=("query",))
    qs = queries.uses_of(key, {"status": status})
    if format == "xlsx":
        return xlsx_response(f"调用日志-{key.prefix}.xlsx", queries.USE_HEADERS,
                             queries.use_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.use_dict(u) for u in found["items"]]}


@router.get("/agencies/{pk}/subscriptions", response=dict)
def list_subscriptions(request, pk: int):
    items = [queries.subscription_dict(s)
             for s in queries.subscriptions_of(_agency(request, pk), request.auth)]
    return {"count": len(items), "items": items}


@router.post("/agencies/{pk}/subscriptions", response={201: dict})
@reauth_required("agency.manage")
def create_subscription(request, pk: int, body: SubscriptionIn):
    """创建事件订阅: answers the subscription and `secret`, its signing secret — shown
    this once."""
    subscription, secret = services.create_subscription(_agency(request, pk), body.dict(),
                                                        actor=request.auth)
    return Status(201, queries.subscription_dict(subscription) | {"secret": secret})


@router.post("/subscriptions/{pk}/ping", response={201: dict})
@reauth_required("agency.manage")
def ping(request, pk: int):
    """发送测试事件 (kind `ping`) to this subscription; answers the queued delivery."""
    delivery = services.send_ping(_subscription(request, pk), actor=request.auth)
    return Status(201, queries.delivery_dict(delivery))


@router.get("/subscriptions/{pk}/deliveries", response=dict)
def list_deliveries(request, pk: int, status: str = "", kind: str = "", format: str = "",
                    page: int = 1, page_size: int = 50):
    """推送记录 of a subscription, newest first; `status` pending | delivered | failed."""
    subscription = _subscription(request, pk)
    bad = {}
    if status and status not in queries.STATUS_LABELS:
        bad["status"] = "应为 pending / delivered / failed"
    if kind and kind not in queries.EVENT_LABELS:
        bad["kind"] = "未知的事件类型"
    if bad:
        raise FieldErrors(bad, prefix=("query",))
    qs = queries.deliveries_of(subscription, {"status": status, "kind": kind})
    if format == "xlsx":
        return xlsx_response("推送记录.xlsx", queries.DELIVERY_HEADERS, queries.delivery_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"],
            "items": [queries.delivery_dict(d) for d in found["items"]]}


@router.get("/deliveries/{pk}", response=dict)
def get_delivery(request, pk: int):
    """One delivery with every attempt (time, status code, error, duration, excerpt)."""
    return queries.delivery_dict(_delivery(request, pk), attempts=True)


@router.post("/deliveries/{pk}/redeliver", response=dict)
@reauth_required("agency.manage")
def redeliver(request, pk: int):
    """重新推送 a failed delivery (409 otherwise)."""
    delivery = services.redeliver(_delivery(request, pk), actor=request.auth)
    return queries.delivery_dict(delivery)
