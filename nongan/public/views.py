"""The public site (/public/, 一公开): no login, Chinese, only what has been published."""

import io

import segno
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from nongan.core.listing import page_of
from nongan.core.scoping import visible
from nongan.producers.models import Producer
from nongan.regions.models import Region

from . import queries


def _districts():
    return Region.objects.filter(level="district", active=True).order_by("code")


def _search(request) -> dict:
    return {"q": request.GET.get("q", "").strip()[:60],
            "district": request.GET.get("district", "").strip()[:12]}


@require_GET
def home(request):
    return render(request, "public/home.html", {
        "spot_checks": queries.spot_checks()[:5], "notices": queries.notices()[:5]})


@require_GET
def spot_check_list(request):
    search = _search(request)
    page = page_of(queries.spot_checks(**search), request.GET.get("page"),
                   request.GET.get("page_size"))
    return render(request, "public/spot_check_list.html",
                  {"page": page, "districts": _districts(), **search})


@require_GET
def spot_check_detail(request, pk: int):
    check = queries.spot_check(pk)
    page = page_of(queries.targets(check), request.GET.get("page"), 50)
    page["items"] = [queries.target_row(t) for t in page["items"]]
    return render(request, "public/spot_check_detail.html", {"check": check, "page": page})


@require_GET
def matter_list(request):
    return render(request, "public/matter_list.html", {"matters": queries.matters()})


@require_GET
def penalty_list(request):
    search = _search(request)
    page = page_of(queries.notices(**search), request.GET.get("page"),
                   request.GET.get("page_size"))
    return render(request, "public/penalty_list.html",
                  {"page": page, "districts": _districts(), **search})


@require_GET
def penalty_detail(request, pk: int):
    return render(request, "public/penalty_detail.html", {"notice": queries.notice(pk)})


@require_GET
def producer_list(request):
    q = request.GET.get("q", "").strip()[:60]
    page = page_of(queries.certified_producers(q), request.GET.get("page"),
                   request.GET.get("page_size"))
    page["items"] = [{"token": queries.producer_token(p), **queries.certification_card(p)}
                     for p in page["items"]]
    return render(request, "public/producer_list.html", {"page": page, "q": q})


@require_GET
def producer_detail(request, token: str):
    return render(request, "public/producer_detail.html",
                  {"card": queries.certified_producer(token)})


@require_GET
@login_required
def producer_qr(request, pk: int):
    """The QR code an officer prints for a producer's sign: it opens the public card. Only
    officers who see the producer may fetch it."""
    producer = get_object_or_404(visible(Producer, request.user), pk=pk)
    url = request.build_absolute_uri(
        reverse("public:producer", args=[queries.producer_token(producer)]))
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=6, border=2)
    return HttpResponse(out.getvalue(), content_type="image/svg+xml")
