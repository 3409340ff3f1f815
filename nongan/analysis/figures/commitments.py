"""告知承诺签订率 for the period's year (the year of its last day): the signing rates of the
campaign pages (`commitments.queries.signing_rates`), added up over that year's campaigns
the caller may see and kept to the region's areas."""

from django.db.models import Exists, OuterRef

from nongan.commitments import queries as cq
from nongan.commitments.models import Commitment
from nongan.regions.models import Region

from .. import links


def campaigns(scope):
    return cq.campaigns_for(scope.user).filter(year=scope.end.year)


def _by(scope) -> str:
    return "district" if scope.region.level == "city" else "town"


def _kept(scope) -> set[str] | None:
    """Area codes inside the region (None: the whole city, every row)."""
    region = scope.region
    if region.level == "city":
        return None
    if region.level == "town":
        return {region.code}
    return set(Region.objects.filter(district=region, level="town")
               .values_list("code", flat=True))


def signing(scope) -> dict:
    """Letters issued, signed (ever and by the deadline) and the rate, in total and per
    district (city) or town."""
    by, kept = _by(scope), _kept(scope)
    per_area: dict[str, list[dict]] = {}
    found = list(campaigns(scope))
    for campaign in found:
        for row in cq.signing_rates(campaign, scope.user, by):
            if kept is None or row["code"] in kept:
                per_area.setdefault(row["code"], []).append(row)
    rows = []
    for code in sorted(per_area):
        parts = per_area[code]
        rows.append({"code": code, "name": parts[0]["name"], **cq.totals(parts),
                     "records": links.records("letters", scope, region=code,
                                              status="unsigned")})
    all_rows = [row for parts in per_area.values() for row in parts]
    return {"year": scope.end.year, "campaigns": len(found), **cq.totals(all_rows),
            "areas": rows,
            "records": {"letters": links.records("letters", scope),
                        "signed": links.records("letters", scope, status="signed"),
                        "unsigned": links.records("letters", scope, status="unsigned")}}


def letters(scope, region, status: str = ""):
    """The letters behind the figure: the year's campaigns' letters the caller may see to
    producers in `region`, each marked `signed` (a commitment of the campaign's year, as
    `signing_rates` counts them)."""
    field = {"city": None, "district": "producer__district", "town": "producer__town"}[
        region.level]
    qs = cq.letters_for(scope.user).filter(campaign__in=campaigns(scope))
    if field:
        qs = qs.filter(**{field: region})
    qs = qs.annotate(signed=Exists(Commitment.objects.filter(
        producer=OuterRef("producer_id"), year=OuterRef("campaign__year"), version=1)))
    if status:
        qs = qs.filter(signed=status == "signed")
    return qs
