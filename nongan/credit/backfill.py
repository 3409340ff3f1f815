"""The credit events already owed by the records kept before the credit file existed (or
written in bulk, as the demo seed writes them): the same builders as the feeders
(`sources`), run over whole tables with a few queries each."""

from collections import defaultdict

from django.utils import timezone

from nongan.core.models import AuditEntry
from nongan.enforcement.models import CaseStep
from nongan.inspections.models import Inspection
from nongan.monitoring.models import NON_COMPLIANT, Result, Sample
from nongan.producers.models import Certification

from . import sources

BATCH = 2000


def history_events(today):
    yield from _inspections()
    yield from _samples()
    yield from _cases()
    yield from _certificates(today)


def _inspections():
    visits = Inspection.objects.filter(result__in=sources.INSPECTION_KINDS).only(
        "pk", "producer_id", "result", "finished_at")
    for visit in visits.iterator(chunk_size=BATCH):
        yield sources.inspection_event(visit)


def _samples():
    failed = defaultdict(list)
    for sample_id, analyte, status in (Result.objects.filter(
            current=True, status__in=NON_COMPLIANT, sample__verdict="non_compliant")
            .values_list("sample_id", "analyte", "status").iterator(chunk_size=BATCH)):
        failed[sample_id].append((analyte, status))
    samples = Sample.objects.filter(verdict="non_compliant").exclude(kind="rapid").only(
        "pk", "producer_id", "kind", "verdict", "sample_no", "product", "sampled_at")
    for sample in samples.iterator(chunk_size=BATCH):
        yield sources.sample_event(sample, failed[sample.pk])


def _cases():
    steps = CaseStep.objects.filter(kind__in=("closed", "revoked")).select_related("case")
    for step in steps.order_by("pk").iterator(chunk_size=BATCH):
        yield sources.case_event(step.case, step)


def _certificates(today):
    """Certificates revoked through the register (their audit entry dates it and gives the
    reason — the first revocation, as the feeder records once), and those revoked in bulk
    without one (dated the day they are found)."""
    revoked = {}
    entries = AuditEntry.objects.filter(action="certification.status",
                                        changes__after__status="revoked").order_by("seq")
    for object_id, at, changes in entries.values_list("object_id", "at", "changes"):
        revoked.setdefault(int(object_id), (timezone.localdate(at),
                                            changes["after"].get("reason") or ""))
    certs = Certification.objects.filter(pk__in=revoked) | Certification.objects.filter(
        status="revoked")
    for cert in certs.iterator(chunk_size=BATCH):
        day, reason = revoked.get(cert.pk, (today, ""))
        cert.status = "revoked"  # as it was when revoked, whatever it is now
        yield sources.certificate_event(cert, day, reason)
