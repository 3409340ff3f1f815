"""Writes of field supervision (强化监管检查，做到监管留痕): photos, inspections, amendments,
the producer's replies to rectification orders."""

import datetime as dt
import itertools
import logging

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.backup import media_names
from nongan.core.delivery import deliver_once
from nongan.core.errors import Conflict, FieldErrors, Unavailable
from nongan.core.geo import distance_m, locate
from nongan.core.notifications import notify
from nongan.core.permissions import require
from nongan.core.scoping import visible
from nongan.credit import services as credit
from nongan.people.models import User
from nongan.producers.models import Producer

from . import photos
from .models import (
    RESULTS,
    Amendment,
    ChecklistTemplate,
    Inspection,
    Media,
    PreHarvestInterval,
    Rectification,
    RectificationReply,
)

ANSWER_TYPES = {"yes_no": {"yes", "no", "na"}}
PHOTO_FOLDER = Media._meta.get_field("file").upload_to.split("/")[0]  # "media"
log = logging.getLogger(__name__)


def upload_media(uploaded, *, actor) -> Media:
    """Store one field photo after checking its content; the record names its uploader."""
    return deliver_media(uploaded, None, actor=actor)[0]


@transaction.atomic
def deliver_media(uploaded, media_id, *, actor) -> tuple[Media, bool]:
    """A photo from a phone, stored once, idempotent by the phone's `media_id` (CONTRACT.md:
    what is made in the field arrives once): the same photo again under its id answers the
    stored one (created False) — a phone whose answer was lost sends it again — and another
    photo under a taken id is a conflict. A storage that cannot take the file (full,
    read-only) is Unavailable: the phone keeps the photo and sends it later. A file whose
    row is not written is removed (a process killed in between leaves one for
    `sweep_photo_files`)."""
    require(actor, "media.upload")
    data = uploaded.read()
    facts = photos.inspect_image(data)
    if media_id is not None and (stored := Media.objects.filter(pk=media_id).first()):
        return _same_photo(stored, facts, actor), False
    media = Media(uploaded_by=actor, **facts)
    if media_id is not None:
        media.id = media_id
    extension = ".jpg" if facts["content_type"] == "image/jpeg" else ".png"
    name = media.file.field.generate_filename(media, f"{media.id}{extension}")
    try:
        media.file.save(f"{media.id}{extension}", ContentFile(data), save=False)
    except OSError as exc:
        log.error("photo storage refused %s: %s", name, exc)
        _discard(media.file.storage, name)  # a disk that filled up mid-write left a part
        raise Unavailable("照片存储暂时无法写入，照片保留在手机上，稍后自动重新上传") from exc
    try:
        with transaction.atomic():
            media.save()
        audit.record("media.upload", media, actor=actor, region_code=actor.region_id,
                     after={k: v for k, v in facts.items() if k != "size"} | {"size": len(data)})
    except IntegrityError:
        _discard(media.file.storage, media.file.name)
        # Two deliveries of the same photo raced; the first one won.
        if (stored := Media.objects.filter(pk=media.id).first()) is None:
            raise
        return _same_photo(stored, facts, actor), False
    except BaseException:
        _discard(media.file.storage, media.file.name)
        raise
    return media, True


def _same_photo(stored: Media, facts: dict, actor) -> Media:
    if stored.uploaded_by_id != actor.pk or stored.sha256 != facts["sha256"]:
        raise Conflict("该照片编号已被另一张照片使用")
    return stored


def _discard(storage, name: str) -> None:
    try:
        storage.delete(name)
    except OSError:  # the folder is read-only too: the sweep takes it later
        log.warning("could not remove %s", name)


def sweep_photo_files(*, older_than: dt.timedelta = dt.timedelta(hours=1)) -> list[str]:
    """Photo files no Media row names — an upload cut off between writing its file and
    committing its row (the server killed, the database gone) — removed once older than
    `older_than`, which no upload in progress is. The daily schedule runs it."""
    storage = Media._meta.get_field("file").storage
    cutoff = timezone.now() - older_than
    settled = (name for name in media_names(storage, PHOTO_FOLDER)
               if storage.get_modified_time(name) <= cutoff)
    removed = []
    # Asked of the rows a thousand files at a time: millions of photos never sit in memory.
    while chunk := list(itertools.islice(settled, 1000)):
        named = set(Media.objects.filter(file__in=chunk).values_list("file", flat=True))
        removed += [name for name in chunk if name not in named]
    if removed:
        with transaction.atomic():
            for name in removed:
                storage.delete(name)
            audit.record("media.sweep", actor=None, object_type="inspections.media",
                         after={"removed": removed})
    return removed


def submit_inspection(payload: dict, *, actor) -> tuple[Inspection, bool]:
    """提交巡查记录, idempotent by the client's uuid: the same record again returns the
    stored one (created False); different content under the same uuid is a conflict."""
    require(actor, "inspection.submit")
    return deliver_once(Inspection, payload, _create, actor=actor,
                        changed="该巡查记录已提交，内容不同；如需更正请提交更正记录")


def _create(payload: dict, digest: str, actor) -> Inspection:
    producer = visible(Producer, actor).filter(pk=payload["producer"]).first()
    if producer is None:
        raise Http404
    errors: dict[str, str] = {}
    template = (ChecklistTemplate.objects.filter(code=payload["template"], active=True)
                .order_by("-version").first())
    if template is None:
        errors["template"] = "检查表模板不存在"
    started, finished = payload["started_at"], payload["finished_at"]
    if finished < started:
        errors["finished_at"] = "完成时间不能早于开始时间"
    if finished > timezone.now() + dt.timedelta(minutes=10):
        errors["finished_at"] = "完成时间不能晚于当前时间"
    plots = {p.plot_no: p.geometry for p in producer.plots.filter(active=True)}
    unknown = [n for n in payload.get("plots_seen") or [] if n not in plots]
    if unknown:
        errors["plots_seen"] = f"不是该主体的地块：{'、'.join(unknown)}"
    media = list(visible(Media, actor).filter(id__in=payload.get("photos") or []))
    if len(media) != len(set(payload.get("photos") or [])):
        errors["photos"] = "照片不存在或不是本人上传"
    answers = _check_answers(template, payload.get("answers") or [], bool(media), errors) \
        if template else []
    inputs, input_flags = _check_inputs(payload.get("inputs") or [], errors)
    result = payload.get("result")
    if result not in dict(RESULTS):
        errors["result"] = "结论应为 pass / rectify / refer"
    rectify = payload.get("rectification") or {}
    if result == "rectify":
        if not rectify.get("items"):
            errors["rectification.items"] = "限期整改须列明整改事项"
        if not rectify.get("deadline") or rectify["deadline"] <= finished.date():
            errors["rectification.deadline"] = "整改期限须晚于检查日期"
    signature = None
    if payload.get("signature"):
        signature = visible(Media, actor).filter(id=payload["signature"]).first()
        if signature is None:
            errors["signature"] = "签名图片不存在"
    elif not (payload.get("refused_signature") or "").strip():
        errors["signature"] = "须由生产主体签名，或注明拒签情况"
    if errors:
        raise FieldErrors(errors)

    location = payload["location"]
    check = locate(location["lon"], location["lat"], plots.items())
    flags = input_flags + location_flags(check, location) + photo_flags(media, location,
                                                                        finished)
    inspection = Inspection(
        uuid=payload["uuid"], producer=producer, grid=producer.grid, template=template,
        inspector=actor, started_at=started, finished_at=finished, lon=location["lon"],
        lat=location["lat"], accuracy_m=location.get("accuracy_m"), location_check=check,
        plots_seen=payload.get("plots_seen") or [], answers=answers, inputs=inputs,
        result=result, score=score(template, answers), flags=flags, signature=signature,
        refused_signature=(payload.get("refused_signature") or "").strip(),
        payload_hash=digest)
    inspection.place_in(producer.village)
    inspection.save()
    inspection.photos.set(media)
    closed = _close_rectifications(producer, inspection) if result == "pass" else []
    if result == "rectify":
        Rectification.objects.create(
            producer=producer, ordered_by=inspection, items=rectify["items"],
            deadline=rectify["deadline"], district=producer.district, town=producer.town,
            village=producer.village)
    audit.record("inspection.submit", inspection, actor=actor, region_code=producer.village_id,
                 after={"uuid": inspection.uuid, "producer": producer.pk,
                        "template": f"{template.code}@{template.version}", "result": result,
                        "location_check": check, "flags": flags, "closed": closed})
    credit.inspection_recorded(inspection, closed, actor=actor)
    return inspection


def _check_answers(template, answers, has_photos, errors) -> list[dict]:
    items = {item["key"]: item for item in template.items}
    given = {}
    for n, answer in enumerate(answers):
        key = answer.get("item")
        item = items.get(key)
        if item is None:
            errors[f"answers.{n}.item"] = f"检查项“{key}”不在模板中"
            continue
        value = answer.get("value")
        if item["type"] == "yes_no" and value not in ANSWER_TYPES["yes_no"]:
            errors[f"answers.{n}.value"] = f"“{item['text']}”应回答 是/否/不适用"
        elif item["type"] == "number" and not isinstance(value, int | float):
            errors[f"answers.{n}.value"] = f"“{item['text']}”应为数字"
        given[key] = {"item": key, "value": value, "note": answer.get("note") or ""}
    for key, item in items.items():
        if item.get("required") and key not in given:
            errors[f"answers.{key}"] = f"必答项未回答：{item['text']}"
        if item["type"] == "photo" and item.get("required") and not has_photos:
            errors["photos"] = f"须拍照：{item['text']}"
    return list(given.values())


def _check_inputs(inputs, errors) -> tuple[list[dict], list[dict]]:
    """Inputs in use; an application inside its pre-harvest interval is flagged."""
    clean, flags = [], []
    for n, row in enumerate(inputs):
        name = (row.get("pesticide") or "").strip()
        applied, harvest = row.get("applied_on"), row.get("harvest_on")
        if not name:
            errors[f"inputs.{n}.pesticide"] = "须填写农药名称"
            continue
        entry = {"pesticide": name, "registration_no": row.get("registration_no") or "",
                 "dose": row.get("dose") or "", "crop": (row.get("crop") or "").strip(),
                 "applied_on": applied.isoformat() if applied else None,
                 "harvest_on": harvest.isoformat() if harvest else None}
        clean.append(entry)
        if applied and harvest:
            if harvest < applied:
                errors[f"inputs.{n}.harvest_on"] = "计划采收日期早于施药日期"
                continue
            interval = preharvest_interval(name, entry["crop"])
            if interval and (harvest - applied).days < interval.days:
                flags.append({"code": "phi_not_kept", "input": n, "pesticide": name,
                              "crop": entry["crop"], "required_days": interval.days,
                              "days": (harvest - applied).days, "source": interval.source,
                              "message": f"{name}施药至采收仅{(harvest - applied).days}天，"
                                         f"未过安全间隔期{interval.days}天"})
    return clean, flags


def preharvest_interval(pesticide: str, crop: str) -> PreHarvestInterval | None:
    """The interval for this crop, else the pesticide's general one."""
    rows = {r.crop: r for r in PreHarvestInterval.objects.filter(pesticide=pesticide)}
    return rows.get(crop) or rows.get("")


def location_flags(check, location) -> list[dict]:
    if check["inside_plot"]:
        return []
    if check["plot_no"] is None:
        return [{"code": "no_plots", "message": "该主体没有登记地块，无法核验位置"}]
    slack = max(location.get("accuracy_m") or 0, 30)
    if check["distance_m"] > slack:
        return [{"code": "outside_plots", "distance_m": check["distance_m"],
                 "message": f"检查位置距最近地块 {check['plot_no']} {check['distance_m']} 米"}]
    return []


def photo_flags(media, location, finished) -> list[dict]:
    flags = []
    for photo in media:
        if photo.taken_at is None and photo.lon is None:
            flags.append({"code": "photo_no_exif", "photo": str(photo.id),
                          "message": "照片无拍摄时间和位置信息"})
            continue
        if photo.taken_at and abs(photo.taken_at - finished) > photos.PHOTO_TIME_TOLERANCE:
            flags.append({"code": "photo_time", "photo": str(photo.id),
                          "message": f"照片拍摄时间 {photo.taken_at:%Y-%m-%d %H:%M} 与检查时间不符"})
        if photo.lon is not None and distance_m(photo.lon, photo.lat, location["lon"],
                                                location["lat"]) > photos.PHOTO_DISTANCE_TOLERANCE_M:
            flags.append({"code": "photo_place", "photo": str(photo.id),
                          "message": "照片拍摄位置与检查位置相距较远"})
    return flags


def score(template, answers):
    """Points for compliant answers, less the deductions of failed items (附件2 forms)."""
    if not template.scored:
        return None
    items = {i["key"]: i for i in template.items}
    total = 0
    for answer in answers:
        item = items[answer["item"]]
        if answer["value"] == "yes":
            total += item.get("points", 0)
        elif answer["value"] == item.get("fail_value", "no"):
            total -= item.get("deduct", 0)
    return total


def _close_rectifications(producer, inspection) -> list[int]:
    """A passing follow-up closes the producer's open rectification orders."""
    open_orders = list(Rectification.objects.filter(producer=producer, closed_by=None))
    for order in open_orders:
        order.closed_by, order.closed_at = inspection, inspection.finished_at
        order.save(update_fields=["closed_by", "closed_at"])
    return [o.pk for o in open_orders]


@transaction.atomic
def amend_inspection(inspection: Inspection, *, reason: str, changes: dict, actor) -> Amendment:
    """更正: the record stays as submitted; the correction and its reason sit beside it."""
    require(actor, "inspection.submit")
    errors = {}
    if not (reason or "").strip():
        errors["reason"] = "须说明更正原因"
    if not changes:
        errors["changes"] = "须写明更正内容"
    if errors:
        raise FieldErrors(errors)
    amendment = Amendment.objects.create(inspection=inspection, reason=reason.strip(),
                                         changes=changes, author=actor)
    audit.record("inspection.amend", amendment, actor=actor,
                 region_code=inspection.village_id,
                 after={"inspection": inspection.pk, "reason": reason, "changes": changes})
    return amendment


MAX_REPLY_PHOTOS = 9
MAX_REPLY_CHARS = 2000


@transaction.atomic
def reply_to_rectification(rectification: Rectification, data: dict, *,
                           actor) -> RectificationReply:
    """答复整改通知: the producer of the order says what it put right, with photos — ones it
    uploaded (`photos`, media ids) or files sent with the reply (`files`), each checked by
    content like every field photo — until a passing follow-up closes the order. The
    producer's grid persons and town officers are told, to go and check."""
    require(actor, "rectification.reply")
    order = (visible(Rectification, actor).select_for_update().select_related("producer")
             .filter(pk=rectification.pk).first())
    if order is None:
        raise Http404
    if order.closed_by_id:
        raise Conflict("该整改通知已经复查合格关闭，不能再答复")
    errors: list[tuple[tuple, str]] = []
    text = (data.get("text") or "").strip()
    if not text:
        errors.append((("text",), "须填写整改情况"))
    elif len(text) > MAX_REPLY_CHARS:
        errors.append((("text",), f"整改情况不能超过 {MAX_REPLY_CHARS} 字"))
    ids = {str(i) for i in data.get("photos") or []}
    media = list(visible(Media, actor).filter(id__in=ids))
    if len(media) != len(ids):
        errors.append((("photos",), "照片不存在或不是本人上传"))
    files = list(data.get("files") or [])
    if len(ids) + len(files) > MAX_REPLY_PHOTOS:
        errors.append((("photos",), f"照片最多 {MAX_REPLY_PHOTOS} 张"))
    for n, uploaded in enumerate(files):
        # Checked before anything is stored, so a refused reply leaves no file behind.
        try:
            photos.inspect_image(uploaded.read())
        except FieldErrors as exc:
            errors.append((("files", n), exc.by_field()["file"]))
        uploaded.seek(0)
    if errors:
        raise FieldErrors(errors)
    media += [upload_media(uploaded, actor=actor) for uploaded in files]
    reply = RectificationReply.objects.create(rectification=order, text=text, author=actor)
    reply.photos.set(media)
    link = reverse("rectification", args=[order.pk])
    told = notify(_checkers(order), kind="rectification.reply", link=link,
                  text=f"【农安】{order.producer.name}答复了整改通知（整改期限"
                       f"{order.deadline:%Y-%m-%d}）：{text[:60]}。请及时复查。")
    audit.record("rectification.reply", reply, actor=actor, region_code=order.village_id,
                 after={"rectification": order.pk, "text": text,
                        "photos": [str(m.pk) for m in media], "notified": told})
    return reply


def _checkers(order: Rectification) -> list:
    """Who goes to check a reply: the persons of the producer's grid, the village's grid
    workers and the town's officers (实施方案 三.(一): the grid and the town inspect)."""
    grid = order.producer.grid
    members = [m.user for m in grid.members.select_related("user") if m.user] if grid else []
    local = User.objects.filter(Q(role="grid_worker", region=order.village_id)
                                | Q(role="town_officer", region=order.town_id), is_active=True)
    return [*members, *local]
