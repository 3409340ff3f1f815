"""Writes of the commitment campaign (告知承诺, 实施方案 四.(三)): starting a year's campaign
and issuing its letters, recording their delivery, signing a commitment (or its next
version), and the daily check that records the producers who missed the deadline.

Every write is audited in its transaction; letters issued together are one audit entry
(the letters themselves are the record, numbered and dated).
"""

import datetime as dt
import hashlib
import string
from collections import defaultdict
from decimal import Decimal
from pathlib import Path

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible, within
from nongan.credit.models import CreditEvent
from nongan.credit.services import record_event
from nongan.enforcement.documents import authority_name
from nongan.enforcement.documents import prefix as document_prefix
from nongan.enforcement.models import DocumentSequence
from nongan.inspections.photos import inspect_image
from nongan.producers import rules
from nongan.producers.models import Plot, Producer
from nongan.producers.services import add_plot
from nongan.regions.models import Region

from . import maps
from .models import DELIVERY_METHODS, PRODUCTION_METHODS, Campaign, Commitment, Delivery, Letter

DATA = Path(__file__).resolve().parent / "data"
CITY = "310000000000"
# 实施方案 四.(三): "各区要在3月底前组织完成本年度农产品质量安全告知书的发放和承诺书的签订工作"
DEADLINE_MONTH_DAY = (3, 31)
# Declared area and the marked plots' measured area more than this share (of the declared
# area) apart are flagged for the town to look at.
AREA_TOLERANCE = Decimal("0.20")
LETTER_ABBREVIATION = "承告"  # 浦农承告〔2026〕12号
PLACEHOLDERS = {"producer": "生产主体名称", "legal_rep": "负责人", "year": "年度",
                "deadline": "签订截止日期", "district": "所在区", "authority": "发文机关",
                "number": "告知书编号"}
MAX_SCAN_BYTES = 10 * 1024 * 1024
MAX_TEXT = 20000


def default_letter_template() -> str:
    return (DATA / "letter_template.txt").read_text(encoding="utf-8")


def default_pledge() -> str:
    return (DATA / "pledge.txt").read_text(encoding="utf-8")


def default_deadline(year: int) -> dt.date:
    return dt.date(year, *DEADLINE_MONTH_DAY)


def chinese_date(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def area_differs(declared: Decimal, measured: Decimal) -> bool:
    """Declared and measured area more than AREA_TOLERANCE of the declared area apart."""
    return abs(declared - measured) > AREA_TOLERANCE * declared


# --- the campaign ------------------------------------------------------------------------


def _clean_year(value, errors, field="year") -> int | None:
    try:
        year = int(str(value).strip())
    except (TypeError, ValueError):
        errors[field] = "年度应为四位年份，如 2026"
        return None
    if not 2000 <= year <= 2100:
        errors[field] = "年度应在2000到2100年之间"
        return None
    return year


def _clean_text(value, default: str, field: str, errors) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None:
        errors[field] = "应为文本"
        return ""
    text = text or default
    if len(text) > MAX_TEXT:
        errors[field] = f"不能超过{MAX_TEXT}个字"
    return text


def check_template(text: str) -> str:
    """The reason a letter template cannot be filled in, or ""."""
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return "模板中的花括号不成对；占位符写作 {producer}，正文中的花括号请写作 {{ 和 }}"
    unknown = sorted(n for n in names if n not in PLACEHOLDERS)
    if unknown:
        allowed = "、".join(f"{{{k}}}（{v}）" for k, v in PLACEHOLDERS.items())
        return f"未知的占位符：{'、'.join('{' + n + '}' for n in unknown)}；可用：{allowed}"
    return ""


def _campaign_region(code, actor, errors) -> Region | None:
    if not code:
        code = CITY if actor.region.level == "city" else actor.region.district_id
    region = Region.objects.filter(code=str(code).strip()).first()
    if region is None or region.level not in ("city", "district") or not region.active:
        errors["region"] = "范围应为上海市或一个区（12位区划代码）"
    elif not in_scope(actor, region) or (region.level == "city"
                                         and actor.region.level != "city"):
        errors["region"] = "只能在本辖区发起"
    else:
        return region
    return None


def _overlapping(region: Region, year: int):
    """Campaigns of `year` that already cover part of `region` (the city covers them all)."""
    qs = Campaign.objects.filter(year=year)
    if region.level == "city":
        return qs
    return qs.filter(region_id__in=[CITY, region.code])


@transaction.atomic
def start_campaign(data: dict, *, actor) -> Campaign:
    """启动承诺书签订工作: a district (or the city, for every district) starts year Y with a
    deadline (31 March unless given) and the letter template, and the letters go out at once
    to every active producer in scope."""
    require(actor, "campaign.start")
    errors: dict[str, str] = {}
    year = _clean_year(data.get("year"), errors)
    region = _campaign_region(data.get("region"), actor, errors)
    deadline = None
    try:
        deadline = rules.date(data.get("deadline"), required=False)
    except rules.Invalid as exc:
        errors["deadline"] = str(exc)
    if year is not None and "deadline" not in errors:
        deadline = deadline or default_deadline(year)
        if deadline.year != year:
            errors["deadline"] = f"截止日期应在{year}年内"
    template = _clean_text(data.get("letter_template"), default_letter_template(),
                           "letter_template", errors)
    if template and "letter_template" not in errors:
        problem = check_template(template)
        if problem:
            errors["letter_template"] = problem
    pledge = _clean_text(data.get("pledge"), default_pledge(), "pledge", errors)
    if errors:
        raise FieldErrors(errors)
    # One start at a time: the city's row is the lock two starts of a year contend for.
    Region.objects.select_for_update().filter(code=CITY).first()
    clash = _overlapping(region, year).select_related("region").first()
    if clash is not None:
        raise Conflict(f"{year}年度已有覆盖该范围的承诺书签订工作：{clash.title}")
    campaign = Campaign.objects.create(region=region, year=year, deadline=deadline,
                                       letter_template=template, pledge=pledge,
                                       started_by=actor)
    audit.record("campaign.start", campaign, actor=actor, region_code=region.code,
                 after={"region": region.code, "year": year, "deadline": deadline,
                        "letter_template": template, "pledge": pledge})
    issue_letters(campaign, actor=actor)
    return campaign


def _take_serials(district: Region, year: int, count: int) -> tuple[str, int]:
    """Reserve `count` letter numbers of the district's office in `year`; the sequence row
    stays locked until the transaction ends, so two issuers never share a number."""
    head = document_prefix(district, LETTER_ABBREVIATION, year)
    sequence, _ = DocumentSequence.objects.select_for_update().get_or_create(prefix=head)
    first = sequence.last + 1
    sequence.last += count
    sequence.save(update_fields=["last"])
    return head, first


def letter_values(campaign: Campaign, producer: Producer, number: str, issuer: str) -> dict:
    return {"producer": producer.name, "legal_rep": producer.legal_rep, "year": campaign.year,
            "deadline": chinese_date(campaign.deadline), "district": producer.district.name,
            "authority": issuer, "number": number}


@transaction.atomic
def issue_letters(campaign: Campaign, *, actor) -> int:
    """发放告知书: a numbered letter to every active producer of the campaign's region (and
    the actor's scope) that has none yet — at the start, and again for producers registered
    since. Returns how many were issued."""
    require(actor, "campaign.start")
    today = timezone.localdate()
    producers = (within(visible(Producer, actor).filter(active=True), campaign.region)
                 .exclude(Exists(Letter.objects.filter(campaign=campaign,
                                                       producer=OuterRef("pk"))))
                 .select_related("district")
                 .order_by("district_id", "town_id", "village_id", "name", "pk"))
    by_district = defaultdict(list)
    for producer in producers:
        by_district[producer.district].append(producer)
    letters, numbers = [], {}
    for district, group in by_district.items():
        head, first = _take_serials(district, campaign.year, len(group))
        issuer = authority_name(district)
        for serial, producer in enumerate(group, start=first):
            number = f"{head}{serial}号"
            text = campaign.letter_template.format_map(
                letter_values(campaign, producer, number, issuer))
            letters.append(Letter(campaign=campaign, producer=producer, number=number,
                                  serial=serial, text=text, issuer=issuer, issued_on=today))
        numbers[district.code] = [f"{head}{first}号", f"{head}{first + len(group) - 1}号"]
    Letter.objects.bulk_create(letters, batch_size=1000)
    if letters:
        audit.record("campaign.letters", campaign, actor=actor, region_code=campaign.region_id,
                     after={"count": len(letters), "numbers": numbers, "issued_on": today})
    return len(letters)


@transaction.atomic
def record_delivery(letter: Letter, data: dict, *, actor) -> Delivery:
    """告知书送达: how (in person, by post, online) and when the letter reached the producer."""
    require(actor, "letter.deliver")
    errors = {}
    method = str(data.get("method") or "").strip()
    if method not in dict(DELIVERY_METHODS):
        errors["method"] = "送达方式应为：" + "、".join(
            f"{code}（{name}）" for code, name in DELIVERY_METHODS)
    delivered_on = None
    try:
        delivered_on = rules.date(data.get("delivered_on"), required=False) or \
            timezone.localdate()
    except rules.Invalid as exc:
        errors["delivered_on"] = str(exc)
    if delivered_on and delivered_on > timezone.localdate():
        errors["delivered_on"] = "送达日期不能晚于今天"
    elif delivered_on and delivered_on < letter.issued_on:
        errors["delivered_on"] = "送达日期不能早于告知书发出日期"
    try:
        note = rules.text(data.get("note"), max_length=200)
    except rules.Invalid as exc:
        errors["note"] = str(exc)
    if errors:
        raise FieldErrors(errors)
    delivery = Delivery.objects.create(letter=letter, method=method, delivered_on=delivered_on,
                                       note=note, recorded_by=actor)
    audit.record("letter.delivery", delivery, actor=actor,
                 region_code=letter.producer.village_id,
                 after={"letter": letter.number, "method": method,
                        "delivered_on": delivered_on, "note": note})
    return delivery


# --- signing -----------------------------------------------------------------------------


def campaign_for(producer: Producer, year: int | None = None) -> Campaign | None:
    """The campaign of `year` that covers the producer (its district's or the city's); the
    latest one without a year."""
    qs = Campaign.objects.filter(region_id__in=[producer.district_id, CITY])
    if year is not None:
        qs = qs.filter(year=year)
    return qs.select_related("region").order_by("-year").first()


def current_commitment(producer: Producer, year: int) -> Commitment | None:
    return Commitment.objects.filter(producer=producer, year=year,
                                     superseded_by__isnull=True).first()


def _signer_producer(data: dict, actor) -> tuple[Producer, bool]:
    """The producer being committed for and whether an officer enters it on its behalf;
    a producer outside the actor's reach is a 404, as everywhere."""
    wanted = data.get("producer")
    if actor.role == "producer":
        if not actor.producer_id or (wanted not in (None, "") and str(wanted)
                                     != str(actor.producer_id)):
            raise Http404
        return Producer.objects.get(pk=actor.producer_id), False
    require(actor, "commitment.sign_on_behalf")
    pk = _int(wanted)
    if pk is None:
        raise FieldErrors({"producer": "请指定生产主体（id）"})
    producer = visible(Producer, actor).filter(pk=pk, active=True).first()
    if producer is None:
        raise Http404
    return producer, True


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _as_list(value) -> list:
    """A list from JSON (a list) or a form (comma / 、 separated text)."""
    if value is None or value == "":
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v not in (None, "")]
    return [part.strip() for part in str(value).replace("，", ",").replace("、", ",").split(",")
            if part.strip()]


def _clean_villages(value, errors) -> list[str]:
    codes = [str(c).strip() for c in _as_list(value)]
    found = set(Region.objects.filter(code__in=codes, level="village", active=True)
                .values_list("code", flat=True))
    unknown = [c for c in codes if c not in found]
    if unknown:
        errors["villages"] = f"村（居）代码不存在或已撤销：{'、'.join(unknown[:5])}"
    return list(dict.fromkeys(codes))


def _clean_methods(value, errors) -> list[str]:
    methods = list(dict.fromkeys(str(m).strip() for m in _as_list(value)))
    known = dict(PRODUCTION_METHODS)
    if not methods:
        errors["methods"] = "请选择生产方式"
    elif any(m not in known for m in methods):
        errors["methods"] = "生产方式应为：" + "、".join(
            f"{code}（{name}）" for code, name in PRODUCTION_METHODS)
    return methods


def _clean_plot_ids(value, producer, errors) -> list[Plot]:
    try:
        ids = [int(v) for v in _as_list(value)]
    except (TypeError, ValueError):
        errors["plots"] = "地块应为地块 id 的列表"
        return []
    plots = list(Plot.objects.filter(producer=producer, active=True, pk__in=ids))
    if len(plots) != len(set(ids)):
        errors["plots"] = "只能标记本主体的有效地块"
    return sorted(plots, key=lambda p: p.plot_no)


def clean_scan(upload) -> tuple[bytes, str]:
    """The scanned paper commitment: a PDF or a JPEG/PNG image, judged by its content."""
    data = upload.read(MAX_SCAN_BYTES + 1)
    if len(data) > MAX_SCAN_BYTES:
        raise FieldErrors({"scan": f"扫描件不能超过 {MAX_SCAN_BYTES // (1024 * 1024)} MB"})
    if data.startswith(b"%PDF-"):
        return data, "application/pdf"
    try:
        return data, inspect_image(data)["content_type"]
    except FieldErrors:
        raise FieldErrors({"scan": "扫描件须为 PDF、JPEG 或 PNG 文件（按文件内容判断）"}) from None


def _clean_commitment(data: dict, base: Commitment | None, producer, on_behalf, errors) -> dict:
    """Fields of the commitment; for a new version a field not given keeps the last one's."""
    def given(field, fallback):
        if field in data and data[field] not in (None, ""):
            return data[field]
        return getattr(base, field) if base is not None else fallback

    values = {}
    try:
        values["area_mu"] = rules.area(given("area_mu", None), required=True)
    except rules.Invalid as exc:
        errors["area_mu"] = str(exc)
    try:
        values["products"] = rules.products(given("products", None))
        if not values["products"]:
            errors["products"] = "请填写农产品种类和品种"
    except rules.Invalid as exc:
        errors["products"] = str(exc)
    values["methods"] = _clean_methods(given("methods", None), errors)
    try:
        values["scope"] = rules.text(given("scope", ""), required=True, max_length=500)
    except rules.Invalid as exc:
        errors["scope"] = str(exc)
    try:
        values["signatory"] = rules.text(given("signatory", producer.legal_rep),
                                         required=True, max_length=50)
    except rules.Invalid as exc:
        errors["signatory"] = str(exc)
    values["villages"] = _clean_villages(given("villages", [producer.village_id]), errors)
    today = timezone.localdate()
    values["signed_on"] = today
    if on_behalf:
        try:
            signed_on = rules.date(data.get("signed_on"), required=False) or today
        except rules.Invalid as exc:
            errors["signed_on"] = str(exc)
        else:
            if signed_on > today:
                errors["signed_on"] = "签订日期不能晚于今天"
            values["signed_on"] = signed_on
    return values


def _new_plots(producer, items, actor, errors) -> list[Plot]:
    """Plots drawn on the commitment's map join the register as the producer's plots."""
    if not isinstance(items, list):
        errors["new_plots"] = "新绘地块应为列表，每项含 geometry（GeoJSON）"
        return []
    made = []
    for i, item in enumerate(items):
        item = item if isinstance(item, dict) else {"geometry": item}
        try:
            made.append(add_plot(producer, {"geometry": item.get("geometry"),
                                            "crop": item.get("crop", ""),
                                            "village": item.get("village")}, actor=actor))
        except FieldErrors as exc:
            for field, message in exc.by_field().items():
                errors[f"new_plots.{i}.{field}"] = message
    return made


def plot_snapshot(plot: Plot) -> dict:
    return {"id": plot.pk, "plot_no": plot.plot_no, "crop": plot.crop,
            "area_mu": str(plot.area_mu), "village": plot.village_id,
            "geometry": plot.geometry}


def _year_and_base(data: dict, producer: Producer, errors) -> tuple:
    """The campaign signed under, and for a change the version it supersedes with the
    reason: (campaign, base or None, reason)."""
    year = None
    if data.get("year") not in (None, ""):
        year = _clean_year(data["year"], errors)
    elif data.get("supersedes") not in (None, ""):
        year = (Commitment.objects.filter(pk=_int(data["supersedes"]), producer=producer)
                .values_list("year", flat=True).first())
    if errors:
        raise FieldErrors(errors)
    campaign = campaign_for(producer, year)
    if campaign is None:
        raise FieldErrors({"year": f"{year}年度承诺书签订工作尚未启动" if year
                           else "本主体所在区尚未启动承诺书签订工作"})
    current = current_commitment(producer, campaign.year)
    if data.get("supersedes") in (None, ""):
        if current is not None:
            raise Conflict(f"该主体{campaign.year}年度承诺书已签订（第{current.version}版）；"
                           "变更请提交新版本并说明原因")
        return campaign, None, ""
    if current is None or str(data["supersedes"]) != str(current.pk):
        raise Conflict("只能在当前版本的基础上变更承诺书")
    try:
        reason = rules.text(data.get("reason"), required=True, max_length=300)
    except rules.Invalid as exc:
        errors["reason"] = f"变更承诺书须说明原因（{exc}）"
        reason = ""
    return campaign, current, reason


def _attach_files(commitment: Commitment, png: bytes, scan_data) -> None:
    name = f"{commitment.producer_id}-{commitment.year}-v{commitment.version}"
    commitment.map_image.save(f"{name}.png", ContentFile(png), save=False)
    if scan_data is not None:
        body, content_type = scan_data
        commitment.scan_content_type = content_type
        commitment.scan_sha256 = hashlib.sha256(body).hexdigest()
        extension = {"application/pdf": ".pdf", "image/png": ".png"}.get(content_type, ".jpg")
        commitment.scan.save(f"{name}{extension}", ContentFile(body), save=False)


@transaction.atomic
def sign_commitment(data: dict, *, actor, scan=None) -> Commitment:
    """签订承诺书: by the producer's own account, or by an officer on its behalf with the
    signed paper scanned. With `supersedes` (the current version's id) and a `reason` it is
    the next version of the year's commitment (fields not given keep the last version's);
    otherwise the year must have none yet. The marked map is drawn and kept with it."""
    producer, on_behalf = _signer_producer(data, actor)
    # one signature at a time per producer: two first versions never race
    producer = Producer.objects.select_for_update().select_related("district").get(
        pk=producer.pk)
    errors: dict[str, str] = {}
    campaign, base, reason = _year_and_base(data, producer, errors)
    values = _clean_commitment(data, base, producer, on_behalf, errors)
    plot_ids = data.get("plots")
    if plot_ids in (None, "") and base is not None:
        plot_ids = [p["id"] for p in base.plots]
    plots = _clean_plot_ids(plot_ids, producer, errors)
    scan_data = None
    if scan is not None:
        try:
            scan_data = clean_scan(scan)
        except FieldErrors as exc:
            errors.update(exc.by_field())
    elif on_behalf:
        errors["scan"] = "代为录入须上传签字后的纸质承诺书扫描件（PDF 或图片）"
    if errors:
        raise FieldErrors(errors)
    plots += _new_plots(producer, data.get("new_plots") or [], actor, errors)
    if not plots and "plots" not in errors:
        errors["plots"] = "请在地图上标记生产地块（选择已有地块或绘制新地块）"
    if errors:
        raise FieldErrors(errors)
    measured = sum((p.area_mu for p in plots), Decimal("0"))
    year = campaign.year
    commitment = Commitment(
        producer=producer, campaign=campaign, year=year,
        version=base.version + 1 if base else 1, supersedes=base, reason=reason,
        villages=list(dict.fromkeys(values["villages"] + [p.village_id for p in plots])),
        area_mu=values["area_mu"], products=values["products"], methods=values["methods"],
        scope=values["scope"], plots=[plot_snapshot(p) for p in plots],
        plots_area_mu=measured, area_flagged=area_differs(values["area_mu"], measured),
        pledge=campaign.pledge, signatory=values["signatory"], signed_on=values["signed_on"],
        on_behalf=on_behalf, entered_by=actor)
    png = maps.render(commitment.plots, title=f"{producer.name} {year}年度生产地块标记图",
                      subtitle=f"标记地块 {len(plots)} 块，测算面积 {measured} 亩")
    _attach_files(commitment, png, scan_data)
    commitment.save()
    audit.record("commitment.sign", commitment, actor=actor, region_code=producer.village_id,
                 after=commitment_snapshot(commitment))
    # a change is not a new signature: only the first version counts for the credit file
    if commitment.version == 1 and commitment.signed_on <= campaign.deadline:
        record_event(producer, kind="commitment_signed", occurred_on=commitment.signed_on,
                     summary=f"按期签订{year}年度农产品质量安全承诺书",
                     source=f"commitment:{commitment.pk}",
                     link=reverse("commitment", args=[commitment.pk]), actor=actor)
    return commitment


def commitment_snapshot(c: Commitment) -> dict:
    return {"producer": c.producer_id, "campaign": c.campaign_id, "year": c.year,
            "version": c.version, "supersedes": c.supersedes_id, "reason": c.reason,
            "villages": c.villages, "area_mu": c.area_mu, "products": c.products,
            "methods": c.methods, "scope": c.scope,
            "plots": [p["plot_no"] for p in c.plots], "plots_area_mu": c.plots_area_mu,
            "area_flagged": c.area_flagged, "signatory": c.signatory,
            "signed_on": c.signed_on, "on_behalf": c.on_behalf,
            "scan_sha256": c.scan_sha256, "map_image": c.map_image.name}


# --- the deadline ------------------------------------------------------------------------


def record_missed(today: dt.date | None = None, *, actor=None) -> int:
    """每日检查: every producer whose letter went out by the deadline and that signed no
    commitment by it gets one "commitment_missed" credit event per campaign; running it
    again adds nothing. Returns how many events were recorded."""
    today = today or timezone.localdate()
    recorded = 0
    for campaign in Campaign.objects.filter(deadline__lt=today):
        signed = Commitment.objects.filter(producer=OuterRef("producer_id"), year=campaign.year,
                                           version=1, signed_on__lte=campaign.deadline)
        prefix = f"campaign:{campaign.pk}:"
        done = set(CreditEvent.objects.filter(kind="commitment_missed", source__startswith=prefix)
                   .values_list("source", flat=True))
        missed = (campaign.letters.filter(issued_on__lte=campaign.deadline, producer__active=True)
                  .exclude(Exists(signed)).select_related("producer").order_by("pk"))
        for letter in missed:
            source = f"{prefix}{letter.producer_id}"
            if source in done:
                continue
            with transaction.atomic():
                record_event(letter.producer, kind="commitment_missed",
                             occurred_on=campaign.deadline + dt.timedelta(days=1),
                             summary=(f"未在{chinese_date(campaign.deadline)}前签订"
                                      f"{campaign.year}年度农产品质量安全承诺书（告知书 "
                                      f"{letter.number}）"),
                             source=source, link=reverse("campaign", args=[campaign.pk]),
                             actor=actor)
            recorded += 1
    return recorded
