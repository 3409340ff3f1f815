"""Data-sharing pages (数据共享): partner agencies (list, new, one agency with its keys and
subscriptions), a key with its call log, a subscription with its delivery log, a delivery
with its attempts, and the POSTs of their buttons. Thin: reads through `queries` (another
district's record is a 404 on every page and POST; roles without exchange.view get 403),
writes through `services`. A new key or signing secret is shown on the page that made it,
once, and stored nowhere in clear."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.reauth import reauth_required
from nongan.core.scoping import visible
from nongan.core.views import attempt
from nongan.regions.models import Region

from . import queries, services
from .forms import AgencyForm, KeyForm, SubscriptionForm
from .models import AGENCY_KINDS, DELIVERY_STATUSES, Agency, ApiKey, Delivery, Subscription

PAGE_SIZES = [20, 50, 100, 200]
STATE_BADGES = {"active": "ok", "revoked": "bad", "expired": "warn"}
STATUS_BADGES = {"pending": "warn", "delivered": "ok", "failed": "bad"}


def _agency(request, pk) -> Agency:
    agency = get_object_or_404(visible(Agency, request.user).select_related("region"), pk=pk)
    require(request.user, "exchange.view")
    return agency


def _key(request, pk) -> ApiKey:
    key = get_object_or_404(visible(ApiKey, request.user).select_related("agency"), pk=pk)
    require(request.user, "exchange.view")
    return key


def _subscription(request, pk) -> Subscription:
    subscription = get_object_or_404(
        visible(Subscription, request.user).select_related("agency"), pk=pk)
    require(request.user, "exchange.view")
    return subscription


def _delivery(request, pk) -> Delivery:
    delivery = get_object_or_404(
        visible(Delivery, request.user).select_related("event", "subscription__agency"), pk=pk)
    require(request.user, "exchange.view")
    return delivery


def _agency_regions(user) -> list:
    return list(visible(Region, user).filter(level__in=("city", "district"), active=True)
                .order_by("code"))


@login_required
@require_GET
def home(request):
    return redirect("exchange_agencies")


@login_required
@require_GET
def agency_list(request):
    user, params = request.user, request.GET
    require(user, "exchange.view")
    filters = {name: params.get(name, "").strip() for name in ("kind", "active", "region", "q")}
    qs = queries.agencies_for(user, filters)
    if params.get("format") == "xlsx":
        return xlsx_response(_("合作部门") + ".xlsx", queries.AGENCY_HEADERS,
                             queries.agency_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    return render(request, "exchange/agency_list.html", {
        "result": result, "filters": filters, "kinds": AGENCY_KINDS,
        "regions": _agency_regions(user), "page_sizes": PAGE_SIZES,
        "can_manage": allowed(user, "agency.manage")})


@login_required
@require_http_methods(["GET", "POST"])
@reauth_required("agency.manage")
def agency_new(request):
    user = request.user
    require(user, "agency.manage")
    regions = _agency_regions(user)
    form = AgencyForm(request.POST or None, regions=regions)
    if request.method == "POST" and form.is_valid():
        try:
            agency = services.create_agency(form.cleaned_data, actor=user)
        except FieldErrors as exc:
            exc.attach_to(form)
        else:
            messages.success(request, _("合作部门已登记，可在本页签发接口密钥和创建订阅"))
            return redirect("exchange_agency", agency.pk)
    return render(request, "exchange/agency_form.html", {"form": form},
                  status=422 if form.errors else 200)


def _agency_page(request, agency, *, key_form=None, subscription_form=None, new_key=None,
                 new_secret=None, status=200):
    user = request.user
    can_manage = allowed(user, "agency.manage")
    datasets = dict(queries.dataset_choices())
    keys = [{"key": k, "state": k.state(), "badge": STATE_BADGES[k.state()],
             "datasets": [datasets.get(d, d) for d in k.datasets]}
            for k in queries.keys_of(agency, user)]
    subscriptions = [{"subscription": s, "kinds": [queries.EVENT_LABELS.get(k, k)
                                                   for k in s.kinds]}
                     for s in queries.subscriptions_of(agency, user)]
    return render(request, "exchange/agency_detail.html", {
        "agency": agency, "keys": keys,
        "subscriptions": subscriptions,
        "can_manage": can_manage,
        "key_form": key_form or KeyForm(agency=agency),
        "subscription_form": subscription_form or SubscriptionForm(agency=agency),
        "new_key": new_key, "new_secret": new_secret,
    }, status=status)


@login_required
@require_GET
def agency_detail(request, pk):
    return _agency_page(request, _agency(request, pk))


@login_required
@require_POST
@reauth_required("agency.manage")
def agency_active(request, pk):
    agency = _agency(request, pk)
    active = request.POST.get("active") == "1"
    services.update_agency(agency, {"active": active}, actor=request.user)
    messages.success(request, _("已启用") if active else _("已停用：其密钥无法调用，订阅不再推送"))
    return redirect("exchange_agency", agency.pk)


@login_required
@require_POST
@reauth_required("agency.manage")
def agency_issue_key(request, pk):
    """签发接口密钥: the key is on this answer only (not a redirect: nothing keeps it)."""
    agency = _agency(request, pk)
    require(request.user, "agency.manage")
    form = KeyForm(request.POST, agency=agency)
    if form.is_valid():
        try:
            key, plain = services.issue_key(agency, form.cleaned_data, actor=request.user)
        except FieldErrors as exc:
            exc.attach_to(form)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("exchange_agency", agency.pk)
        else:
            return _agency_page(request, agency, new_key={"key": key, "plain": plain})
    return _agency_page(request, agency, key_form=form, status=422)


@login_required
@require_POST
@reauth_required("agency.manage")
def agency_new_subscription(request, pk):
    agency = _agency(request, pk)
    require(request.user, "agency.manage")
    form = SubscriptionForm(request.POST, agency=agency)
    if form.is_valid():
        try:
            subscription, secret = services.create_subscription(agency, form.cleaned_data,
                                                                actor=request.user)
        except FieldErrors as exc:
            exc.attach_to(form)
        except Conflict as exc:
            messages.error(request, str(exc))
            return redirect("exchange_agency", agency.pk)
        else:
            return _agency_page(request, agency,
                                new_secret={"subscription": subscription, "secret": secret})
    return _agency_page(request, agency, subscription_form=form, status=422)


@login_required
@require_GET
def key_detail(request, pk):
    """A key and its call log (调用日志): filter answered / refused, page, Excel."""
    key = _key(request, pk)
    params = request.GET
    status = params.get("status", "") if params.get("status") in ("ok", "refused") else ""
    qs = queries.uses_of(key, {"status": status})
    if params.get("format") == "xlsx":
        return xlsx_response(f"{_('调用日志')}-{key.prefix}.xlsx", queries.USE_HEADERS,
                             queries.use_rows(qs))
    state, labels = key.state(), dict(queries.dataset_choices())
    return render(request, "exchange/key_detail.html", {
        "key": key, "state": state, "badge": STATE_BADGES[state],
        "regions": key.regions.order_by("code"),
        "dataset_labels": [f"{labels.get(d, d)}（{d}）" for d in key.datasets],
        "result": page_of(qs, params.get("page"), params.get("page_size")),
        "status": status, "page_sizes": PAGE_SIZES,
        "can_revoke": state != "revoked" and allowed(request.user, "agency.manage")})


@login_required
@require_POST
@reauth_required("agency.manage")
def key_revoke(request, pk):
    key = _key(request, pk)
    attempt(request, lambda: services.revoke_key(key, actor=request.user),
            _("密钥已吊销，此后使用它的调用一律拒绝（401）"))
    return redirect("exchange_key", key.pk)


@login_required
@require_GET
def subscription_detail(request, pk):
    """A subscription and its delivery log: filter by status and kind, page, Excel."""
    subscription = _subscription(request, pk)
    params = request.GET
    filters = {"status": params.get("status", ""), "kind": params.get("kind", "")}
    qs = queries.deliveries_of(subscription, filters)
    if params.get("format") == "xlsx":
        return xlsx_response(_("推送记录") + ".xlsx", queries.DELIVERY_HEADERS,
                             queries.delivery_rows(qs))
    result = page_of(qs, params.get("page"), params.get("page_size"))
    rows = [{"delivery": d, "badge": STATUS_BADGES[d.status],
             "label": queries.EVENT_LABELS.get(d.event.kind, d.event.kind)}
            for d in result["items"]]
    return render(request, "exchange/subscription_detail.html", {
        "subscription": subscription, "regions": subscription.regions.order_by("code"),
        "kind_labels": [queries.EVENT_LABELS.get(k, k) for k in subscription.kinds],
        "result": result, "rows": rows, "filters": filters,
        "statuses": DELIVERY_STATUSES, "kinds": list(queries.EVENT_LABELS.items()),
        "page_sizes": PAGE_SIZES, "can_manage": allowed(request.user, "agency.manage")})


@login_required
@require_POST
@reauth_required("agency.manage")
def subscription_ping(request, pk):
    subscription = _subscription(request, pk)
    attempt(request, lambda: services.send_ping(subscription, actor=request.user),
            _("测试事件已排队推送，稍后刷新查看结果"))
    return redirect("exchange_subscription", subscription.pk)


@login_required
@require_POST
@reauth_required("agency.manage")
def subscription_active(request, pk):
    subscription = _subscription(request, pk)
    active = request.POST.get("active") == "1"
    attempt(request, lambda: services.set_subscription_active(subscription, active,
                                                              actor=request.user),
            _("订阅已启用") if active else _("订阅已停用"))
    return redirect("exchange_subscription", subscription.pk)


@login_required
@require_GET
def delivery_detail(request, pk):
    delivery = _delivery(request, pk)
    return render(request, "exchange/delivery_detail.html", {
        "delivery": delivery, "badge": STATUS_BADGES[delivery.status],
        "label": queries.EVENT_LABELS.get(delivery.event.kind, delivery.event.kind),
        "attempts": delivery.attempt_log.order_by("-at", "-pk")[:200],
        "can_redeliver": delivery.status == "failed"
        and allowed(request.user, "agency.manage")})


@login_required
@require_POST
@reauth_required("agency.manage")
def delivery_redeliver(request, pk):
    delivery = _delivery(request, pk)
    attempt(request, lambda: services.redeliver(delivery, actor=request.user),
            _("已重新排队推送"))
    target = request.POST.get("next") or reverse("exchange_delivery", args=[delivery.pk])
    if not target.startswith("/exchange/"):
        target = reverse("exchange_delivery", args=[delivery.pk])
    return redirect(target)
