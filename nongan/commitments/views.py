"""告知承诺 pages: campaigns (start, rates by district / town / grid, unsigned producers,
letters with their delivery forms and a town's batch PDF) and commitments (sign — by the
producer itself or an officer on its behalf —, change as a new version, read with the
marked map). Thin views: reads through `queries`/`visible`, writes through `services`."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import page_of, xlsx_response
from nongan.core.permissions import allowed, require
from nongan.core.scoping import visible
from nongan.producers import rules
from nongan.producers.forms import attach_errors
from nongan.producers.models import Producer
from nongan.producers.queries import plot_feature, plots_for
from nongan.producers.views import map_strings
from nongan.regions.models import Region

from . import letters, pages, queries, services
from .forms import CampaignForm, CommitmentForm, payload_from_post
from .models import DELIVERY_METHODS, PRODUCTION_METHODS

RATE_LEVELS = [("district", _lazy("按区")), ("town", _lazy("按镇（街道）")),
               ("grid", _lazy("按网格"))]


def _campaign(request, pk):
    return get_object_or_404(queries.campaigns_for(request.user), pk=pk)


def _commitment(request, pk):
    qs = pages.with_successor(queries.commitments_for(request.user)).select_related(
        "campaign__region", "producer__village")
    return get_object_or_404(qs, pk=pk)


def _as_of(request):
    """The "as of" date of the rates (empty: now), or the reason it cannot be read."""
    try:
        return rules.date(request.GET.get("as_of"), required=False), ""
    except rules.Invalid:
        return None, _("日期格式应为 YYYY-MM-DD")


# --- campaigns -----------------------------------------------------------------------------


@login_required
@require_GET
def campaign_list(request):
    user = request.user
    page = page_of(queries.campaigns_for(user), request.GET.get("page"),
                   request.GET.get("page_size"))
    totals = queries.campaign_totals(page["items"], user)
    rows = [{"campaign": c, "totals": totals[c.pk]} for c in page["items"]]
    return render(request, "commitments/campaign_list.html", {
        "page": page, "rows": rows, "can_start": allowed(user, "campaign.start"),
        "today": timezone.localdate()})


def _start_regions(user) -> list[Region]:
    if user.region.level == "city":
        return [user.region, *Region.objects.filter(level="district", active=True)
                .order_by("code")]
    return [Region.objects.get(code=user.region.district_id)]


@login_required
@require_http_methods(["GET", "POST"])
def campaign_new(request):
    """启动承诺书签订工作: the year, the deadline (31 March by default), the letter template
    and the commitment clauses (defaults shipped in nongan/commitments/data/)."""
    user = request.user
    require(user, "campaign.start")
    regions = _start_regions(user)
    if request.method == "GET":
        today = timezone.localdate()
        # after this year's 31 March the next campaign to start is next year's
        year = today.year + (today > services.default_deadline(today.year))
        form = CampaignForm(regions=regions, initial={
            "region": regions[0].code, "year": year,
            "deadline": services.default_deadline(year),
            "letter_template": services.default_letter_template(),
            "pledge": services.default_pledge()})
        return render(request, "commitments/campaign_form.html", {"form": form})
    form = CampaignForm(request.POST, regions=regions)
    form.is_valid()
    data = {k: request.POST.get(k, "") for k in ("region", "year", "deadline",
                                                  "letter_template", "pledge")}
    try:
        campaign = services.start_campaign(data, actor=user)
    except FieldErrors as exc:
        form.errors.clear()
        attach_errors(form, exc.by_field())
    except Conflict as exc:
        form.errors.clear()
        form.add_error(None, str(exc))
    else:
        messages.success(request, _("已启动，发出告知书 %(n)s 份") % {
            "n": campaign.letters.count()})
        return redirect("campaign", campaign.pk)
    return render(request, "commitments/campaign_form.html", {"form": form}, status=422)


@login_required
@require_GET
def campaign_detail(request, pk):
    user, params = request.user, request.GET
    campaign = _campaign(request, pk)
    as_of, date_error = _as_of(request)
    if params.get("format") == "xlsx":
        if params.get("what") == "unsigned":
            return xlsx_response(f"{campaign.title}-{_('未签订')}.xlsx", pages.UNSIGNED_HEADERS,
                                 pages.unsigned_rows(user, queries.unsigned(campaign, user, as_of)))
        return xlsx_response(f"{campaign.title}-{_('签订率')}.xlsx", pages.RATE_HEADERS,
                             pages.rate_rows(campaign, user, as_of))
    levels = [{"by": by, "label": label,
               "rows": queries.signing_rates(campaign, user, by, as_of)}
              for by, label in RATE_LEVELS]
    town = (params.get("town") or "").strip()
    letter_page = page_of(pages.town_letters(user, campaign, town), params.get("lpage"), 20)
    deliveries = queries.delivered_letters(letter_page["items"])
    letter_rows = [{"letter": x, "deliveries": deliveries.get(x.pk, [])}
                   for x in letter_page["items"]]
    towns = [r for r in levels[1]["rows"] if r["code"]]
    return render(request, "commitments/campaign_detail.html", {
        "campaign": campaign, "levels": levels, "totals": queries.totals(levels[0]["rows"]),
        "as_of": as_of, "as_of_text": params.get("as_of", ""), "date_error": date_error,
        "unsigned": page_of(queries.unsigned(campaign, user, as_of), params.get("upage"), 20),
        "letter_page": letter_page, "letter_rows": letter_rows, "towns": towns, "town": town,
        "delivery_methods": DELIVERY_METHODS,
        "can_deliver": allowed(user, "letter.deliver"),
        "can_sign": allowed(user, "commitment.sign_on_behalf"),
        "can_issue": allowed(user, "campaign.start"), "today": timezone.localdate()},
        status=422 if date_error else 200)


@login_required
@require_POST
def campaign_issue(request, pk):
    campaign = _campaign(request, pk)
    issued = services.issue_letters(campaign, actor=request.user)
    messages.success(request, _("补发告知书 %(n)s 份") % {"n": issued})
    return redirect("campaign", campaign.pk)


@login_required
@require_GET
def campaign_letters_pdf(request, pk):
    campaign = _campaign(request, pk)
    town = get_object_or_404(visible(Region, request.user), code=request.GET.get("town", ""),
                             level="town")
    body = letters.letters_pdf(pages.town_letters(request.user, campaign, town.code),
                               title=f"{campaign.title} {town.name} 告知书")
    return pages.pdf_response(body, f"告知书-{town.name}-{campaign.year}.pdf")


@login_required
@require_GET
def letter_pdf(request, pk):
    letter = get_object_or_404(queries.letters_for(request.user), pk=pk)
    return pages.pdf_response(letters.letter_pdf(letter), f"告知书-{letter.number}.pdf")


@login_required
@require_POST
def letter_delivery(request, pk):
    letter = get_object_or_404(queries.letters_for(request.user), pk=pk)
    try:
        services.record_delivery(letter, request.POST.dict(), actor=request.user)
    except FieldErrors as exc:
        messages.error(request, f"{letter.number}：" + "；".join(exc.by_field().values()))
    else:
        messages.success(request, _("已记录 %(no)s 的送达") % {"no": letter.number})
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, allowed_hosts=None):  # never off-site
        back = reverse("campaign", args=[letter.campaign_id])
    return redirect(f"{back}#letter-{letter.pk}")


# --- commitments ---------------------------------------------------------------------------


@login_required
@require_GET
def commitment_list(request):
    """承诺书 (current versions), with the area flag filter (申报与测算面积差异超过20%)."""
    user, params = request.user, request.GET
    year = params.get("year") if (params.get("year") or "").isdigit() else None
    flagged = params.get("flagged") == "1"
    qs = pages.filtered_commitments(user, year=year, flagged=flagged)
    if params.get("format") == "xlsx":
        return xlsx_response(_("承诺书") + ".xlsx", pages.COMMITMENT_HEADERS,
                             pages.commitment_rows(qs))
    return render(request, "commitments/commitment_list.html", {
        "page": page_of(qs, params.get("page"), params.get("page_size")),
        "year": year or "", "flagged": flagged, "tolerance": int(services.AREA_TOLERANCE * 100),
        "can_sign": allowed(user, "commitment.sign_on_behalf") or user.role == "producer"})


def _form_context(request, producer, form, *, campaign, base=None) -> dict:
    plots = plots_for(request.user, producer)
    features = [plot_feature(p) for p in plots]
    village = producer.village
    center = (f"{village.centroid_lat},{village.centroid_lon}"
              if village.centroid_lat is not None else "")
    return {"producer": producer, "form": form, "campaign": campaign, "base": base,
            "on_behalf": request.user.role != "producer",
            "plots_geojson": json.dumps({"type": "FeatureCollection", "features": features},
                                        ensure_ascii=False),
            "map_strings": map_strings(), "map_center": center,
            "map_tiles": settings.NONGAN_MAP_TILES,
            "methods": PRODUCTION_METHODS}


def _products_input(products) -> str:
    """Products as the form's text: 番茄:粉果,红果;黄瓜."""
    return ";".join(p["name"] + (":" + ",".join(p["varieties"]) if p.get("varieties") else "")
                    for p in products)


def _build_form(request, producer, *, base=None, data=None, files=None):
    selected = set(base.villages if base else [producer.village_id])
    villages = Region.objects.filter(level="village", active=True).filter(
        town_id=producer.town_id) | Region.objects.filter(code__in=selected)
    initial = {"villages": list(selected), "signatory": producer.legal_rep,
               "signed_on": timezone.localdate(),
               "products": _products_input(producer.products),
               "area_mu": producer.area_mu, "plots": [
                   str(p.pk) for p in plots_for(request.user, producer)]}
    if base is not None:
        initial |= {"area_mu": base.area_mu, "methods": base.methods, "scope": base.scope,
                    "signatory": base.signatory, "plots": [str(p["id"]) for p in base.plots],
                    "products": _products_input(base.products)}
    # the chosen villages first: a town's list is long, the ticked ones must show
    villages = sorted(villages.distinct(), key=lambda v: (v.code not in selected, v.code))
    return CommitmentForm(data, files, initial=initial, villages=villages,
                          plots=plots_for(request.user, producer),
                          on_behalf=request.user.role != "producer", change=base is not None)


def _sign(request, producer, *, campaign, base=None):
    """Show the form, or sign what it sends (a new version when `base` is given)."""
    if request.method == "GET":
        form = _build_form(request, producer, base=base)
        return render(request, "commitments/commitment_form.html",
                      _form_context(request, producer, form, campaign=campaign, base=base))
    form = _build_form(request, producer, base=base, data=request.POST, files=request.FILES)
    try:
        data = payload_from_post(request.POST) | {"producer": producer.pk,
                                                  "year": campaign.year}
        if base is not None:
            data["supersedes"] = base.pk
        commitment = services.sign_commitment(data, actor=request.user,
                                              scan=request.FILES.get("scan"))
    except FieldErrors as exc:
        errors = {}
        for key, message in exc.by_field().items():
            field = "new_plot" if key.startswith("new_plots") else key
            errors[field] = (errors[field] + "；" if field in errors else "") + message
        form.is_valid()
        form.errors.clear()
        attach_errors(form, errors)
    except Conflict as exc:
        form.is_valid()
        form.errors.clear()
        form.add_error(None, str(exc))
    else:
        messages.success(request, _("承诺书已签订（第 %(v)s 版）") % {"v": commitment.version})
        if commitment.area_flagged:
            messages.warning(request, _("申报面积与标记地块测算面积相差超过%(p)s%%，请核实") % {
                "p": int(services.AREA_TOLERANCE * 100)})
        return redirect("commitment", commitment.pk)
    return render(request, "commitments/commitment_form.html",
                  _form_context(request, producer, form, campaign=campaign, base=base),
                  status=422)


@login_required
@require_http_methods(["GET", "POST"])
def commitment_new(request):
    """签订承诺书: a producer account signs its own; an officer picks the producer
    (`?producer=`) and enters the signed paper on its behalf."""
    user = request.user
    if user.role == "producer":
        producer = get_object_or_404(visible(Producer, user), pk=user.producer_id)
    else:
        require(user, "commitment.sign_on_behalf")
        pk = request.GET.get("producer", "")
        if not pk.isdigit():
            return _producer_picker(request)
        producer = get_object_or_404(visible(Producer, user).filter(active=True), pk=pk)
    year = request.GET.get("year", "")
    campaign = services.campaign_for(producer, int(year) if year.isdigit() else None)
    if campaign is None:
        messages.error(request, _("该主体所在区尚未启动本年度承诺书签订工作"))
        return redirect("commitment_list")
    current = services.current_commitment(producer, campaign.year)
    if current is not None:
        messages.info(request, _("本年度承诺书已签订；如需变更请签订新版本"))
        return redirect("commitment", current.pk)
    return _sign(request, producer, campaign=campaign)


def _producer_picker(request):
    q = (request.GET.get("q") or "").strip()
    found = visible(Producer, request.user).filter(active=True)
    found = found.filter(name__icontains=q)[:50] if q else []
    return render(request, "commitments/producer_picker.html", {"q": q, "found": found})


@login_required
@require_http_methods(["GET", "POST"])
def commitment_change(request, pk):
    """变更承诺书: the next version, filled from the current one, with the reason."""
    base = _commitment(request, pk)
    if request.user.role != "producer":
        require(request.user, "commitment.sign_on_behalf")
    if base.successor is not None:
        messages.info(request, _("该版本已被替代，请在当前版本基础上变更"))
        return redirect("commitment", base.successor)
    return _sign(request, base.producer, campaign=base.campaign, base=base)


@login_required
@require_GET
def commitment_detail(request, pk):
    commitment = _commitment(request, pk)
    user = request.user
    versions = (pages.with_successor(queries.commitments_for(user))
                .filter(producer=commitment.producer, year=commitment.year)
                .order_by("-version"))
    names = dict(Region.objects.filter(code__in=commitment.villages)
                 .values_list("code", "name"))
    methods = dict(PRODUCTION_METHODS)
    return render(request, "commitments/commitment_detail.html", {
        "c": commitment, "versions": versions,
        "villages": [names.get(code, code) for code in commitment.villages],
        "methods": [methods.get(m, m) for m in commitment.methods],
        "products": letters.products_text(commitment.products),
        "on_time": commitment.signed_on <= commitment.campaign.deadline,
        "tolerance": int(services.AREA_TOLERANCE * 100),
        "can_change": commitment.successor is None and (
            user.role == "producer" or allowed(user, "commitment.sign_on_behalf"))})


@login_required
@require_GET
def commitment_map(request, pk):
    return pages.map_response(_commitment(request, pk))


@login_required
@require_GET
def commitment_scan(request, pk):
    return pages.scan_response(_commitment(request, pk))


@login_required
@require_GET
def commitment_pdf(request, pk):
    commitment = _commitment(request, pk)
    return pages.pdf_response(
        pages.commitment_pdf_bytes(commitment),
        f"承诺书-{commitment.producer.name}-{commitment.year}-v{commitment.version}.pdf")
