"""Reads of referrals and joint inspections shared by the pages and the API: the scoped,
filtered lists, their Excel rows, one record as JSON."""

from django.db.models import Count, Prefetch, Q
from django.urls import reverse
from django.utils import timezone

from nongan.core.scoping import visible

from . import deadlines
from .models import (
    AWAITING_ANSWER,
    KINDS,
    STATES,
    JointInspection,
    JointParticipant,
    Referral,
    ReferralDocument,
)
from .services import DOCUMENT_LABELS


def valid_filters(params) -> dict:
    """List filters from query parameters; unknown values are ignored, not errors."""
    agency = str(params.get("agency") or "").strip()
    return {
        "state": params.get("state") if params.get("state") in {*dict(STATES), "open"} else "",
        "kind": params.get("kind") if params.get("kind") in dict(KINDS) else "",
        "agency": int(agency) if agency.isdigit() else None,
        "overdue": str(params.get("overdue") or "").lower() in ("1", "true", "on", "yes"),
        "case": int(params["case"]) if str(params.get("case") or "").isdigit() else None,
        "q": str(params.get("q") or "").strip()[:60],
    }


def referrals_for(user, filters: dict | None = None):
    """The referrals `user` may see, by state ("open": not declined or closed), kind, agency,
    case, overdue answer and a number or party name."""
    filters = filters or {}
    qs = visible(Referral, user).select_related("case__party", "case__district", "agency")
    state = filters.get("state")
    if state == "open":
        qs = qs.filter(state__in=("sent", "received", "accepted"))
    elif state:
        qs = qs.filter(state=state)
    if filters.get("kind"):
        qs = qs.filter(kind=filters["kind"])
    if filters.get("agency"):
        qs = qs.filter(agency_id=filters["agency"])
    if filters.get("case"):
        qs = qs.filter(case_id=filters["case"])
    if filters.get("overdue"):
        qs = overdue(qs)
    q = filters.get("q")
    if q:
        qs = qs.filter(Q(referral_no__icontains=q) | Q(case__case_no__icontains=q)
                       | Q(case__party__name__icontains=q))
    return qs.order_by("-sent_on", "-pk")


def overdue(qs, today=None):
    """Referrals still waiting for the agency's answer after its due date."""
    today = today or timezone.localdate()
    return qs.filter(state__in=AWAITING_ANSWER, answer_due__lt=today)


EXPORT_HEADERS = ["移送书编号", "案件编号", "当事人", "移送部门", "移送类型", "移送理由", "移送依据",
                  "状态", "移送日期", "答复期限", "逾期天数", "对方接收日期", "受理/立案日期",
                  "对方文号", "不予受理日期", "不予受理理由", "办结日期", "办理结果"]


def export_rows(qs):
    today = timezone.localdate()
    for r in qs.iterator(chunk_size=2000):
        yield [r.referral_no, r.case.case_no, r.case.party.name, r.agency.name,
               r.get_kind_display(), r.reason, r.legal_basis, r.get_state_display(),
               r.sent_on, r.answer_due, deadlines.answer_overdue(r, today) or None,
               r.received_on, r.accepted_on, r.agency_case_no, r.declined_on,
               r.decline_reason, r.closed_on, r.outcome]


def summary_dict(r: Referral, today=None) -> dict:
    today = today or timezone.localdate()
    return {"id": r.pk, "referral_no": r.referral_no, "case": r.case_id,
            "case_no": r.case.case_no, "party": r.case.party_id,
            "party_name": r.case.party.name, "district": r.case.district_id,
            "agency": r.agency_id, "agency_name": r.agency.name, "kind": r.kind,
            "state": r.state, "sent_on": r.sent_on, "answer_due": r.answer_due,
            "answer_overdue_days": deadlines.answer_overdue(r, today),
            "received_on": r.received_on, "accepted_on": r.accepted_on,
            "declined_on": r.declined_on, "closed_on": r.closed_on}


def document_dict(d: ReferralDocument) -> dict:
    return {"id": d.pk, "kind": d.kind, "kind_label": DOCUMENT_LABELS[d.kind], "name": d.name,
            "content_type": d.content_type, "size": d.size, "sha256": d.sha256,
            "generated": d.generated, "uploaded_by": d.uploaded_by.username,
            "uploaded_at": d.uploaded_at,
            "download": reverse("referral_document", args=[d.pk])}


def referral_dict(r: Referral) -> dict:
    """One referral with its reasons, answers, documents and time limits."""
    today = timezone.localdate()
    answers = r.answers.select_related("recorded_by", "api_key__agency").order_by("letter_on", "pk")
    return summary_dict(r, today) | {
        "reason": r.reason, "legal_basis": r.legal_basis, "reported_on": r.reported_on,
        "approved_on": r.approved_on, "approver": r.approver,
        "answer_due_custom": r.answer_due_custom, "agency_case_no": r.agency_case_no,
        "decline_reason": r.decline_reason, "outcome": r.outcome,
        "handed_over_on": r.handed_over_on, "handover_note": r.handover_note,
        "created_by": r.created_by.username, "created_at": r.created_at,
        "documents": [document_dict(d) for d in
                      r.documents.select_related("uploaded_by").order_by("pk")],
        "answers": [{"id": a.pk, "state": a.state, "on": a.letter_on, "letter_no": a.letter_no,
                     "text": a.text, "document": a.document_id,
                     "recorded_by": a.recorded_by.username if a.recorded_by else "",
                     "via_api_key": a.api_key.prefix if a.api_key else "", "recorded_at": a.recorded_at}
                    for a in answers],
        "deadlines": [{k: row[k] for k in ("key", "label", "limit", "due", "done", "state",
                                            "days_left", "overdue", "basis", "to_check")}
                      for row in deadlines.deadlines(r, today)],
    }


# ---------------------------------------------------------------- joint inspections

def joint_inspections_for(user, filters: dict | None = None):
    filters = filters or {}
    qs = (visible(JointInspection, user).select_related("district", "spot_check")
          .prefetch_related("agencies", Prefetch(
              "participants", queryset=JointParticipant.objects.select_related("agency",
                                                                                "user"))))
    if filters.get("agency"):
        qs = qs.filter(agencies=filters["agency"])
    if filters.get("q"):
        qs = qs.filter(title__icontains=filters["q"])
    return qs.order_by("-inspected_on", "-pk")


JOINT_HEADERS = ["编号", "名称", "区", "检查日期", "参加部门", "参加人员", "关联检查记录数",
                 "双随机抽查", "说明"]


def joint_export_rows(qs):
    # distinct: the agency filter's join must never multiply the count
    for j in qs.annotate(linked=Count("inspections", distinct=True)):
        yield [j.pk, j.title, j.district.name, j.inspected_on,
               "、".join(a.name for a in j.agencies.all()), participants_text(j),
               j.linked, j.spot_check.title if j.spot_check else "", j.note]


def participants_text(joint) -> str:
    return "、".join(f"{p.name}（{p.agency.name if p.agency else '本部门'}）"
                    for p in joint.participants.all())


def participant_dict(p: JointParticipant) -> dict:
    return {"name": p.name, "card_no": p.card_no, "role": p.role_note,
            "agency": p.agency_id, "agency_name": p.agency.name if p.agency else None,
            "user": p.user.username if p.user else None}


def joint_summary(j: JointInspection) -> dict:
    return {"id": j.pk, "title": j.title, "district": j.district_id,
            "inspected_on": j.inspected_on,
            "agencies": [{"id": a.pk, "name": a.name, "kind": a.kind}
                         for a in j.agencies.all()],
            "participants": [participant_dict(p) for p in j.participants.all()],
            "spot_check": j.spot_check_id}


def joint_dict(j: JointInspection) -> dict:
    return joint_summary(j) | {
        "inspections": sorted(j.inspections.values_list("pk", flat=True)),
        "note": j.note, "created_by": j.created_by.username, "created_at": j.created_at}
