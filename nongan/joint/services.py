"""Writes of joint supervision (联合监管): referring a case to another agency with its numbered
移送书 and documents, recording the agency's answers and the hand-over of the evidence, and
joint inspections with the officers of several agencies.

Each write is one transaction with its audit entry; a referral's writes also leave the
partners' event (`nongan.exchange.events.emit`) in the same transaction. Another district's
case or record is a 404, a wrong state a 409 (Conflict), bad input a 422 (FieldErrors).
"""

import datetime as dt
import hashlib

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from nongan.commitments.services import clean_scan
from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible
from nongan.enforcement import documents
from nongan.enforcement.models import Case, SpotCheck
from nongan.exchange.events import emit
from nongan.exchange.models import Agency
from nongan.inspections.models import Inspection
from nongan.people.models import User

from . import deadlines, letters
from .models import (
    DOCUMENT_KINDS,
    KINDS,
    OPEN_STATES,
    STATES,
    JointInspection,
    JointParticipant,
    Referral,
    ReferralAnswer,
    ReferralDocument,
)

ABBREVIATION = "移"  # 浦农移〔2026〕3号, numbered with the case documents (enforcement.documents)
MAX_TEXT = 5000
KIND_LABELS = dict(KINDS)
STATE_LABELS = dict(STATES)
DOCUMENT_LABELS = dict(DOCUMENT_KINDS)
AGENCY_KIND_NAMES = {"public_security": "公安机关", "market_regulation": "市场监管部门",
                     "ecology_environment": "生态环境部门"}
# The answers an agency gives, and the states each may follow.
ANSWERS = {"received": ("sent",), "accepted": ("sent", "received"),
           "declined": ("sent", "received"), "closed": ("accepted",)}
# Our officers on a joint inspection: the district's staff who inspect (not labs, producers).
OFFICER_ROLES = ("district_officer", "town_officer", "grid_worker", "enforcement_officer")
MIN_OFFICERS = 2


# ---------------------------------------------------------------- small parsers

def _text(value, limit=MAX_TEXT) -> str:
    # A NUL means nothing in our text and PostgreSQL cannot store one.
    return str(value or "").replace("\x00", "").strip()[:limit]


def _date(value, name, errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        errors.append(((name,), "日期格式应为 YYYY-MM-DD"))
        return None


def _ids(values, name, errors) -> list[int]:
    if values in (None, ""):
        return []
    if isinstance(values, str | int):
        values = [values]
    try:
        ids = list(dict.fromkeys(int(v) for v in values if v not in (None, "")))
    except (TypeError, ValueError):
        ids = None
    # A number no record can have (beyond a 64-bit key) is as bad as a word.
    if ids is None or not all(0 < i < 2 ** 63 for i in ids):
        errors.append(((name,), "应为编号（整数）的列表"))
        return []
    return ids


def checked_file(upload, name="file") -> tuple[bytes, str]:
    """A document's bytes and content type, judged by content (PDF, JPEG or PNG) with the
    commitments' scan check; 422 naming `name` otherwise."""
    if upload is None:
        raise FieldErrors({name: "须选择文件"})
    try:
        return clean_scan(upload)
    except FieldErrors as exc:
        raise FieldErrors({name: next(iter(exc.by_field().values()))}) from None


def _in_district(case: Case, actor) -> None:
    """Referrals leave from the case's own district: anyone else is told it does not exist."""
    if not in_scope(actor, case.village):
        raise Http404


def _locked(referral: Referral, actor) -> Referral:
    referral = (Referral.objects.select_for_update()
                .select_related("case__district", "case__party", "agency").get(pk=referral.pk))
    _in_district(referral.case, actor)
    return referral


def _store(referral, kind, name, data: bytes, content_type, actor, *, generated=False):
    digest = hashlib.sha256(data).hexdigest()
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    document = ReferralDocument(referral=referral, kind=kind, name=name[:120],
                                content_type=content_type, size=len(data), sha256=digest,
                                generated=generated, uploaded_by=actor)
    document.file.save(f"{referral.pk}-{kind}-{digest[:12]}.{extension}", ContentFile(data),
                       save=False)
    document.save()
    return document


def _emit(kind: str, referral: Referral) -> None:
    emit(kind, referral, dataset="referrals", district_code=referral.case.district_id)


# ---------------------------------------------------------------- referring a case

def _agency(value, actor, errors) -> Agency | None:
    if value in (None, ""):
        errors.append((("agency",), "须选择移送部门"))
        return None
    try:
        pk = int(getattr(value, "pk", value))
    except (TypeError, ValueError):
        errors.append((("agency",), "移送部门不存在"))
        return None
    agency = visible(Agency, actor).filter(pk=pk, active=True).first()
    if agency is None:
        errors.append((("agency",), "移送部门不存在或已停用"))
    return agency


def _referral_fields(case, data, actor, errors) -> dict:
    today = timezone.localdate()
    agency = _agency(data.get("agency"), actor, errors)
    kind = data.get("kind")
    defaults = deadlines.kind_defaults()
    if kind not in KIND_LABELS:
        errors.append((("kind",), "移送类型应为 criminal / circulation / environment / other"))
        kind = None
    expected = defaults[kind]["agency_kind"] if kind else ""
    if agency is not None and expected and agency.kind != expected:
        errors.append((("agency",), f"“{KIND_LABELS[kind]}”应移送"
                       f"{AGENCY_KIND_NAMES.get(expected, expected)}"))
    reason = _text(data.get("reason"))
    if not reason:
        errors.append((("reason",), "须写明移送理由（涉嫌的违法犯罪事实）"))
    legal_basis = _text(data.get("legal_basis")) or (defaults[kind]["legal_basis"] if kind
                                                     else "")
    if not legal_basis:
        errors.append((("legal_basis",), "须写明移送依据"))
    sent_on = _date(data.get("sent_on"), "sent_on", errors) or today
    if sent_on > today:
        errors.append((("sent_on",), "移送日期不能晚于今天"))
    elif sent_on < case.opened_on:
        errors.append((("sent_on",), f"移送日期不能早于立案日期（{case.opened_on:%Y-%m-%d}）"))
    reported_on = _date(data.get("reported_on"), "reported_on", errors)
    approved_on = _date(data.get("approved_on"), "approved_on", errors)
    if reported_on and approved_on and approved_on < reported_on:
        errors.append((("approved_on",), "批准日期不能早于移送报告日期"))
    if approved_on and approved_on > sent_on:
        errors.append((("approved_on",), "批准日期不能晚于移送日期"))
    if reported_on and reported_on > sent_on:
        errors.append((("reported_on",), "移送报告日期不能晚于移送日期"))
    answer_due = _date(data.get("answer_due"), "answer_due", errors)
    if answer_due and answer_due < sent_on:
        errors.append((("answer_due",), "答复期限不能早于移送日期"))
    due = answer_due or (deadlines.answer_due(kind, sent_on) if kind else None)
    return {"agency": agency, "kind": kind, "reason": reason, "legal_basis": legal_basis,
            "sent_on": sent_on, "reported_on": reported_on, "approved_on": approved_on,
            "approver": _text(data.get("approver"), 50), "answer_due": due,
            "answer_due_custom": answer_due is not None}


@transaction.atomic
def refer_case(case: Case, data: dict, *, actor) -> Referral:
    """案件移送: the case referred to `agency` with a numbered 移送书 (PDF, kept as the first
    document); one open referral per case and agency. Only the case's district sends it."""
    require(actor, "referral.send")
    case = (Case.objects.select_for_update().select_related("district", "village", "party")
            .get(pk=case.pk))
    _in_district(case, actor)
    errors: list = []
    fields = _referral_fields(case, data, actor, errors)
    if errors:
        raise FieldErrors(errors)
    taken = Referral.objects.filter(case=case, agency=fields["agency"],
                                    state__in=OPEN_STATES).first()
    if taken is not None:
        raise Conflict(f"该案件已移送{fields['agency'].name}且尚未办结：{taken.referral_no}")
    number = documents.next_number(case.district, ABBREVIATION, fields["sent_on"].year)
    try:
        with transaction.atomic():
            referral = Referral.objects.create(case=case, referral_no=number, created_by=actor,
                                               **fields)
    except IntegrityError:
        raise Conflict(f"该案件已移送{fields['agency'].name}且尚未办结") from None
    _store(referral, "letter", f"{letters.letter_title(referral.kind)} {number}.pdf",
           letters.referral_pdf(referral, actor), "application/pdf", actor, generated=True)
    audit.record("referral.send", referral, actor=actor, region_code=case.village_id,
                 after={"referral_no": number, "case": case.case_no,
                        "agency": fields["agency"].name, "kind": fields["kind"],
                        "reason": fields["reason"], "legal_basis": fields["legal_basis"],
                        "sent_on": fields["sent_on"], "answer_due": fields["answer_due"]})
    _emit("referral.sent", referral)
    return referral


@transaction.atomic
def add_document(referral: Referral, upload, data: dict, *, actor) -> ReferralDocument:
    """移送材料: a document added to a referral (调查报告, 涉案物品清单, 检验报告 …), accepted
    only when its content is a PDF, JPEG or PNG."""
    require(actor, "referral.send")
    referral = _locked(referral, actor)
    kind = data.get("kind") or "other"
    if kind not in DOCUMENT_LABELS:
        raise FieldErrors({"kind": "材料类型应为 " + " / ".join(DOCUMENT_LABELS)})
    content, content_type = checked_file(upload)
    name = _text(data.get("name"), 120) or DOCUMENT_LABELS[kind]
    document = _store(referral, kind, name, content, content_type, actor)
    audit.record("referral.document", document, actor=actor,
                 region_code=referral.case.village_id,
                 after={"referral_no": referral.referral_no, "kind": kind, "name": name,
                        "sha256": document.sha256, "size": document.size})
    return document


def _answer_refusal(referral: Referral, to: str) -> str | None:
    if referral.state in ANSWERS[to]:
        return None
    if referral.state in ("declined", "closed"):
        return f"移送已{STATE_LABELS[referral.state]}，不能再记录回复"
    if to == "closed":
        return "对方尚未受理（立案），不能记录办结"
    if to == "received":
        return "对方已作出受理决定，无需再记录接收"
    return f"移送当前为“{STATE_LABELS[referral.state]}”，不能记录“{STATE_LABELS[to]}”"


def _answer_date(referral, data, errors) -> dt.date | None:
    on = _date(data.get("on"), "on", errors)
    if on is None and data.get("on") not in (None, ""):
        return None
    on = on or timezone.localdate()
    latest = max(d for d in (referral.sent_on, referral.received_on, referral.accepted_on) if d)
    if on > timezone.localdate():
        errors.append((("on",), "回复日期不能晚于今天"))
    elif on < latest:
        errors.append((("on",), f"回复日期不能早于{latest:%Y-%m-%d}（移送或上一次回复）"))
    return on


@transaction.atomic
def record_answer(referral: Referral, data: dict, *, actor, scan=None) -> Referral:
    """记录对方回复: received (签收回执), accepted (受理/立案, its number), declined (不予受理
    或退回, with the reason) or closed (办结, with the outcome), dated by the agency's letter,
    with an optional scan of it. A state that does not allow the answer → 409."""
    require(actor, "referral.answer")
    return _answer(_locked(referral, actor), data, actor=actor, scan=scan)


@transaction.atomic
def record_partner_answer(referral: Referral, data: dict, *, key) -> Referral:
    """对方系统回复: the agency's own system answers a referral made to it, with its API key
    (docs/exchange.md). A referral to another agency, or of a district outside the key, is
    not found (404); the answer follows the same rules as one an officer enters."""
    referral = (Referral.objects.select_for_update()
                .select_related("case__district", "case__party", "agency").get(pk=referral.pk))
    if referral.agency_id != key.agency_id:
        raise Http404
    return _answer(referral, data, actor=f"{key.agency.name}（接口密钥 {key.prefix}）", key=key)


def _answer(referral: Referral, data: dict, *, actor, scan=None, key=None) -> Referral:
    """`actor` is the officer, or for a partner's system the name the audit log shows."""
    user = None if key else actor
    to = data.get("state")
    if to not in ANSWERS:
        raise FieldErrors({"state": "回复应为 received / accepted / declined / closed"})
    refusal = _answer_refusal(referral, to)
    if refusal:
        raise Conflict(refusal)
    errors: list = []
    on = _answer_date(referral, data, errors)
    text = _text(data.get("text"))
    if to == "declined" and not text:
        errors.append((("text",), "须填写对方不予受理（退回）的理由"))
    if to == "closed" and not text:
        errors.append((("text",), "须填写对方的办理结果"))
    scanned = None
    if scan is not None:
        try:
            scanned = checked_file(scan, "scan")
        except FieldErrors as exc:
            errors += exc.errors
    if errors:
        raise FieldErrors(errors)
    letter_no = _text(data.get("letter_no"), 60)
    before = {"state": referral.state, "answer_due": referral.answer_due}
    if to == "received":
        referral.received_on = on
        if not referral.answer_due_custom:
            referral.answer_due = deadlines.answer_due(referral.kind, on)
    elif to == "accepted":
        referral.received_on = referral.received_on or on
        referral.accepted_on, referral.agency_case_no = on, letter_no
    elif to == "declined":
        referral.received_on = referral.received_on or on
        referral.declined_on, referral.decline_reason = on, text
    else:
        referral.closed_on, referral.outcome = on, text
    referral.state = to
    referral.save()
    document = None
    if scanned is not None:
        document = _store(referral, "reply", f"{STATE_LABELS[to]}回复 {letter_no or on}",
                          *scanned, user)
    answer = ReferralAnswer.objects.create(referral=referral, state=to, letter_on=on,
                                           letter_no=letter_no, text=text, document=document,
                                           recorded_by=user, api_key=key)
    audit.record("referral.answer", referral, actor=actor,
                 region_code=referral.case.village_id, before=before,
                 after={"state": to, "on": on, "letter_no": letter_no, "text": text,
                        "answer": answer.pk, "scan": document.sha256 if document else None,
                        "answer_due": referral.answer_due})
    _emit("referral.answered", referral)
    return referral


@transaction.atomic
def record_handover(referral: Referral, data: dict, *, actor) -> Referral:
    """移交涉案物品: after the police open a case, the evidence and the case materials are
    handed over (the limit is in deadlines.csv)."""
    require(actor, "referral.send")
    referral = _locked(referral, actor)
    if deadlines.limit(referral.kind, "handover") is None:
        raise Conflict("该类移送无需记录涉案物品移交")
    if referral.accepted_on is None:
        raise Conflict("对方尚未立案，不能记录涉案物品移交")
    if referral.handed_over_on:
        raise Conflict(f"已于{referral.handed_over_on:%Y-%m-%d}移交涉案物品")
    errors: list = []
    on = _date(data.get("on"), "on", errors)
    if on is None and not errors:
        on = timezone.localdate()
    if on and on > timezone.localdate():
        errors.append((("on",), "移交日期不能晚于今天"))
    elif on and on < referral.accepted_on:
        errors.append((("on",), f"移交日期不能早于立案日期（{referral.accepted_on:%Y-%m-%d}）"))
    if errors:
        raise FieldErrors(errors)
    referral.handed_over_on, referral.handover_note = on, _text(data.get("note"), 300)
    referral.save(update_fields=["handed_over_on", "handover_note", "updated_at"])
    audit.record("referral.handover", referral, actor=actor,
                 region_code=referral.case.village_id,
                 after={"handed_over_on": on, "note": referral.handover_note})
    return referral


# ---------------------------------------------------------------- joint inspections

def _agencies(ids, actor, errors) -> list[Agency]:
    found = {a.pk: a for a in visible(Agency, actor).filter(pk__in=ids, active=True)}
    missing = [str(i) for i in ids if i not in found]
    if missing:
        errors.append((("agencies",), f"合作部门不存在或已停用：{'、'.join(missing)}"))
    return [found[i] for i in ids if i in found]


def _participants(rows, district, actor, agencies, errors) -> list[dict]:
    """Who took part: our officers by account (of the district), partners by name and agency.
    A partner's agency joins the inspection's agencies."""
    if not isinstance(rows, list):
        errors.append((("participants",), "参加人员应为列表"))
        return []
    clean, seen = [], set()
    for n, row in enumerate(rows):
        row = row if isinstance(row, dict) else {}
        loc = ("participants", n)
        name, card = _text(row.get("name"), 50), _text(row.get("card_no"), 40)
        entry = {"name": name, "card_no": card, "role_note": _text(row.get("role"), 100),
                 "user": None, "agency": None}
        if row.get("user") not in (None, ""):
            user = User.objects.filter(
                username=_text(row["user"], 150), is_active=True, role__in=OFFICER_ROLES,
                region__district=district).first()
            if user is None:
                errors.append(((*loc, "user"), f"不是本区工作人员账号：{row['user']}"))
                continue
            if user.pk in seen:
                errors.append(((*loc, "user"), f"重复的人员：{user}"))
                continue
            seen.add(user.pk)
            entry |= {"user": user, "name": name or user.full_name or user.username,
                      "card_no": card or user.enforcement_card_no}
        elif row.get("agency") not in (None, ""):
            found = _agencies(_ids(row["agency"], "agency", errors), actor, [])
            if not found:
                errors.append(((*loc, "agency"), "所属部门不存在或已停用"))
                continue
            entry["agency"] = found[0]
            if found[0] not in agencies:
                agencies.append(found[0])
            if not name:
                errors.append(((*loc, "name"), "须填写合作部门人员姓名"))
        else:
            errors.append((loc, "本部门人员须选择账号，合作部门人员须选择所属部门"))
            continue
        clean.append(entry)
    if sum(1 for p in clean if p["user"]) < MIN_OFFICERS:
        errors.append((("participants",), f"须有{MIN_OFFICERS}名以上本区工作人员参加"))
    return clean


def _linked(data, district, actor, errors) -> tuple[list[Inspection], SpotCheck | None]:
    """The inspections and the spot check named: another district's answers 404, as if it
    did not exist."""
    ids = _ids(data.get("inspections"), "inspections", errors)
    inspections = list(visible(Inspection, actor).filter(pk__in=ids, district=district))
    if len(inspections) != len(ids):
        raise Http404
    spot_check = None
    if data.get("spot_check") not in (None, ""):
        pk = _ids(data["spot_check"], "spot_check", errors)
        spot_check = visible(SpotCheck, actor).filter(pk__in=pk[:1],
                                                      region__district=district).first()
        if spot_check is None:
            raise Http404
    return inspections, spot_check


@transaction.atomic
def record_joint_inspection(data: dict, *, actor) -> JointInspection:
    """联合检查: an inspection with at least one partner agency and at least two of the
    district's own staff, optionally linked to the inspections and the spot check it made."""
    require(actor, "joint.record")
    district = actor.region.district
    if district is None:
        raise Http404
    errors: list = []
    inspections, spot_check = _linked(data, district, actor, errors)
    title = _text(data.get("title"), 120)
    if not title:
        errors.append((("title",), "须填写检查名称"))
    today = timezone.localdate()
    inspected_on = _date(data.get("inspected_on"), "inspected_on", errors) or today
    if inspected_on > today:
        errors.append((("inspected_on",), "检查日期不能晚于今天"))
    agencies = _agencies(_ids(data.get("agencies"), "agencies", errors), actor, errors)
    participants = _participants(data.get("participants") or [], district, actor, agencies,
                                 errors)
    if not agencies:
        errors.append((("agencies",), "须至少有一个合作部门参加"))
    if errors:
        raise FieldErrors(errors)
    joint = JointInspection.objects.create(title=title, district=district,
                                           inspected_on=inspected_on, spot_check=spot_check,
                                           note=_text(data.get("note")), created_by=actor)
    joint.agencies.set(agencies)
    joint.inspections.set(inspections)
    JointParticipant.objects.bulk_create([JointParticipant(joint_inspection=joint, position=n,
                                                           **p)
                                          for n, p in enumerate(participants)])
    audit.record("joint.record", joint, actor=actor, region_code=district.code,
                 after={"title": title, "inspected_on": inspected_on,
                        "agencies": [a.name for a in agencies],
                        "participants": [{"name": p["name"], "card_no": p["card_no"],
                                          "agency": p["agency"].name if p["agency"] else "",
                                          "user": p["user"].username if p["user"] else ""}
                                         for p in participants],
                        "inspections": [i.pk for i in inspections],
                        "spot_check": spot_check.pk if spot_check else None})
    return joint


@transaction.atomic
def link_inspection(joint: JointInspection, data: dict, *, actor) -> JointInspection:
    """关联检查记录: inspections (and the spot check) made on this joint inspection, of its
    own district only."""
    require(actor, "joint.record")
    joint = JointInspection.objects.select_for_update().get(pk=joint.pk)
    if actor.region.level != "city" and actor.region.district_id != joint.district_id:
        raise Http404
    errors: list = []
    inspections, spot_check = _linked(data, joint.district, actor, errors)
    if errors:
        raise FieldErrors(errors)
    if not inspections and spot_check is None:
        raise FieldErrors({"inspections": "须选择要关联的检查记录或双随机抽查"})
    if spot_check and joint.spot_check_id not in (None, spot_check.pk):
        raise Conflict("该联合检查已关联另一个双随机抽查")
    before = {"inspections": sorted(joint.inspections.values_list("pk", flat=True)),
              "spot_check": joint.spot_check_id}
    joint.inspections.add(*inspections)
    if spot_check:
        joint.spot_check = spot_check
        joint.save(update_fields=["spot_check"])
    audit.record("joint.link", joint, actor=actor, region_code=joint.district_id,
                 before=before,
                 after={"inspections": sorted(joint.inspections.values_list("pk", flat=True)),
                        "spot_check": joint.spot_check_id})
    return joint
