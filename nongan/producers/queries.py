"""Reads of the register: filtering, sorting and the rows people export."""

from django.db.models import Exists, OuterRef, Q

from nongan.core.permissions import shown_id_number, shown_phone
from nongan.core.scoping import visible, within
from nongan.regions.models import Region

from .models import Certification, Plot, Producer

SORTS = {"name": "name", "-name": "-name", "area": "area_mu", "-area": "-area_mu",
         "created": "created_at", "-created": "-created_at", "village": "village_id"}


def producers_for(user, params) -> "QuerySet[Producer]":  # noqa: F821
    """The producers a user asked for: their scope, then filters from `params` (a dict-like
    of strings: q, uscc, region, kind, certification, scale, sort)."""
    qs = visible(Producer, user).filter(active=True)
    if params.get("uscc"):
        qs = qs.filter(uscc=params["uscc"].strip().upper())
    q = (params.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(uscc=q.upper()) | Q(legal_rep=q))
    region = (params.get("region") or "").strip()
    if region:
        found = visible(Region, user).filter(code=region).first()
        qs = within(qs, found) if found else qs.none()
    kind = params.get("kind")
    if kind:
        qs = qs.filter(kind=kind)
    cert = params.get("certification")
    if cert:
        certs = Certification.objects.filter(producer=OuterRef("pk"), status="valid")
        if cert != "any":
            certs = certs.filter(kind=cert)
        qs = qs.filter(Exists(certs))
    scale = params.get("scale")
    if scale in ("1", "true", "yes", True):
        qs = qs.filter(is_scale=True)
    elif scale in ("0", "false", "no", False):
        qs = qs.filter(is_scale=False)
    sort = SORTS.get(params.get("sort") or "name", "name")
    return qs.select_related("village", "town", "district").order_by(sort, "id")


def plots_for(user, producer=None):
    qs = visible(Plot, user).filter(active=True).select_related("grid")
    return qs.filter(producer=producer) if producer is not None else qs


EXPORT_HEADERS = ["名称", "主体类型", "统一社会信用代码", "身份证号码", "法定代表人/负责人", "联系电话",
                  "区", "镇（街道）", "村（居）", "村代码", "面积（亩）", "规模主体", "产品与品种",
                  "二品一标"]


def export_rows(user, qs):
    certs = {}
    for c in Certification.objects.filter(producer__in=qs.values("pk"), status="valid"):
        certs.setdefault(c.producer_id, []).append(f"{c.get_kind_display()}:{c.cert_no}")
    for p in qs.iterator(chunk_size=2000):
        yield [p.name, p.get_kind_display(), p.uscc or "", shown_id_number(user, p), p.legal_rep,
               shown_phone(user, p), p.district.name, p.town.name, p.village.name, p.village_id,
               float(p.area_mu), "是" if p.is_scale else "否",
               ";".join(f"{x['name']}:{','.join(x.get('varieties', []))}" for x in p.products),
               ";".join(certs.get(p.pk, []))]


# --- helpers for the register pages (town → village pickers, region filters) ---------------


def region_choices(user) -> list[tuple[Region, list[Region]]]:
    """The districts a user can see, each with its visible towns (for filter selects)."""
    rows = visible(Region, user).filter(active=True, level__in=("district", "town"))
    districts, towns = {}, {}
    for r in rows.order_by("code"):
        if r.level == "district":
            districts[r.code] = r
        else:
            towns.setdefault(r.district_id, []).append(r)
    # A town officer sees their town but not its district row: group under the district.
    missing = set(towns) - set(districts)
    for r in Region.objects.filter(code__in=missing):
        districts[r.code] = r
    return [(d, towns.get(code, [])) for code, d in sorted(districts.items())]


def towns_for(user, district=None):
    """Active towns a user can see (optionally within one district)."""
    qs = visible(Region, user).filter(active=True, level="town")
    if district:
        qs = qs.filter(district_id=district)
    return qs.select_related("district").order_by("code")


def villages_for(user, town=None):
    """Active villages a user can see; with `town`, only that town's."""
    qs = visible(Region, user).filter(active=True, level="village")
    if town:
        qs = qs.filter(town_id=town)
    return qs.order_by("code")


def plot_numbers_visible(user, plot_nos) -> dict[str, int]:
    """Of these plot numbers, the ones the user may open: plot_no → id."""
    if not plot_nos:
        return {}
    return dict(visible(Plot, user).filter(plot_no__in=list(plot_nos))
                .values_list("plot_no", "id"))


def plot_feature(plot: Plot, *, role: str = "", url: str = "") -> dict:
    """A plot as a GeoJSON Feature for the maps."""
    return {"type": "Feature", "geometry": plot.geometry,
            "properties": {"id": plot.pk, "plot_no": plot.plot_no, "crop": plot.crop,
                           "area_mu": float(plot.area_mu),
                           "declared_area_mu": (float(plot.declared_area_mu)
                                                if plot.declared_area_mu is not None else None),
                           "overlaps": plot.overlaps, "role": role, "url": url}}
