"""Referrals and joint inspections over HTTP (CONTRACT.md rules). Another district's case,
referral, document or joint inspection answers 404; a wrong state 409; bad input 422.

Answers and documents are multipart (`scan` / `file` are checked by content: PDF, JPEG,
PNG); everything else is JSON."""

import datetime as dt
from typing import Any

from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from nongan.core.listing import page_of, xlsx_response
from nongan.core.scoping import visible
from nongan.enforcement.models import Case
from nongan.exchange import partner

from . import queries, services
from .datasets import referral_row
from .models import ReferralDocument
from .views import document_response

router = Router(tags=["joint"])


class ReferralIn(Schema):
    """`kind`: criminal | circulation | environment | other; `agency`: its id; `legal_basis`
    defaults by kind; `sent_on` defaults to today; `answer_due` defaults by the rules."""

    agency: Any = None
    kind: str = ""
    reason: str = ""
    legal_basis: str = ""
    sent_on: dt.date | None = None
    reported_on: dt.date | None = None
    approved_on: dt.date | None = None
    approver: str = ""
    answer_due: dt.date | None = None


class AnswerIn(Schema):
    """`state`: received | accepted | declined (with `text`: the reason) | closed (with
    `text`: the outcome); `on`: the agency's letter date (default today)."""

    state: str = ""
    on: str = ""
    letter_no: str = ""
    text: str = ""


class DocumentIn(Schema):
    """`kind`: letter | report | items | test | reply | other."""

    kind: str = "other"
    name: str = ""


class HandoverIn(Schema):
    on: dt.date | None = None
    note: str = ""


class ParticipantIn(Schema):
    """Our officer: `user` (a username of the district); a partner's: `agency` (id) and
    `name`; both may carry `card_no` (执法证号) and `role` (分工)."""

    user: str | None = None
    agency: int | None = None
    name: str = ""
    card_no: str = ""
    role: str = ""


class JointIn(Schema):
    title: str = ""
    inspected_on: dt.date | None = None
    agencies: list[int] = []
    participants: list[ParticipantIn] = []
    inspections: list[int] = []
    spot_check: int | None = None
    note: str = ""


class LinkIn(Schema):
    inspections: list[int] = []
    spot_check: int | None = None


def _case(request, pk):
    return get_object_or_404(visible(Case, request.auth), pk=pk)


def _referral(request, pk):
    return get_object_or_404(queries.referrals_for(request.auth).select_related("created_by"),
                             pk=pk)


def _list(request, filters, format, page, page_size):
    qs = queries.referrals_for(request.auth, filters)
    if format == "xlsx":
        return xlsx_response("案件移送.xlsx", queries.EXPORT_HEADERS, queries.export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.summary_dict(r) for r in found["items"]]}


@router.get("/referrals", response=dict)
def list_referrals(request, state: str = "", kind: str = "", agency: int | None = None,
                   overdue: bool = False, q: str = "", format: str = "", page: int = 1,
                   page_size: int = 50):
    """案件移送清单: `state` (or `open`), `kind`, `agency`, `overdue` (answer past due);
    `?format=xlsx` exports."""
    filters = queries.valid_filters({"state": state, "kind": kind, "agency": agency or "",
                                     "overdue": overdue, "q": q})
    return _list(request, filters, format, page, page_size)


@router.get("/cases/{pk}/referrals", response=dict)
def case_referrals(request, pk: int, format: str = "", page: int = 1, page_size: int = 50):
    case = _case(request, pk)
    return _list(request, {"case": case.pk}, format, page, page_size)


@router.post("/cases/{pk}/referrals", response={201: dict})
def refer_case(request, pk: int, body: ReferralIn):
    """移送: answers the referral with its generated 移送书 among its documents."""
    referral = services.refer_case(_case(request, pk), body.dict(), actor=request.auth)
    return Status(201, queries.referral_dict(_referral(request, referral.pk)))


@router.get("/referrals/{pk}", response=dict)
def get_referral(request, pk: int):
    return queries.referral_dict(_referral(request, pk))


@router.post("/referrals/{pk}/answer", response=dict)
def record_answer(request, pk: int, data: Form[AnswerIn], scan: File[UploadedFile] = None):
    """对方回复 (multipart or form-encoded); answers the referral."""
    referral = _referral(request, pk)
    services.record_answer(referral, data.dict(), actor=request.auth, scan=scan)
    return queries.referral_dict(_referral(request, pk))


@router.post("/referrals/{pk}/documents", response={201: dict})
def add_document(request, pk: int, data: Form[DocumentIn], file: File[UploadedFile] = None):
    """移送材料 (multipart `file`, PDF/JPEG/PNG by content)."""
    referral = _referral(request, pk)
    document = services.add_document(referral, file, data.dict(), actor=request.auth)
    return Status(201, queries.document_dict(document))


@router.post("/referrals/{pk}/handover", response=dict)
def record_handover(request, pk: int, body: HandoverIn):
    """涉案物品移交 (after the police opened a case)."""
    services.record_handover(_referral(request, pk), body.dict(), actor=request.auth)
    return queries.referral_dict(_referral(request, pk))


@router.get("/referral-documents/{pk}")
def get_document(request, pk: int):
    """A referral document's file, to the referral's district only."""
    return document_response(get_object_or_404(visible(ReferralDocument, request.auth), pk=pk),
                             request.auth)


# ---------------------------------------------------------------- joint inspections

@router.get("/joint-inspections", response=dict)
def list_joint_inspections(request, agency: int | None = None, q: str = "", format: str = "",
                           page: int = 1, page_size: int = 50):
    qs = queries.joint_inspections_for(request.auth, {"agency": agency, "q": q})
    if format == "xlsx":
        return xlsx_response("联合检查.xlsx", queries.JOINT_HEADERS, queries.joint_export_rows(qs))
    found = page_of(qs, page, page_size)
    return {"count": found["count"], "items": [queries.joint_summary(j) for j in found["items"]]}


def _joint(request, pk):
    return get_object_or_404(queries.joint_inspections_for(request.auth)
                             .select_related("created_by"), pk=pk)


@router.post("/joint-inspections", response={201: dict})
def record_joint_inspection(request, body: JointIn):
    """联合检查: at least one partner agency and two of the district's staff."""
    joint = services.record_joint_inspection(body.dict(), actor=request.auth)
    return Status(201, queries.joint_dict(_joint(request, joint.pk)))


@router.get("/joint-inspections/{pk}", response=dict)
def get_joint_inspection(request, pk: int):
    return queries.joint_dict(_joint(request, pk))


@router.post("/joint-inspections/{pk}/inspections", response=dict)
def link_inspection(request, pk: int, body: LinkIn):
    services.link_inspection(_joint(request, pk), body.dict(), actor=request.auth)
    return queries.joint_dict(_joint(request, pk))


class PartnerAnswerIn(Schema):
    """`state`: received | accepted | declined | closed; `on`: the date of the agency's
    decision (default today); `letter_no`: its document or case number; `text`: the reason
    (declined) or the outcome (closed)."""

    state: str = ""
    on: dt.date | None = None
    letter_no: str = ""
    text: str = ""


@router.post("/exchange/datasets/referrals/{pk}/answers", auth=partner.PartnerKey(),
             response=dict)
def partner_answer(request, pk: int, payload: PartnerAnswerIn):
    """对方系统回复 (format v1, docs/exchange.md): the receiving agency's system answers a
    referral made to it with its API key (`X-Api-Key`, scoped to the `referrals` dataset).
    A referral to another agency or outside the key's districts is 404; the rules are those
    of an answer an officer enters (409 a state that does not allow it, 422 a missing
    reason or outcome). Answers the referral as the dataset shows it."""
    with partner.partner_call(request) as call:
        referral = get_object_or_404(partner.records_of(request.auth, "referrals"), pk=pk)
        services.record_partner_answer(referral, payload.dict(), key=request.auth)
        call.rows = 1
        return referral_row(partner.records_of(request.auth, "referrals").get(pk=pk))
