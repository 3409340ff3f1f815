"""Reads of the commitment campaign, always from `visible(...)`: signing rates by district,
town and grid at any date, the producers still unsigned (for the campaign page and the
to-do lists), and the commitments whose declared area differs from the marked plots."""

import datetime as dt

from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from nongan.core.due_lists import Kind
from nongan.core.scoping import visible
from nongan.regions.models import Grid, Region

from .models import Campaign, Commitment, Delivery, Letter

LEVELS = {"district": "区", "town": "镇（街道）", "grid": "网格"}


def campaigns_for(user):
    return visible(Campaign, user).select_related("region", "started_by")


def letters_for(user, campaign=None):
    qs = visible(Letter, user).select_related("producer", "producer__town",
                                              "producer__district", "campaign")
    return qs.filter(campaign=campaign) if campaign is not None else qs


def commitments_for(user):
    return visible(Commitment, user).select_related("producer", "campaign", "entered_by")


def current(qs):
    """The versions nothing supersedes: each producer's commitment as it stands."""
    return qs.filter(superseded_by__isnull=True)


def _signed(campaign: Campaign, as_of: dt.date | None):
    """A commitment of the campaign's year signed (first version) by `as_of`."""
    signed = Commitment.objects.filter(producer=OuterRef("producer_id"), year=campaign.year,
                                       version=1)
    return signed.filter(signed_on__lte=as_of) if as_of else signed


def signing_rates(campaign: Campaign, user, by: str, as_of: dt.date | None = None) -> list[dict]:
    """Per district, town or grid of the letters the user may see: letters issued, signed
    (by `as_of`, or ever), signed by the deadline, and the rate in percent. One query."""
    if by not in LEVELS:
        raise ValueError("by should be district, town or grid")
    on_time_by = min(as_of, campaign.deadline) if as_of else campaign.deadline
    rows = (letters_for(user, campaign)
            .annotate(signed=Exists(_signed(campaign, as_of)),
                      on_time=Exists(_signed(campaign, on_time_by)))
            .order_by()
            .values(f"producer__{by}")
            .annotate(letters=Count("pk"), signed_n=Count("pk", filter=Q(signed=True)),
                      on_time_n=Count("pk", filter=Q(on_time=True))))
    keys = [r[f"producer__{by}"] for r in rows]
    if by == "grid":
        names = {g.pk: (g.code, g.name) for g in Grid.objects.filter(pk__in=keys)}
    else:
        names = {r.code: (r.code, r.name) for r in Region.objects.filter(code__in=keys)}
    result = []
    for r in rows:
        code, name = names.get(r[f"producer__{by}"], ("", "未划入网格"))
        result.append({"code": code, "name": name, "letters": r["letters"],
                       "signed": r["signed_n"], "on_time": r["on_time_n"],
                       "unsigned": r["letters"] - r["signed_n"],
                       "rate": _rate(r["signed_n"], r["letters"])})
    return sorted(result, key=lambda row: (row["code"] == "", row["code"]))


def _rate(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def totals(rows: list[dict]) -> dict:
    letters = sum(r["letters"] for r in rows)
    signed = sum(r["signed"] for r in rows)
    return {"letters": letters, "signed": signed, "on_time": sum(r["on_time"] for r in rows),
            "unsigned": letters - signed, "rate": _rate(signed, letters)}


def campaign_totals(campaigns, user) -> dict[int, dict]:
    """`totals(signing_rates(c, user, "district"))` of each of `campaigns` (a page of them)
    as they stand, in one query."""
    signed = Commitment.objects.filter(producer=OuterRef("producer_id"),
                                       year=OuterRef("campaign__year"), version=1)
    on_time = signed.filter(signed_on__lte=OuterRef("campaign__deadline"))
    rows = (visible(Letter, user).filter(campaign__in=[c.pk for c in campaigns])
            .annotate(signed=Exists(signed), on_time=Exists(on_time))
            .order_by()
            .values("campaign")
            .annotate(letters=Count("pk"), signed_n=Count("pk", filter=Q(signed=True)),
                      on_time_n=Count("pk", filter=Q(on_time=True))))
    counted = {r["campaign"]: [{"letters": r["letters"], "signed": r["signed_n"],
                                "on_time": r["on_time_n"]}] for r in rows}
    return {c.pk: totals(counted.get(c.pk, [])) for c in campaigns}


def unsigned(campaign: Campaign, user, as_of: dt.date | None = None):
    """The letters of the campaign the user may see whose producer has not signed."""
    return (letters_for(user, campaign).filter(producer__active=True)
            .exclude(Exists(_signed(campaign, as_of)))
            .select_related("producer__grid")
            .order_by("producer__town_id", "producer__grid__code", "producer__name", "pk"))


def unsigned_for(user, today: dt.date | None = None) -> list[dict]:
    """待签承诺书, for the to-do page: every producer in the user's scope with a letter of a
    campaign of this year (or a later one already started) and no commitment yet, as
    {"producer", "campaign", "letter", "due", "status" (due | overdue)}; overdue first."""
    return unsigned_list(user, today).first(None)


def unsigned_page(user, page=1, page_size=None, today: dt.date | None = None) -> dict:
    """One page of `unsigned_for`, as `core.listing.page_of` gives it, with "late" (the
    overdue ones), counted and paged by the database."""
    return unsigned_list(user, today).page(page, page_size)


def unsigned_list(user, today: dt.date | None = None) -> Kind:
    """`unsigned_for` as a `core.due_lists.Kind`: by deadline (overdue first, as the
    earlier deadlines are the passed ones), then producer name."""
    today = today or timezone.localdate()
    letters = (visible(Letter, user)
               .filter(campaign__year__gte=today.year, producer__active=True)
               .exclude(Exists(Commitment.objects.filter(producer=OuterRef("producer_id"),
                                                         year=OuterRef("campaign__year"))))
               .select_related("producer", "campaign", "campaign__region")
               .order_by("campaign__deadline", "producer__name", "pk"))
    return Kind(letters, lambda found: [
        {"producer": letter.producer, "campaign": letter.campaign, "letter": letter,
         "due": letter.campaign.deadline,
         "status": "overdue" if letter.campaign.deadline < today else "due"}
        for letter in found], Q(campaign__deadline__lt=today))


def delivered_letters(letters) -> dict:
    """The deliveries of the given letters, by letter id."""
    found: dict = {}
    for delivery in Delivery.objects.filter(letter__in=letters).select_related("recorded_by"):
        found.setdefault(delivery.letter_id, []).append(delivery)
    return found
