"""Writes of penalty cases (行政处罚案件, 实施方案 三.(三) and 四.(四).4): opening a case,
recording each step with its numbered document, publishing and withdrawing the decision.

The order of the steps is the procedure's (农业行政处罚程序规定 2021): 立案 → 调查取证 →
事先告知 → (听证, when asked) → 决定 → 送达 → 执行 → 结案; the time limits are in
`case_rules`. A step is never edited: its document is rendered once, numbered and frozen,
and a correction is a new step. Every write is audited inside its transaction.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.audit import jsonable
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.permissions import require
from nongan.core.scoping import in_scope, visible
from nongan.credit.services import record_event
from nongan.exchange.events import emit
from nongan.inspections.models import Inspection
from nongan.monitoring import services as monitoring
from nongan.monitoring.models import FollowUp, Sample
from nongan.people.models import User
from nongan.producers.models import Producer
from nongan.public import masking

from .. import case_rules as rules
from .. import documents
from ..models import Case, CaseStep, DeclinedLead, LegalBasis, PenaltyNotice, Target

PENALTY_KINDS = [
    ("warning", "警告"),
    ("fine", "罚款"),
    ("confiscation", "没收违法所得、没收非法财物"),
    ("order_stop", "责令停产停业"),
    ("revoke_licence", "吊销许可证件"),
    ("other", "其他"),
]
PENALTY_LABELS = dict(PENALTY_KINDS)
WITH_AMOUNT = {"fine", "confiscation"}
SERVICE_METHODS = ["直接送达", "留置送达", "邮寄送达", "公告送达"]
# The kinds a step may be, in the order the procedure meets them (the page offers them so).
STEP_KINDS = ["investigation", "notice", "hearing_request", "hearing", "extension", "decision",
              "service", "payment", "execution", "closed", "revoked"]
STEP_LABELS = dict(CaseStep.KINDS)
MIN_OFFICERS = 2
MAX_TEXT = 5000


# ---------------------------------------------------------------- small parsers

def _text(value, limit=MAX_TEXT) -> str:
    return str(value or "").strip()[:limit]


def _lines(values) -> list[str]:
    if isinstance(values, str):
        values = values.splitlines()
    return [v for v in dict.fromkeys(str(x).strip() for x in values or []) if v]


def _date(value, loc, errors) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.append((loc, "日期格式应为 YYYY-MM-DD"))
        return None


def _money(value, loc, errors) -> Decimal | None:
    """A positive amount in yuan with at most two decimals (None when not given)."""
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value).replace(",", "").strip())
    except InvalidOperation:
        errors.append((loc, "金额应为数字"))
        return None
    if not amount.is_finite() or amount <= 0:
        errors.append((loc, "金额应大于0"))
        return None
    if amount != amount.quantize(rules.CENT):
        errors.append((loc, "金额最多保留两位小数（分）"))
        return None
    if amount >= Decimal("1e10"):
        errors.append((loc, "金额过大"))
        return None
    return amount.quantize(rules.CENT)


def _card_valid(user, day) -> bool:
    return bool(user.enforcement_card_no and user.enforcement_card_valid_to
                and user.enforcement_card_valid_to >= day)


def _officers(usernames, district, day, errors, loc=("officers",)) -> list[str]:
    """承办人员: at least two enforcement officers of the case's district, each with an
    enforcement card valid on `day` (行政处罚法 Art. 42, 55)."""
    names = _lines(usernames)
    found = {u.username: u for u in User.objects.filter(
        username__in=names, role="enforcement_officer", is_active=True,
        region__district=district)}
    unknown = [n for n in names if n not in found]
    lapsed = [str(found[n]) for n in names if n in found and not _card_valid(found[n], day)]
    if unknown:
        errors.append((loc, f"不是本区执法人员：{'、'.join(unknown)}"))
    elif lapsed:
        errors.append((loc, f"执法证无效或已过期：{'、'.join(lapsed)}"))
    elif len(names) < MIN_OFFICERS:
        errors.append((loc, "须由两名以上持有效执法证的执法人员承办（行政处罚法第四十二条）"))
    return names


def officer_users(usernames) -> list:
    found = {u.username: u for u in User.objects.filter(username__in=usernames or [])}
    return [found[n] for n in usernames or [] if n in found]


def _legal_bases(codes, errors) -> list[LegalBasis]:
    codes = _lines(codes)
    if not codes:
        errors.append((("legal_bases",), "须至少选择一项处罚依据"))
        return []
    found = {b.code: b for b in LegalBasis.objects.filter(code__in=codes, active=True)}
    missing = [c for c in codes if c not in found]
    if missing:
        errors.append((("legal_bases",), f"处罚依据不存在或已停用：{'、'.join(missing)}"))
    return [found[c] for c in codes if c in found]


def _penalties(rows, errors) -> tuple[list[dict], Decimal | None]:
    """处罚种类: [{kind, amount (fine, confiscation), text}] and the total fine."""
    clean, fine = [], None
    if not rows:
        errors.append((("penalties",), "须至少填写一项处罚"))
    for n, row in enumerate(rows or []):
        kind = row.get("kind")
        if kind not in PENALTY_LABELS:
            errors.append((("penalties", n, "kind"), "处罚种类应为 warning / fine / confiscation"
                           " / order_stop / revoke_licence / other"))
            continue
        amount = _money(row.get("amount"), ("penalties", n, "amount"), errors)
        text = _text(row.get("text"), 300)
        if kind == "fine" and amount is None and row.get("amount") in (None, ""):
            errors.append((("penalties", n, "amount"), "罚款须填写金额"))
        elif amount is not None and kind not in WITH_AMOUNT:
            errors.append((("penalties", n, "amount"), f"“{PENALTY_LABELS[kind]}”不填写金额"))
        if kind == "other" and not text:
            errors.append((("penalties", n, "text"), "其他处罚须写明内容"))
        clean.append({"kind": kind, "amount": str(amount) if amount is not None else None,
                      "text": text})
        if kind == "fine" and amount is not None:
            fine = (fine or Decimal("0")) + amount
    return clean, fine


def penalty_text(penalty: dict) -> str:
    """罚款50000.00元 / 警告 / 没收违法所得、没收非法财物1200.00元：没收违法所得."""
    words = PENALTY_LABELS.get(penalty.get("kind"), "")
    if penalty.get("amount"):
        words += f"{penalty['amount']}元"
    if penalty.get("text"):
        words += f"：{penalty['text']}"
    return words


def _in_district(case, actor) -> None:
    """Writes to a case are its district's: anyone else is told it does not exist."""
    if not in_scope(actor, case.village):
        raise Http404


def _locked(case, actor) -> Case:
    """The case row locked for this write (two officers acting at once queue up)."""
    _in_district(case, actor)
    return (Case.objects.select_for_update().select_related("party", "district", "village")
            .get(pk=case.pk))


# ---------------------------------------------------------------- opening a case

def _source(source, data, actor, errors) -> tuple[dict, Producer | None, dt.date | None]:
    """The case's origin (案源): the record it links, its producer, and the date the
    violation was found (the time bar counts from it)."""
    if source == "spot_check":
        target = (visible(Target, actor).select_related("producer", "spot_check")
                  .filter(pk=data.get("target") or 0).first())
        if target is None:
            errors.append((("target",), "抽查对象不存在"))
        elif target.result != "refer":
            errors.append((("target",), "该抽查对象的检查结果不是“立案查处”"))
        else:
            return ({"target": target}, target.producer,
                    target.concluded_on or target.spot_check.period_end)
    elif source == "sample":
        sample = (visible(Sample, actor).select_related("producer")
                  .filter(sample_no=_text(data.get("sample"), 24)).first())
        if sample is None:
            errors.append((("sample",), "样品不存在"))
        elif sample.verdict != "non_compliant":
            errors.append((("sample",), "该样品检测结果不是不合格"))
        else:
            links = {"sample": sample}
            follow_up = FollowUp.objects.filter(sample=sample, state="proposed").first()
            if follow_up:
                links["follow_up"] = follow_up
            return links, sample.producer, timezone.localdate(sample.sampled_at)
    elif source == "inspection":
        inspection = (visible(Inspection, actor).select_related("producer")
                      .filter(pk=data.get("inspection") or 0).first())
        if inspection is None:
            errors.append((("inspection",), "巡查记录不存在"))
        elif inspection.result != "refer":
            errors.append((("inspection",), "该巡查结论不是“移交执法”"))
        else:
            return ({"inspection": inspection}, inspection.producer,
                    timezone.localdate(inspection.finished_at))
    elif source == "complaint" and not _text(data.get("complaint")):
        errors.append((("complaint",), "须填写投诉举报内容"))
    return {}, None, None


def _party(data, from_source, source_field, actor, errors) -> Producer | None:
    if from_source is not None:
        if data.get("party") and str(data["party"]) != str(from_source.pk):
            errors.append((("party",), "当事人应为案源涉及的生产主体"))
        if not in_scope(actor, from_source.village):
            errors.append(((source_field,), "案源涉及的生产主体不在本区，应由其所在区立案"))
        return from_source
    if not data.get("party"):
        errors.append((("party",), "须指定当事人（生产主体）"))
        return None
    party = visible(Producer, actor).filter(pk=data["party"]).first()
    if party is None:
        errors.append((("party",), "当事人不存在"))
    elif not in_scope(actor, party.village):
        errors.append((("party",), "只能对本区的生产主体立案"))
        return None
    return party


@transaction.atomic
def open_case(data: dict, *, actor) -> Case:
    """立案: a case against one party from its source, handled by at least two officers
    with valid cards; the 立案审批表 is numbered and its number is the case number. The
    case is in the district's list from this moment (应上尽上)."""
    require(actor, "case.open")
    errors: list = []
    today = timezone.localdate()
    source = data.get("source")
    links, from_source, found_on = {}, None, None
    if source not in dict(Case.SOURCES):
        errors.append((("source",), "案件来源应为 spot_check / sample / inspection / "
                       "complaint / other"))
    else:
        links, from_source, found_on = _source(source, data, actor, errors)
    source_field = {"spot_check": "target"}.get(source, source or "source")
    party = None
    if not errors:
        party = _party(data, from_source, source_field, actor, errors)
    title = _text(data.get("title"), 200)
    if not title:
        errors.append((("title",), "须填写案由"))
    facts = _text(data.get("facts"))
    if not facts:
        errors.append((("facts",), "须填写案情摘要（违法事实）"))
    opened_on = _date(data.get("opened_on"), ("opened_on",), errors) or today
    if opened_on > today:
        errors.append((("opened_on",), "立案日期不能晚于今天"))
    violation_on = _date(data.get("violation_on"), ("violation_on",), errors) or found_on
    if violation_on and violation_on > opened_on:
        errors.append((("violation_on",), "违法行为发生日期不能晚于立案日期"))
    elif violation_on:
        health = bool(data.get("health_harm"))
        bar = rules.time_bar(violation_on, health=health)
        if opened_on > bar:
            years = rules.HEALTH_TIME_BAR_YEARS if health else rules.TIME_BAR_YEARS
            errors.append((("opened_on",), f"违法行为发生于{violation_on:%Y-%m-%d}，至{bar:%Y-%m-%d}"
                           f"已满{years}年未被发现，不再给予行政处罚（行政处罚法第三十六条）"))
    officers = []
    if party is not None:
        officers = _officers(data.get("officers"), party.district_id, opened_on, errors)
    elif not _lines(data.get("officers")):
        errors.append((("officers",), "须指定两名以上承办人员"))
    if errors:
        raise FieldErrors(errors)
    for link, record in links.items():
        if link == "follow_up":
            continue
        taken = Case.objects.filter(**{link: record}).exclude(stage="revoked").first()
        if taken:
            raise Conflict(f"该案源已立案：{taken.case_no}")

    number = documents.next_number(party.district, documents.abbreviation("registered"),
                                   opened_on.year)
    case = Case(case_no=number, title=title, source=source, party=party, facts=facts,
                complaint=_text(data.get("complaint")), officers=officers,
                opened_on=opened_on, decision_due=rules.decision_due(opened_on),
                created_by=actor, **links)
    case.place_in(party.village)
    case.save()
    details = {"source": source, "violation_on": violation_on, "officers": officers,
               "decision_due": case.decision_due}
    _add_step(case, "registered", opened_on, details, actor, number=number)
    if "follow_up" in links:
        monitoring.add_note(links["follow_up"], f"执法大队已立案查处，案件编号 {number}",
                            actor=actor)
    audit.record("case.open", case, actor=actor, region_code=case.village_id,
                 after={"case_no": number, "source": source, "party": party.pk,
                        "title": title, "officers": officers, "opened_on": opened_on,
                        "links": {k: v.pk for k, v in links.items()}})
    return case


@transaction.atomic
def decline_lead(data: dict, *, actor) -> DeclinedLead:
    """不予立案: a lead handed over (a referred target, a failed sample, a referred inspection)
    checked and not opened as a case, with the reason — it leaves the to-do list."""
    require(actor, "case.open")
    errors: list = []
    source = data.get("source")
    links, producer = {}, None
    if source not in dict(DeclinedLead.SOURCES):
        errors.append((("source",), "案源应为 spot_check / sample / inspection"))
    else:
        links, producer, _found = _source(source, data, actor, errors)
    if producer is not None and not in_scope(actor, producer.village):
        errors.append((({"spot_check": "target"}.get(source, source),),
                       "案源涉及的生产主体不在本区，应由其所在区决定"))
    reason = _text(data.get("reason"), 1000)
    if not reason:
        errors.append((("reason",), "须说明不予立案的理由"))
    if errors:
        raise FieldErrors(errors)
    link = {"spot_check": "target"}.get(source, source)
    record = links[link]
    if Case.objects.filter(**{link: record}).exclude(stage="revoked").exists():
        raise Conflict("该案源已立案")
    if DeclinedLead.objects.filter(**{link: record}).exists():
        raise Conflict("该案源已决定不予立案")
    lead = DeclinedLead.objects.create(source=source, producer=producer, reason=reason,
                                       decided_on=timezone.localdate(), decided_by=actor,
                                       **{link: record})
    if "follow_up" in links:
        monitoring.add_note(links["follow_up"], f"执法大队核查后决定不予立案：{reason}",
                            actor=actor)
    audit.record("case.decline", lead, actor=actor, region_code=producer.village_id,
                 after={"source": source, link: record.pk, "producer": producer.pk,
                        "reason": reason})
    return lead


# ---------------------------------------------------------------- the steps

def step_refusal(case: Case, kind: str, steps: list) -> str | None:
    """Why `kind` may not be recorded next (None when it may): the order of the procedure."""
    has = {s.kind for s in steps}
    decided = case.decided_on is not None
    if case.stage == "revoked":
        return "处罚决定已撤销，不能再记录办案环节"
    if case.stage == "closed" and kind != "revoked":
        return "案件已结案，不能再记录办案环节"
    if kind == "investigation":
        if "notice" in has:
            return "已作出事先告知，不能再记录调查取证"
    elif kind == "notice":
        if "notice" in has:
            return "已作出事先告知"
        if "investigation" not in has:
            return "须先调查取证，再作出事先告知"
    elif kind == "hearing_request":
        if "notice" not in has:
            return "作出事先告知后，当事人才能申请听证"
        if decided:
            return "已作出处罚决定，不能再申请听证"
        if "hearing_request" in has:
            return "当事人已申请听证"
    elif kind == "hearing":
        if "hearing_request" not in has:
            return "当事人未申请听证，不能举行听证"
        if "hearing" in has:
            return "已举行听证"
    elif kind == "decision":
        if decided:
            return "已作出处罚决定；决定不能修改，更正须另行记录"
        if "notice" not in has:
            return "作出处罚决定前须先事先告知当事人（行政处罚法第四十四条）"
        if "hearing_request" in has and "hearing" not in has:
            return "当事人已申请听证，须先举行听证再作出处罚决定"
    elif kind == "extension":
        if decided:
            return "已作出处罚决定，无需延长办案期限"
        return rules.extension_refusal(sum(s.kind == "extension" for s in steps))
    elif kind == "service":
        if not decided:
            return "须先作出处罚决定，才能送达"
        if "service" in has:
            return "处罚决定书已送达"
    elif kind == "payment":
        if "service" not in has:
            return "处罚决定书送达后才能缴纳罚款"
        if not case.fine:
            return "本案未处罚款"
        if rules.paid_in_full(case):
            return "罚款已缴清"
    elif kind == "execution":
        if "service" not in has:
            return "处罚决定书送达后才能执行"
    elif kind == "closed":
        if "service" not in has:
            return "处罚决定书尚未送达，不能结案"
        if not (rules.paid_in_full(case) or "execution" in has):
            return "罚款（含加处罚款）尚未缴清，也未记录执行情况，不能结案"
    elif kind == "revoked":
        if not decided:
            return "尚未作出处罚决定，没有可撤销的决定"
    return None


def next_kinds(case: Case, steps: list) -> list[str]:
    """The steps that may be recorded now, in the procedure's order."""
    return [k for k in STEP_KINDS if step_refusal(case, k, steps) is None]


@dataclass
class _Step:
    """One step being recorded: what was sent, what is wrong with it, what the document
    needs besides the case."""

    case: Case
    data: dict
    steps: list
    on: dt.date | None
    errors: list = field(default_factory=list)
    conflict: str = ""
    document: dict = field(default_factory=dict)

    def error(self, name, message) -> None:
        self.errors.append(((name,) if isinstance(name, str) else name, message))

    def refuse(self, message) -> None:
        self.conflict = self.conflict or message

    def last(self, kind):
        return next((s for s in reversed(self.steps) if s.kind == kind), None)

    def text(self, name, message=None, limit=MAX_TEXT) -> str:
        value = _text(self.data.get(name), limit)
        if message and not value:
            self.error(name, message)
        return value


def _investigation(s: _Step) -> dict:
    evidence = _lines(s.data.get("evidence"))
    if not evidence:
        s.error("evidence", "须列出调查取得的证据")
    officers = _officers(s.data.get("officers") or s.case.officers, s.case.district_id,
                         s.on or timezone.localdate(), s.errors)
    s.case.stage = "investigation"
    s.document["officer_users"] = officer_users(officers)
    return {"evidence": evidence, "officers": officers, "site_check": s.text("site_check"),
            "note": s.text("note")}


def _charges(s: _Step) -> dict:
    """The facts, legal bases and penalties of a 事先告知 or a decision."""
    facts = s.text("facts") or s.case.facts
    if not facts:
        s.error("facts", "须填写违法事实")
    bases = _legal_bases(s.data.get("legal_bases"), s.errors)
    penalties, fine = _penalties(s.data.get("penalties"), s.errors)
    s.document["bases"] = bases
    s.document["penalty_texts"] = [penalty_text(p) for p in penalties]
    return {"facts": facts, "legal_bases": [b.code for b in bases], "penalties": penalties,
            "fine": fine, "bases": bases}


def _notice(s: _Step) -> dict:
    charges = _charges(s)
    s.case.facts = charges["facts"]
    s.case.stage = "notice"
    charges.pop("bases")
    return charges | {"hearing_ask_by": rules.hearing_ask_by(s.on) if s.on else None}


def _hearing_request(s: _Step) -> dict:
    notice = s.last("notice")
    ask_by = rules.hearing_ask_by(notice.occurred_on)
    if s.on and s.on > ask_by:
        s.error("occurred_on", f"听证申请期限已于{ask_by:%Y-%m-%d}届满（事先告知书送达之日起"
                "五个工作日内）")
    hearing_on = _date(s.data.get("hearing_on"), ("hearing_on",), s.errors)
    if s.data.get("hearing_on") in (None, ""):
        s.error("hearing_on", "须确定听证日期")
    elif s.on and hearing_on and hearing_on < rules.hearing_earliest(s.on):
        s.error("hearing_on", "听证应在举行7日前通知当事人，最早可定于"
                f"{rules.hearing_earliest(s.on):%Y-%m-%d}")
    return {"ask_by": ask_by, "hearing_on": hearing_on,
            "place": s.text("place", "须填写听证地点", 200), "host": s.text("host", limit=50)}


def _hearing(s: _Step) -> dict:
    asked = s.last("hearing_request")
    earliest = rules.hearing_earliest(asked.occurred_on)
    if s.on and s.on < earliest:
        s.error("occurred_on", f"听证通知书送达7日后方可举行听证（最早{earliest:%Y-%m-%d}）")
    s.case.stage = "hearing"
    return {"host": s.text("host", limit=50),
            "summary": s.text("summary", "须填写听证情况及当事人意见")}


def _extension(s: _Step) -> dict:
    granted = sum(step.kind == "extension" for step in s.steps)
    days = s.data.get("days")
    if days in (None, ""):
        days = rules.EXTENSION_DAYS
    if str(days) != str(rules.EXTENSION_DAYS):
        s.error("days", f"每次延长办案期限{rules.EXTENSION_DAYS}日")
    approval = _text(s.data.get("approval"), 12)
    refusal = rules.approval_refusal(granted, approval)
    if refusal:
        s.error("approval", refusal)
    if s.on and s.on > s.case.decision_due:
        s.refuse(f"办案期限已于{s.case.decision_due:%Y-%m-%d}届满，延长须在期限届满前批准")
    before = s.case.decision_due
    s.case.decision_due = rules.decision_due(s.case.opened_on, granted + 1)
    return {"days": rules.EXTENSION_DAYS, "reason": s.text("reason", "须说明延长理由"),
            "approver": s.text("approver", "须填写批准人", 50), "approval": approval,
            "approval_label": dict(rules.APPROVALS).get(approval, ""),
            "number": granted + 1, "due_before": before, "due_after": s.case.decision_due}


def _decision(s: _Step) -> dict:
    charges = _charges(s)
    serious = s.data.get("serious")
    if serious in (None, ""):
        serious = any(b.serious for b in charges["bases"])
    if s.on and s.on > s.case.decision_due:
        s.refuse(f"已超过作出处罚决定期限（{s.case.decision_due:%Y-%m-%d}），"
                 "如经批准延长，请先记录延长办案期限")
    notice = s.last("notice")
    ask_by = rules.hearing_ask_by(notice.occurred_on)
    if s.on and s.last("hearing") is None and s.on <= ask_by:
        s.refuse(f"当事人可在{ask_by:%Y-%m-%d}前申请听证，期满后方可作出处罚决定")
    case = s.case
    case.facts, case.penalties, case.fine = charges["facts"], charges["penalties"], charges["fine"]
    case.serious = bool(serious)
    case.decided_on, case.stage = s.on, "decision"
    s.document["notice_step"] = notice
    s.document["hearing_step"] = s.last("hearing")
    return {"facts": charges["facts"], "legal_bases": charges["legal_bases"],
            "penalties": charges["penalties"], "fine": charges["fine"],
            "serious": case.serious, "bases": charges["bases"]}


def _service(s: _Step) -> dict:
    method = _text(s.data.get("method"), 12)
    if method not in SERVICE_METHODS:
        s.error("method", f"送达方式应为{'、'.join(SERVICE_METHODS)}之一")
    decision = s.last("decision")
    due = rules.service_due(s.case.decided_on)
    if s.on and s.case.fine:
        s.case.payment_due = rules.payment_due(s.on)
    s.case.stage = "service"
    s.document["decision_step"] = decision
    return {"method": method, "recipient": s.text("recipient", "须填写受送达人（签收人）", 50),
            "address": s.text("address", limit=200), "document": decision.doc_no,
            "service_due": due, "late": bool(s.on and s.on > due),
            "payment_due": s.case.payment_due}


def _payment(s: _Step) -> dict:
    case = s.case
    amount = _money(s.data.get("amount"), ("amount",), s.errors)
    if amount is None and not s.errors:
        s.error("amount", "须填写缴款金额")
    if amount is None or s.on is None:
        return {}
    owed = rules.surcharge(case.fine, case.payment_due, s.on)
    total = rules.amount_due(case.fine, case.payment_due, s.on)
    paid = (case.paid_amount or Decimal("0")) + amount
    if paid > total:
        s.error("amount", f"缴款金额超过应缴金额：罚款{case.fine}元，加处罚款{owed}元，"
                f"已缴{case.paid_amount or Decimal('0.00')}元")
    case.paid_amount, case.paid_on, case.stage = paid, s.on, "execution"
    return {"amount": amount, "surcharge": owed, "total_due": total, "paid_total": paid,
            "outstanding": total - paid, "payment_due": case.payment_due}


def _execution(s: _Step) -> dict:
    s.case.stage = "execution"
    return {"measure": s.text("measure", limit=200),
            "text": s.text("text", "须填写执行情况")}


def _closed(s: _Step) -> dict:
    case = s.case
    case.closed_on, case.stage = s.on, "closed"
    s.document["decision_step"] = s.last("decision")
    s.document["service_step"] = s.last("service")
    s.document["executions"] = [x for x in s.steps if x.kind == "execution"]
    s.document["penalty_texts"] = [penalty_text(p) for p in case.penalties]
    owed = (rules.surcharge(case.fine, case.payment_due, case.paid_on)
            if case.paid_on else Decimal("0.00"))
    return {"summary": s.text("summary"), "paid_amount": case.paid_amount,
            "surcharge": owed}


def _revoked(s: _Step) -> dict:
    s.case.stage = "revoked"
    return {"reason": s.text("reason", "须说明撤销理由", 200),
            "withdraw_due": rules.withdraw_due(s.on) if s.on else None}


RECORDERS = {
    "investigation": _investigation, "notice": _notice, "hearing_request": _hearing_request,
    "hearing": _hearing, "extension": _extension, "decision": _decision,
    "service": _service, "payment": _payment, "execution": _execution,
    "closed": _closed, "revoked": _revoked,
}


def _occurred_on(case, data, steps, errors) -> dt.date | None:
    today = timezone.localdate()
    day = _date(data.get("occurred_on"), ("occurred_on",), errors)
    if day is None and data.get("occurred_on") in (None, ""):
        day = today
    if day is None:
        return None
    if day > today:
        errors.append((("occurred_on",), "日期不能晚于今天"))
        return None
    latest = steps[-1].occurred_on if steps else case.opened_on
    if day < latest:
        errors.append((("occurred_on",), f"不能早于上一环节的日期（{latest:%Y-%m-%d}）"))
        return None
    return day


@transaction.atomic
def record_step(case: Case, data: dict, *, actor) -> CaseStep:
    """记录办案环节: one of STEP_KINDS, in the procedure's order (409 otherwise, with the
    reason), its fields checked (422), its document numbered and frozen."""
    require(actor, "case.act")
    case = _locked(case, actor)
    kind = data.get("kind")
    if kind not in RECORDERS:
        raise FieldErrors({"kind": f"环节应为 {' / '.join(STEP_KINDS)}"})
    steps = list(case.steps.order_by("occurred_on", "pk"))
    refusal = step_refusal(case, kind, steps)
    if refusal:
        raise Conflict(refusal)
    before = {"stage": case.stage, "decision_due": case.decision_due}
    errors: list = []
    step = _Step(case, data, steps, _occurred_on(case, data, steps, errors), errors)
    details = RECORDERS[kind](step)
    if step.errors:
        raise FieldErrors(step.errors)
    if step.conflict:
        raise Conflict(step.conflict)
    bases = details.pop("bases", None)
    case.save()
    if bases is not None and kind == "decision":
        case.legal_bases.set(bases)
    recorded = _add_step(case, kind, step.on, details, actor, extra=step.document)
    _after(case, kind, recorded, actor)
    audit.record(f"case.{kind}", case, actor=actor, region_code=case.village_id,
                 before=before, after={"step": recorded.pk, "doc_no": recorded.doc_no,
                                       "stage": case.stage, "occurred_on": step.on,
                                       "details": recorded.details})
    return recorded


def _add_step(case, kind, day, details, actor, *, extra=None, number=None) -> CaseStep:
    """Store a step with its document (when the step issues one), rendered now, for good."""
    doc_kind = doc_no = html = ""
    if kind in documents.DOCUMENTS and (kind != "investigation" or details.get("site_check")):
        context = {"case": case, "party": case.party, "d": details, "day": day,
                   "matter": case.title.removesuffix("案"),
                   "officers": officer_users(case.officers)} | (extra or {})
        if number:
            doc_kind, html = documents.render(kind, number, case.district, day, context)
            doc_no = number
        else:
            doc_kind, doc_no, html = documents.issue(kind, case.district, day, context)
    return CaseStep.objects.create(case=case, kind=kind, occurred_on=day, doc_kind=doc_kind,
                                   doc_no=doc_no, document=html, details=jsonable(details),
                                   recorded_by=actor)


def _after(case, kind, step, actor) -> None:
    """What a step starts elsewhere: the decision's notice to publish, the credit file."""
    link = reverse("case", args=[case.pk])
    if kind == "decision":
        PenaltyNotice.objects.create(case=case, due_on=rules.notice_due(step.occurred_on))
        emit("penalty.decided", case, dataset="penalties", district_code=case.district_id)
    elif kind == "closed":
        record_event(case.party, kind="penalty", occurred_on=step.occurred_on,
                     summary=f"{case.case_no} {case.title}："
                     + "；".join(penalty_text(p) for p in case.penalties),
                     source=f"case:{case.pk}", link=link, serious=case.serious, actor=actor)
    elif kind == "revoked":
        notice = PenaltyNotice.objects.select_for_update().filter(case=case).first()
        if notice is not None:
            notice.withdraw_due = step.details["withdraw_due"]
            notice.save(update_fields=["withdraw_due"])
            if notice.published_at and not notice.withdrawn_at:
                _withdraw(notice, f"处罚决定已撤销：{step.details['reason']}", actor)
        record_event(case.party, kind="penalty_revoked", occurred_on=step.occurred_on,
                     summary=f"{case.case_no} 处罚决定撤销：{step.details['reason']}",
                     source=f"case:{case.pk}", link=link, actor=actor)
        if case.decided_on:  # partners were told of the decision: tell them it is revoked
            emit("penalty.revoked", case, dataset="penalties", district_code=case.district_id)


# ---------------------------------------------------------------- publication (一公开)

def _masked(text: str, party, keep=()) -> str:
    """Free text as published: the party's personal names, ID and phone numbers masked;
    the names in `keep` (officers: public servants acting in office) left as they are."""
    names = masking.personal_names(party)
    kept = [k for k in dict.fromkeys(keep) if k and k not in names]
    placeholders = {f"\x00{n}\x00": name for n, name in enumerate(kept)}
    for mark, name in placeholders.items():
        text = text.replace(name, mark)
    text = masking.scrub(text, names)
    # The party's own numbers written with spaces or dashes (139 1234 5678), which the
    # patterns of `scrub` do not take for numbers, are masked all the same.
    for raw, mask in ((party.id_number, masking.mask_id_number),
                      (party.phone, masking.mask_phone)):
        raw = (raw or "").strip()
        if raw:
            spaced = re.compile(r"[\s\-]*".join(map(re.escape, raw)), re.IGNORECASE)
            text = spaced.sub(mask(raw), text)
    for mark, name in placeholders.items():
        text = text.replace(mark, name)
    return text


def notice_content(case: Case) -> dict:
    """行政处罚决定公示内容: what the public sees of a decision, built only through
    nongan.public.masking (names of individuals, ID and phone numbers masked)."""
    party = case.party
    officers = [u.full_name for u in officer_users(case.officers) if u.full_name]
    decision = case.steps.filter(kind="decision").order_by("-pk").first()
    return {
        "case_no": case.case_no,
        "doc_no": decision.doc_no if decision else "",
        "party": masking.party_name(party),
        "uscc": "" if party.kind in masking.INDIVIDUAL_KINDS else (party.uscc or ""),
        "legal_rep": masking.mask_name(party.legal_rep),
        "title": _masked(case.title, party, officers),
        "facts": _masked(case.facts, party, officers),
        "legal_bases": [str(b) for b in case.legal_bases.order_by("code")],
        "penalties": [_masked(penalty_text(p), party, officers) for p in case.penalties],
        "fine": str(case.fine) if case.fine is not None else "",
        "decided_on": case.decided_on.isoformat() if case.decided_on else "",
        "authority": documents.authority_name(case.district),
    }


def _display_months(value, serious, errors) -> int | None:
    low, high = rules.display_range(serious)
    if value in (None, ""):
        return rules.default_display_months(serious)
    try:
        months = int(value)
    except (TypeError, ValueError):
        months = None
    if months is None or isinstance(value, bool) or not low <= months <= high:
        kind = "严重违法行为" if serious else "一般违法行为"
        errors.append((("display_months",), f"{kind}的处罚决定公示期为{low}至{high}个月"))
        return None
    return months


@transaction.atomic
def publish_notice(case: Case, data: dict, *, actor) -> PenaltyNotice:
    """公示处罚决定: a masked copy, shown for the months chosen within the rules' range
    (the longest by default); the public site shows it until `display_until`."""
    require(actor, "case.publish")
    case = _locked(case, actor)
    notice = PenaltyNotice.objects.select_for_update().filter(case=case).first()
    if notice is None:
        raise Conflict("尚未作出处罚决定，没有可公示的决定")
    if case.stage == "revoked":
        raise Conflict("处罚决定已撤销，不能公示")
    if notice.published_at:
        raise Conflict("该处罚决定已公示")
    errors: list = []
    months = _display_months(data.get("display_months"), case.serious, errors)
    if errors:
        raise FieldErrors(errors)
    now = timezone.now()
    notice.content = notice_content(case)
    notice.published_at, notice.published_by = now, actor
    notice.display_until = rules.add_months(timezone.localdate(now), months)
    notice.save()
    audit.record("case.notice.publish", notice, actor=actor, region_code=case.village_id,
                 after={"case_no": case.case_no, "display_months": months,
                        "display_until": notice.display_until,
                        "late": timezone.localdate(now) > notice.due_on})
    return notice


def _withdraw(notice: PenaltyNotice, reason: str, actor) -> None:
    notice.withdrawn_at, notice.withdraw_reason = timezone.now(), reason[:200]
    notice.save(update_fields=["withdrawn_at", "withdraw_reason"])
    audit.record("case.notice.withdraw", notice, actor=actor,
                 region_code=notice.case.village_id,
                 after={"reason": notice.withdraw_reason, "withdraw_due": notice.withdraw_due})


@transaction.atomic
def withdraw_notice(case: Case, reason: str, *, actor) -> PenaltyNotice:
    """撤下公示: the decision leaves the public site now, with its reason."""
    require(actor, "case.publish")
    case = _locked(case, actor)
    notice = PenaltyNotice.objects.select_for_update().filter(case=case).first()
    if notice is None or notice.published_at is None:
        raise Conflict("该处罚决定尚未公示")
    if notice.withdrawn_at:
        raise Conflict("该公示已撤下")
    reason = _text(reason, 200)
    if not reason:
        raise FieldErrors({"reason": "须说明撤下理由"})
    _withdraw(notice, reason, actor)
    return notice
