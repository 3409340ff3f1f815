"""The datasets of monitoring, enforcement and credit as partners read them (format v1,
docs/exchange.md): non-compliant samples, penalty decisions, credit grade changes.

Partners are government agencies acting in office, so names and 统一社会信用代码 are shown;
a person's ID number is masked (nongan.public.masking, the rule of published copies) and
free text has its ID and phone numbers masked. Registered from ExchangeConfig.ready()."""

from django.db.models import OuterRef, Prefetch, Subquery
from django.utils import timezone

from nongan.credit.models import GradeChange
from nongan.enforcement import documents
from nongan.enforcement.models import Case, CaseStep
from nongan.monitoring.models import NON_COMPLIANT, Result, Sample
from nongan.people.models import Organisation
from nongan.public import masking

from .datasets import Dataset, register_dataset


def _time(value) -> str | None:
    return timezone.localtime(value).isoformat() if value else None


def _decimal(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _place(region) -> dict:
    return {"code": region.code, "name": region.name} if region else {"code": "", "name": ""}


def producer_row(producer, *, id_number=True) -> dict:
    row = {"id": producer.pk, "name": producer.name, "uscc": producer.uscc or ""}
    if id_number:
        row["id_number"] = masking.mask_id_number(producer.id_number) if producer.id_number else ""
    return row


# ---------------------------------------------------------------- samples (不合格样品)

def _sample_records():
    judged = (Result.objects.filter(sample=OuterRef("pk"), current=True)
              .order_by("-entered_at").values("entered_at")[:1])
    return (Sample.objects.filter(verdict="non_compliant")
            .select_related("producer", "district", "town", "lab")
            .prefetch_related(Prefetch("results", to_attr="_prefetched_failed",
                                       queryset=Result.objects.filter(
                                           current=True, status__in=NON_COMPLIANT)
                                       .order_by("analyte")))
            .annotate(judged_at=Subquery(judged)))


def _failed(sample) -> list[dict]:
    rows = getattr(sample, "_prefetched_failed", None)
    if rows is None:
        rows = sample.results.filter(current=True, status__in=NON_COMPLIANT).order_by("analyte")
    return [{"analyte": r.analyte, "value": _decimal(r.value), "unit": r.unit,
             "mrl": _decimal(r.mrl), "status": r.status} for r in rows]


def sample_row(sample) -> dict:
    return {
        "id": sample.pk,
        "sample_no": sample.sample_no,
        "kind": sample.kind,
        "product": sample.product,
        "sampled_at": _time(sample.sampled_at),
        "producer": producer_row(sample.producer),
        "district": _place(sample.district),
        "town": _place(sample.town),
        "lab": sample.lab.name if sample.lab_id else "",
        "verdict": sample.verdict,
        "failed_results": _failed(sample),
        "judged_at": _time(getattr(sample, "judged_at", None) or sample.completed_at),
    }


SAMPLES = register_dataset(Dataset(
    name="samples", label="不合格样品", records=_sample_records, row=sample_row,
    district="district_id", changed="judged_at",
    columns=("id", "sample_no", "kind", "product", "sampled_at", "producer.id",
             "producer.name", "producer.uscc", "producer.id_number", "district.code",
             "district.name", "town.code", "town.name", "lab", "verdict", "failed_results",
             "judged_at")))


# ---------------------------------------------------------------- penalties (行政处罚决定)

def _penalty_records():
    steps = CaseStep.objects.filter(case=OuterRef("pk"))
    changed = (steps.filter(kind__in=("decision", "revoked"))
               .order_by("-recorded_at", "-pk").values("recorded_at")[:1])
    doc_no = steps.filter(kind="decision").order_by("-pk").values("doc_no")[:1]
    revoked_on = steps.filter(kind="revoked").order_by("-pk").values("occurred_on")[:1]
    authority = (Organisation.objects.filter(kind="agriculture", region=OuterRef("district"))
                 .order_by("pk").values("name")[:1])
    return (Case.objects.filter(decided_on__isnull=False)
            .select_related("party", "district")
            .prefetch_related("legal_bases")
            .annotate(changed_at=Subquery(changed), decision_doc_no=Subquery(doc_no),
                      revoked_on=Subquery(revoked_on), authority=Subquery(authority)))


def penalty_row(case) -> dict:
    from nongan.enforcement.services.cases import penalty_text

    if not hasattr(case, "changed_at"):  # a case not read through the dataset's records
        case = _penalty_records().get(pk=case.pk)
    bases = sorted(case.legal_bases.all(), key=lambda b: b.code)
    revoked = case.stage == "revoked"
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "doc_no": case.decision_doc_no or "",
        "decided_on": case.decided_on.isoformat(),
        "status": "revoked" if revoked else "decided",
        "revoked_on": case.revoked_on.isoformat() if revoked and case.revoked_on else None,
        "party": producer_row(case.party),
        "title": masking.scrub(case.title),
        "facts": masking.scrub(case.facts),
        "legal_bases": [{"code": b.code, "text": str(b)} for b in bases],
        "penalties": [{"kind": p.get("kind"), "amount": p.get("amount"),
                       "text": masking.scrub(penalty_text(p))} for p in case.penalties],
        "fine": str(case.fine) if case.fine is not None else None,  # yuan, 2 decimals
        "serious": case.serious,
        "district": _place(case.district),
        "authority": case.authority or documents.authority_name(case.district),
        "changed_at": _time(case.changed_at),
    }


PENALTIES = register_dataset(Dataset(
    name="penalties", label="行政处罚决定", records=_penalty_records, row=penalty_row,
    district="district_id", changed="changed_at",
    columns=("id", "case_no", "doc_no", "decided_on", "status", "revoked_on", "party.id",
             "party.name", "party.uscc", "party.id_number", "title", "facts", "legal_bases",
             "penalties", "fine", "serious", "district.code", "district.name", "authority",
             "changed_at")))


# ---------------------------------------------------------------- grades (信用等级变更)

def _grade_records():
    return GradeChange.objects.select_related("producer", "producer__district")


def grade_row(change) -> dict:
    producer = change.producer
    return {
        "id": change.pk,
        "producer": producer_row(producer, id_number=False),
        "district": _place(producer.district),
        "from": change.from_grade,
        "to": change.to_grade,
        "score": change.score,
        "cause": change.cause,
        "reasons": change.reasons,
        "note": masking.scrub(change.note),
        "at": _time(change.at),
    }


GRADES = register_dataset(Dataset(
    name="grades", label="信用等级变更", records=_grade_records, row=grade_row,
    district="producer__district_id", changed="at",
    columns=("id", "producer.id", "producer.name", "producer.uscc", "district.code",
             "district.name", "from", "to", "score", "cause", "reasons", "note", "at")))

