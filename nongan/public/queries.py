"""What the public may see (一公开) — the only reads of the public site, no login.

Spot-check plans are public from the moment they are made (their seed hash must be known
before the draw for the draw to be checkable); targets once drawn; a check's result only once
published; a penalty decision only through its masked notice, while it is on display.
Individuals' names are masked here, so no public page or answer holds one.
"""

import datetime as dt

from django.core import signing
from django.db.models import Q
from django.http import Http404
from django.utils import timezone

from nongan.enforcement.models import Matter, PenaltyNotice, SpotCheck, Target
from nongan.producers.models import Producer

from . import masking

QR_SALT = "nongan.public.producer"


def spot_checks(q: str = "", district: str = ""):
    qs = SpotCheck.objects.select_related("region", "matter").order_by("-created_at", "-pk")
    if q:
        qs = qs.filter(Q(title__icontains=q) | Q(matter__name__icontains=q))
    if district:
        qs = qs.filter(region__district_id=district)
    return qs


def spot_check(pk: int) -> SpotCheck:
    found = spot_checks().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def targets(check: SpotCheck):
    """The drawn targets in draw order (none before the draw); show them through `target_row`."""
    if not check.drawn_at:
        return Target.objects.none()
    return _in_draw_order().filter(spot_check=check)


def targets_of(checks) -> dict[int, list[Target]]:
    """`targets` of each of `checks` (a page of them), in one query."""
    found = {check.pk: [] for check in checks}
    for target in _in_draw_order().filter(spot_check__in=[c.pk for c in checks if c.drawn_at]):
        found[target.spot_check_id].append(target)
    return found


def _in_draw_order():
    return Target.objects.select_related("producer", "town").order_by("position")


def target_row(target: Target) -> dict:
    """A target as published: masked party, town, and a result only once published."""
    published = target.published_at is not None
    return {"position": target.position, "party": masking.party_name(target.producer),
            "town": target.town.name,
            "result": target.get_result_display() if published else "",
            "result_code": target.result if published else "",
            "published_at": target.published_at}


def matters():
    return Matter.objects.filter(active=True).select_related("region").order_by("region", "code")


def notices(q: str = "", district: str = "", today: dt.date | None = None):
    today = today or timezone.localdate()
    qs = (PenaltyNotice.objects.filter(published_at__isnull=False, withdrawn_at__isnull=True,
                                       display_until__gte=today)
          .select_related("case__district").order_by("-published_at", "-pk"))
    if q:
        qs = qs.filter(Q(content__party__icontains=q) | Q(content__case_no__icontains=q)
                       | Q(content__title__icontains=q))
    if district:
        qs = qs.filter(case__district_id=district)
    return qs


def notice(pk: int) -> PenaltyNotice:
    found = notices().filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def producer_token(producer: Producer) -> str:
    """The token in a producer's public QR code; it cannot be guessed from the id."""
    return signing.Signer(salt=QR_SALT).sign(str(producer.pk))


def certified_producer(token: str) -> dict:
    try:
        pk = int(signing.Signer(salt=QR_SALT).unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    producer = Producer.objects.filter(pk=pk, active=True).select_related("district", "town") \
        .first()
    if producer is None:
        raise Http404
    return certification_card(producer)


def certification_card(producer: Producer, today: dt.date | None = None) -> dict:
    today = today or timezone.localdate()
    certs = []
    # Sorted here so a list page's prefetched certificates serve every card (no query a row).
    for cert in sorted(producer.certifications.all(),
                       key=lambda c: (c.kind, -c.valid_to.toordinal())):
        current = cert.status == "valid" and cert.valid_from <= today <= cert.valid_to
        certs.append({"kind": cert.kind, "kind_name": cert.get_kind_display(),
                      "cert_no": cert.cert_no, "products": cert.products,
                      "valid_from": cert.valid_from, "valid_to": cert.valid_to,
                      "status": cert.get_status_display() if cert.status != "valid" or current
                      else "已过期", "current": current})
    return {"name": masking.party_name(producer), "kind": producer.get_kind_display(),
            "district": producer.district.name, "town": producer.town.name,
            "certifications": certs}


def certified_producers(q: str = ""):
    """Producers holding a certification, for the look-up by name or certificate number."""
    qs = (Producer.objects.filter(active=True, certifications__isnull=False)
          .select_related("district", "town").prefetch_related("certifications")
          .distinct().order_by("name", "pk"))
    if q:
        # An individual's name is not searchable: the answer would confirm who holds what.
        by_name = Q(name__icontains=q) & ~Q(kind__in=masking.INDIVIDUAL_KINDS)
        qs = qs.filter(by_name | Q(certifications__cert_no__icontains=q))
    return qs
