"""Writes on the producer register (摸底、登记、造册): producers, certificates, plots."""

from decimal import Decimal

from django.db import transaction

from nongan.core import audit
from nongan.core.errors import FieldErrors
from nongan.core.geo import MAX_SPAN_DEG, area_mu, overlapping, parse_polygon
from nongan.core.scoping import in_scope
from nongan.credit import services as credit
from nongan.regions.models import Grid, Region

from . import rules
from .models import Certification, Plot, Producer

PRODUCER_FIELDS = ["name", "kind", "uscc", "id_number", "legal_rep", "phone", "address",
                   "village", "area_mu", "products"]
CLEANERS = {
    "name": lambda v: rules.text(v, required=True),
    "kind": rules.kind,
    "uscc": rules.uscc,
    "id_number": rules.id_number,
    "legal_rep": lambda v: rules.text(v, required=True, max_length=50),
    "phone": rules.phone,
    "address": rules.text,
    "area_mu": lambda v: rules.area(v) or Decimal("0"),
    "products": rules.products,
}


def clean_producer(data: dict, *, villages, user, current: dict | None = None):
    """Clean one producer's fields; returns (values, errors by field). `villages` maps a
    code to its Region (prefetched by the caller so a whole file costs one query)."""
    values, errors = dict(current or {}), {}
    for field in PRODUCER_FIELDS:
        if field not in data and current is not None:
            continue  # a partial update keeps what is there
        if field == "village":
            region = villages.get(rules.text(data.get("village")))
            if region is None or region.level != "village" or not region.active:
                errors["village"] = "村（居）代码不存在或已撤销（12位统计用区划代码）"
            elif not in_scope(user, region):
                errors["village"] = "该村不在您的辖区内"
            else:
                values["village"] = region
            continue
        try:
            values[field] = CLEANERS[field](data.get(field))
        except rules.Invalid as exc:
            errors[field] = str(exc)
    kind = values.get("kind")
    if kind in rules.USCC_REQUIRED and not values.get("uscc") and "uscc" not in errors:
        errors["uscc"] = "企业和合作社须填写统一社会信用代码"
    if kind in rules.ID_REQUIRED and not values.get("id_number") and "id_number" not in errors:
        errors["id_number"] = "种养殖户须填写身份证号码"
    return values, errors


def usccs_taken(usccs, exclude_pk=None) -> set[str]:
    qs = Producer.objects.filter(uscc__in=[u for u in usccs if u])
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return set(qs.values_list("uscc", flat=True))


def snapshot(producer: Producer) -> dict:
    return {f: getattr(producer, f + "_id" if f == "village" else f) for f in PRODUCER_FIELDS} | {
        "is_scale": producer.is_scale, "grid": producer.grid_id}


def fill_producer(producer: Producer, values: dict) -> None:
    for field, value in values.items():
        if field == "village":
            producer.place_in(value)
        else:
            setattr(producer, field, value)
    producer.is_scale = rules.is_scale(producer.kind, producer.area_mu)
    if producer.grid is None or producer.grid.village_id != producer.village_id:
        producer.grid = Grid.objects.filter(
            village_id=producer.village_id, kind="village", active=True).first()


def _villages_for(data: dict) -> dict:
    code = rules.text(data.get("village"))
    return {r.code: r for r in Region.objects.filter(code=code)} if code else {}


@transaction.atomic
def register_producer(data: dict, *, actor) -> Producer:
    """登记生产主体: one new entry of the register, with its certificates."""
    values, errors = clean_producer(data, villages=_villages_for(data), user=actor)
    if values.get("uscc") and usccs_taken([values["uscc"]]):
        errors["uscc"] = "该统一社会信用代码已登记"
    certs = _clean_certifications(data.get("certifications") or [], errors)
    if errors:
        raise FieldErrors(errors)
    producer = Producer()
    fill_producer(producer, values)
    producer.save()
    for cert in certs:
        Certification.objects.create(producer=producer, **cert)
    audit.record("producer.register", producer, actor=actor, region_code=producer.village_id,
                 after=snapshot(producer) | {"certifications": certs})
    return producer


@transaction.atomic
def update_producer(producer: Producer, data: dict, *, actor) -> Producer:
    """修改生产主体信息: only the fields given change; the audit keeps before and after."""
    before = snapshot(producer)
    current = {f: getattr(producer, f) for f in PRODUCER_FIELDS}
    values, errors = clean_producer(
        data, villages=_villages_for(data), user=actor, current=current)
    if values.get("uscc") and usccs_taken([values["uscc"]], exclude_pk=producer.pk):
        errors["uscc"] = "该统一社会信用代码已登记"
    if errors:
        raise FieldErrors(errors)
    fill_producer(producer, values)
    producer.save()
    after = snapshot(producer)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    audit.record("producer.update", producer, actor=actor, region_code=producer.village_id,
                 before={k: before[k] for k in changed}, after=changed)
    return producer


CERT_CLEANERS = {
    "kind": rules.cert_kind,
    "cert_no": lambda v: rules.text(v, required=True, max_length=40),
    "products": lambda v: rules.text(v, required=True),
    "valid_from": rules.date,
    "valid_to": rules.date,
    "status": rules.cert_status,
}


def clean_certification(data: dict) -> tuple[dict, dict]:
    values, errors = {}, {}
    for field, clean in CERT_CLEANERS.items():
        try:
            values[field] = clean(data.get(field))
        except rules.Invalid as exc:
            errors[field] = str(exc)
    if not errors and values["valid_to"] < values["valid_from"]:
        errors["valid_to"] = "有效期至不能早于有效期起"
    return values, errors


def _clean_certifications(items, errors) -> list[dict]:
    certs = []
    for i, item in enumerate(items):
        values, cert_errors = clean_certification(item if isinstance(item, dict) else {})
        for field, msg in cert_errors.items():
            errors[f"certifications.{i}.{field}"] = msg
        certs.append(values)
    taken = set(Certification.objects.filter(
        cert_no__in=[c.get("cert_no") for c in certs]).values_list("kind", "cert_no"))
    for i, cert in enumerate(certs):
        if (cert.get("kind"), cert.get("cert_no")) in taken:
            errors[f"certifications.{i}.cert_no"] = "该证书编号已登记"
    return certs


@transaction.atomic
def add_certification(producer: Producer, data: dict, *, actor) -> Certification:
    """登记二品一标证书."""
    errors = {}
    values = _clean_certifications([data], errors)[0]
    if errors:
        raise FieldErrors({k.split(".")[-1]: v for k, v in errors.items()})
    cert = Certification.objects.create(producer=producer, **values)
    audit.record("certification.add", cert, actor=actor, region_code=producer.village_id,
                 after=values | {"producer": producer.pk})
    return cert


@transaction.atomic
def change_certification_status(cert: Certification, status: str, *, reason: str, actor):
    """证后监管: suspend, revoke or mark a certificate expired, with the reason."""
    try:
        status = rules.cert_status(status)
    except rules.Invalid as exc:
        raise FieldErrors({"status": str(exc)}) from None
    if not (reason or "").strip():
        raise FieldErrors({"reason": "须说明原因"})
    before = cert.status
    cert.status = status
    cert.save(update_fields=["status"])
    audit.record("certification.status", cert, actor=actor,
                 region_code=cert.producer.village_id,
                 before={"status": before}, after={"status": status, "reason": reason})
    credit.certification_changed(cert, before, reason=reason, actor=actor)
    return cert


# --- plots -----------------------------------------------------------------------------


def next_plot_numbers(village: Region, count: int = 1) -> list[str]:
    """Plot numbers are the village code and a serial (一地块一编码); the village row is
    locked so two writers never take the same number."""
    Region.objects.select_for_update().filter(code=village.code).first()
    # Only numbers of our own form count: imported plots may carry numbers of their own.
    ours = Plot.objects.filter(plot_no__regex=rf"^{village.code}-[0-9]{{4,}}$")
    serials = [int(n.rsplit("-", 1)[1]) for n in ours.values_list("plot_no", flat=True)]
    start = max(serials, default=0) + 1
    return [f"{village.code}-{n:04d}" for n in range(start, start + count)]


def candidates_near(geom, exclude_producer_id=None):
    """Active plots whose bounding box meets `geom`'s, as (plot, shapely geometry) pairs."""
    from shapely.geometry import shape

    minx, miny, maxx, maxy = geom.bounds
    # No ordering: the model's default (plot_no) would make the planner skip the bbox index.
    # The lower bound on min_lon adds nothing but bounds the index scan (geo.MAX_SPAN_DEG):
    # without it, a point in the east read every plot to its west (0.4 s at a million).
    qs = Plot.objects.filter(active=True, min_lon__gte=minx - MAX_SPAN_DEG, min_lon__lte=maxx,
                             max_lon__gte=minx, min_lat__lte=maxy, max_lat__gte=miny).order_by()
    if exclude_producer_id:
        qs = qs.exclude(producer_id=exclude_producer_id)
    return [(p, shape(p.geometry)) for p in qs.only("id", "plot_no", "geometry", "overlaps")]


def clean_plot(data: dict, *, producer: Producer, user, villages=None):
    """Clean one plot's fields; geometry errors carry the reason in Chinese."""
    values, errors = {}, {}
    try:
        values["geom"] = parse_polygon(data.get("geometry"))
    except FieldErrors as exc:
        errors.update(exc.by_field())
    for field, clean in (("crop", lambda v: rules.text(v, max_length=60)),
                         ("declared_area_mu", rules.area)):
        try:
            values[field] = clean(data.get(field))
        except rules.Invalid as exc:
            errors[field] = str(exc)
    code = rules.text(data.get("village")) or producer.village_id
    villages = villages if villages is not None else {
        r.code: r for r in Region.objects.filter(code=code)}
    village = villages.get(code)
    if village is None or village.level != "village" or not village.active:
        errors["village"] = "村（居）代码不存在或已撤销"
    elif village.district_id != producer.district_id or not (
            in_scope(user, village) or user.producer_id == producer.pk):
        errors["village"] = "地块所在村须在主体所在区且在您的辖区内"
    else:
        values["village"] = village
    plot_no = rules.text(data.get("plot_no"), max_length=20)
    if plot_no:
        values["plot_no"] = plot_no
    return values, errors


def build_plot(values: dict, producer: Producer, plot_no: str, grids=None) -> Plot:
    """An unsaved plot from cleaned values; `grids` maps village codes to their grid when
    the caller (a bulk import) has fetched them already."""
    geom = values["geom"]
    minx, miny, maxx, maxy = geom.bounds
    plot = Plot(plot_no=plot_no, producer=producer, geometry=geom.__geo_interface__,
                crop=values.get("crop", ""), declared_area_mu=values.get("declared_area_mu"),
                area_mu=area_mu(geom), min_lon=minx, min_lat=miny, max_lon=maxx, max_lat=maxy)
    plot.place_in(values["village"])
    plot.grid = grid_for_plot(producer, values["village"], grids)
    return plot


def grid_for_plot(producer: Producer, village: Region, grids=None) -> Grid | None:
    """A large producer with a grid of its own keeps its plots; otherwise the village's."""
    if producer.grid_id and producer.grid.kind == "producer":
        return producer.grid
    if grids is not None:
        return grids.get(village.code)
    return Grid.objects.filter(village=village, kind="village", active=True).first()


def _flag_overlaps(plot: Plot, geom) -> None:
    hits = overlapping(geom, candidates_near(geom, exclude_producer_id=plot.producer_id))
    plot.overlaps = sorted(p.plot_no for p in hits)
    for other in hits:
        if plot.plot_no not in other.overlaps:
            other.overlaps = sorted([*other.overlaps, plot.plot_no])
            other.save(update_fields=["overlaps"])


@transaction.atomic
def add_plot(producer: Producer, data: dict, *, actor) -> Plot:
    """登记地块: draw or import a polygon; area measured geodesically; overlaps flagged."""
    values, errors = clean_plot(data, producer=producer, user=actor)
    if values.get("plot_no") and Plot.objects.filter(plot_no=values["plot_no"]).exists():
        errors["plot_no"] = "地块编号已存在"
    if errors:
        raise FieldErrors(errors)
    plot_no = values.get("plot_no") or next_plot_numbers(values["village"])[0]
    plot = build_plot(values, producer, plot_no)
    _flag_overlaps(plot, values["geom"])
    plot.save()
    audit.record("plot.add", plot, actor=actor, region_code=plot.village_id,
                 after=plot_snapshot(plot))
    return plot


def plot_snapshot(plot: Plot) -> dict:
    return {"plot_no": plot.plot_no, "producer": plot.producer_id, "village": plot.village_id,
            "grid": plot.grid_id, "geometry": plot.geometry, "crop": plot.crop,
            "area_mu": plot.area_mu, "declared_area_mu": plot.declared_area_mu,
            "overlaps": plot.overlaps}


@transaction.atomic
def reshape_plot(plot: Plot, data: dict, *, actor) -> Plot:
    """修改地块: a new outline or crop; the old outline stays in the audit trail."""
    before = plot_snapshot(plot)
    merged = {"geometry": plot.geometry, "crop": plot.crop, "village": plot.village_id,
              "declared_area_mu": plot.declared_area_mu} | data
    values, errors = clean_plot(merged, producer=plot.producer, user=actor)
    values.pop("plot_no", None)
    if errors:
        raise FieldErrors(errors)
    fresh = build_plot(values, plot.producer, plot.plot_no)
    for field in ("geometry", "crop", "declared_area_mu", "area_mu", "min_lon", "min_lat",
                  "max_lon", "max_lat", "village", "town", "district", "grid"):
        setattr(plot, field, getattr(fresh, field))
    for other in Plot.objects.filter(plot_no__in=plot.overlaps):
        other.overlaps = [n for n in other.overlaps if n != plot.plot_no]
        other.save(update_fields=["overlaps"])
    _flag_overlaps(plot, values["geom"])
    plot.save()
    audit.record("plot.reshape", plot, actor=actor, region_code=plot.village_id,
                 before=before, after=plot_snapshot(plot))
    return plot
