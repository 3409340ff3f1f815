"""Penalty cases in the API (CONTRACT.md rules): the district's cases, opening one, its
steps, the publication of its decision, and the legal bases to choose from. Another
district's case answers 404; labs and grid workers see none."""

import datetime as dt
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from ninja import Router, Schema, Status

from nongan.core.listing import page_of, xlsx_response

from . import case_rules as rules
from .case_queries import EXPORT_HEADERS, cases_for, export_rows
from .models import Case, LegalBasis, PenaltyNotice
from .services import cases as services

router = Router(tags=["cases"])


class CaseIn(Schema):
    source: str
    target: int | None = None
    sample: str | None = None
    inspection: int | None = None
    complaint: str = ""
    party: int | None = None
    title: str = ""
    facts: str = ""
    officers: list[str] = []
    opened_on: dt.date | None = None
    violation_on: dt.date | None = None
    health_harm: bool = False


class PenaltyIn(Schema):
    kind: str
    amount: Decimal | None = None
    text: str = ""


class StepIn(Schema):
    """One step: `kind` and `occurred_on` (default today), then the fields of its kind —
    investigation: evidence, officers, site_check, note; notice / decision: facts,
    legal_bases (codes), penalties, serious; hearing_request: hearing_on, place, host;
    hearing: host, summary; extension: days (30), reason, approver, approval (head |
    collective); service: method, recipient, address; payment: amount; execution:
    measure, text; closed: summary; revoked: reason."""

    kind: str
    occurred_on: dt.date | None = None
    evidence: list[str] = []
    officers: list[str] = []
    site_check: str = ""
    note: str = ""
    facts: str = ""
    legal_bases: list[str] = []
    penalties: list[PenaltyIn] = []
    serious: bool | None = None
    hearing_on: dt.date | None = None
    place: str = ""
    host: str = ""
    summary: str = ""
    days: int | None = None
    reason: str = ""
    approver: str = ""
    approval: str = ""
    method: str = ""
    recipient: str = ""
    address: str = ""
    amount: Decimal | None = None
    measure: str = ""
    text: str = ""


class PublishIn(Schema):
    display_months: int | None = None


class WithdrawIn(Schema):
    reason: str = ""


class DeclineIn(Schema):
    source: str = ""
    target: int | None = None
    sample: str | None = None
    inspection: int | None = None
    reason: str = ""


def _money(value) -> str | None:
    return None if value is None else str(value)


def notice_dict(notice: PenaltyNotice | None) -> dict | None:
    if notice is None:
        return None
    return {"due_on": notice.due_on, "published_at": notice.published_at,
            "display_until": notice.display_until, "withdraw_due": notice.withdraw_due,
            "withdrawn_at": notice.withdrawn_at, "withdraw_reason": notice.withdraw_reason,
            "content": notice.content if notice.published_at else None}


def case_summary(case: Case) -> dict:
    return {"id": case.pk, "case_no": case.case_no, "title": case.title,
            "source": case.source, "party": case.party_id, "party_name": case.party.name,
            "district": case.district_id, "town": case.town_id, "stage": case.stage,
            "opened_on": case.opened_on, "decision_due": case.decision_due,
            "decided_on": case.decided_on, "fine": _money(case.fine), "serious": case.serious,
            "payment_due": case.payment_due, "paid_on": case.paid_on,
            "paid_amount": _money(case.paid_amount), "closed_on": case.closed_on}


def case_dict(case: Case) -> dict:
    """One case with its steps, time limits, the surcharge so far and its notice."""
    today = timezone.localdate()
    steps = list(case.steps.select_related("recorded_by").order_by("occurred_on", "pk"))
    notice = PenaltyNotice.objects.filter(case=case).first()
    return case_summary(case) | {
        "target": case.target_id, "sample": case.sample.sample_no if case.sample else None,
        "follow_up": case.follow_up_id, "inspection": case.inspection_id,
        "complaint": case.complaint, "facts": case.facts, "officers": case.officers,
        "legal_bases": list(case.legal_bases.order_by("code").values_list("code", flat=True)),
        "penalties": case.penalties,
        "surcharge": str(rules.surcharge(case.fine, case.payment_due, today)
                         if not rules.paid_in_full(case) else Decimal("0.00")),
        "next": services.next_kinds(case, steps),
        "deadlines": [{"label": d["label"], "due": d["due"], "done": d["done"],
                       "state": d["state"], "days_left": d["days_left"]}
                      for d in rules.deadlines(case, steps, notice, today)],
        "steps": [{"id": s.pk, "kind": s.kind, "occurred_on": s.occurred_on,
                   "doc_kind": s.doc_kind, "doc_no": s.doc_no, "details": s.details,
                   "recorded_by": s.recorded_by.username,
                   "print": reverse("case_step_print", args=[case.pk, s.pk])
                   if s.document else None}
                  for s in steps],
        "notice": notice_dict(notice),
    }


def _case(request, pk) -> Case:
    return get_object_or_404(cases_for(request.auth, {}), pk=pk)


@router.get("/cases", response=dict)
def list_cases(request, stage: str = "", source: str = "", party: int | None = None,
               q: str = "", opened_from: dt.date | None = None,
               opened_to: dt.date | None = None, overdue: bool = False, region: str = "",
               sort: str = "", format: str = "", page: int = 1, page_size: int = 50):
    """案件清单: filters by stage, source, party, 立案 dates, overdue; `?format=xlsx` exports."""
    qs = cases_for(request.auth, {"stage": stage, "source": source, "party": party, "q": q,
                                  "date_from": opened_from, "date_to": opened_to,
                                  "overdue": overdue, "region": region, "sort": sort})
    if format == "xlsx":
        return xlsx_response("行政处罚案件.xlsx", EXPORT_HEADERS, export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [case_summary(c) for c in found["items"]]}


@router.post("/cases", response={201: dict})
def open_case(request, body: CaseIn):
    case = services.open_case(body.dict(), actor=request.auth)
    return Status(201, case_dict(_case(request, case.pk)))


@router.post("/cases/declined", response={201: dict})
def decline_lead(request, body: DeclineIn):
    """不予立案: a lead handed over, checked and not opened as a case, with the reason."""
    lead = services.decline_lead(body.dict(), actor=request.auth)
    return Status(201, {"id": lead.pk, "source": lead.source, "producer": lead.producer_id,
                        "reason": lead.reason, "decided_on": lead.decided_on,
                        "decided_by": request.auth.username})


@router.get("/cases/{pk}", response=dict)
def get_case(request, pk: int):
    return case_dict(_case(request, pk))


@router.post("/cases/{pk}/stages", response={201: dict})
def record_step(request, pk: int, body: StepIn):
    """记录办案环节; answers the case. Out of order → 409 with the reason."""
    data = body.dict(exclude_unset=True)
    data.setdefault("kind", body.kind)
    services.record_step(_case(request, pk), data, actor=request.auth)
    return Status(201, case_dict(_case(request, pk)))


@router.post("/cases/{pk}/notice", response=dict)
def publish_notice(request, pk: int, body: PublishIn):
    """公示处罚决定 (display_months within the range for the case; the longest by default)."""
    services.publish_notice(_case(request, pk), body.dict(), actor=request.auth)
    return case_dict(_case(request, pk))


@router.post("/cases/{pk}/notice/withdraw", response=dict)
def withdraw_notice(request, pk: int, body: WithdrawIn):
    services.withdraw_notice(_case(request, pk), body.reason, actor=request.auth)
    return case_dict(_case(request, pk))


@router.get("/legal-bases", response=dict)
def legal_bases(request):
    """处罚依据: the articles a decision may cite, with their penalties."""
    items = [{"code": b.code, "law": b.law, "article": b.article, "violation": b.violation,
              "penalty": b.penalty, "serious": b.serious, "label": str(b)}
             for b in LegalBasis.objects.filter(active=True)]
    return {"count": len(items), "items": items}
