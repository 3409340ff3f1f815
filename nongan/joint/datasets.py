"""The `referrals` dataset partners read (共享数据集 案件移送; docs/exchange.md documents the
row): one referral with its case, agency, state, dates, the party (ID number masked) and
the names of its documents. Imported by JointConfig.ready()."""

from nongan.exchange.datasets import Dataset, register_dataset
from nongan.public.masking import mask_id_number

from .models import Referral


def _day(value):
    return value.isoformat() if value else None


def referral_row(referral: Referral) -> dict:
    case, party, agency = referral.case, referral.case.party, referral.agency
    return {
        "id": referral.pk,
        "referral_no": referral.referral_no,
        "case_no": case.case_no,
        "case_title": case.title,
        "district": case.district_id,
        "agency": {"id": agency.pk, "name": agency.name, "kind": agency.kind},
        "kind": referral.kind,
        "reason": referral.reason,
        "legal_basis": referral.legal_basis,
        "state": referral.state,
        "sent_on": _day(referral.sent_on),
        "answer_due": _day(referral.answer_due),
        "received_on": _day(referral.received_on),
        "accepted_on": _day(referral.accepted_on),
        "declined_on": _day(referral.declined_on),
        "closed_on": _day(referral.closed_on),
        "agency_case_no": referral.agency_case_no,
        "decline_reason": referral.decline_reason,
        "outcome": referral.outcome,
        "party": {"name": party.name, "uscc": party.uscc or "",
                  "id_number": mask_id_number(party.id_number) if party.id_number else ""},
        "documents": [{"kind": d.kind, "name": d.name}
                      for d in sorted(referral.documents.all(), key=lambda d: d.pk)],
        "updated_at": referral.updated_at.isoformat() if referral.updated_at else None,
    }


REFERRALS = register_dataset(Dataset(
    name="referrals",
    label="案件移送",
    records=lambda: (Referral.objects.select_related("case__party", "agency")
                     .prefetch_related("documents")),
    row=referral_row,
    district="case__district_id",
    changed="updated_at",
    columns=("id", "referral_no", "case_no", "case_title", "district", "agency.id", "agency.name",
             "agency.kind", "kind", "reason", "legal_basis", "state", "sent_on", "answer_due",
             "received_on", "accepted_on", "declined_on", "closed_on", "agency_case_no",
             "decline_reason", "outcome", "party.name", "party.uscc", "party.id_number",
             "documents", "updated_at"),
))
