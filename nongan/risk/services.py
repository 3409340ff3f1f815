"""Writes of risk warnings (风险预警): issuing a finding or updating the open warning of the
same risk, and the lifecycle — issued (已发布) → acknowledged (已签收) → acting (处置中, by
taking a measure, see `measures`) → closed (已办结, with a conclusion). Every write is
audited and leaves a `WarningEvent`.

Rules decided here:
- A finding whose key has an open warning updates it (figures, explanation, samples added,
  level raised never lowered, detections + 1) — unless its figures are the same as the
  warning's: the same evidence seen again (a nightly re-run) changes nothing.
- A closed warning stays closed; the same risk found again is a new warning.
- Closing needs a conclusion and an acknowledgement first (issued → closed is refused:
  somebody signs for every warning before it is closed); a city-wide warning is closed by
  the city."""

import json

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from nongan.core import audit
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.notifications import notify
from nongan.core.permissions import require
from nongan.people.models import User
from nongan.producers.models import Producer

from . import rules
from .findings import Finding
from .models import RiskWarning, WarningEvent

TRANSITIONS = {"acknowledged": ("issued",), "acting": ("issued", "acknowledged", "acting"),
               "closed": ("acknowledged", "acting")}
STATE_CONFLICTS = {"closed": "该预警已办结", "acknowledged": "该预警已签收",
                   "acting": "该预警已在处置中", "issued": "该预警尚未签收，须先签收"}


def _json(value):
    """Figures as they will read back from the database (tuples become lists)."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def event(warning, kind: str, text: str, *, actor=None, data=None, at=None) -> WarningEvent:
    return WarningEvent.objects.create(warning=warning, kind=kind, text=text, data=data or {},
                                       actor=actor, at=at or timezone.now())


def assignees_for(finding: Finding) -> list[User]:
    """The district officers of the districts involved, the town officers of the towns
    involved, the city administrators for a city-wide or red warning, and the grid persons
    of a producer's grid."""
    who = (Q(role="district_officer", region_id__in=finding.districts)
           | Q(role="town_officer", region_id__in=finding.towns))
    if finding.district is None or finding.level == "red":
        who |= Q(role="city_admin")
    users = list(User.objects.filter(who, is_active=True).order_by("pk"))
    if finding.producer:
        producer = Producer.objects.select_related("grid").get(pk=finding.producer)
        if producer.grid_id:
            users += [m.user for m in producer.grid.members.select_related("user")
                      if m.user and m.user.is_active]
    return list({u.pk: u for u in users}.values())


def _tell(warning, users, prefix: str) -> list[str]:
    text = (f"【农安】{prefix}{warning.get_level_display()}{warning.get_kind_display()}预警："
            f"{warning.explanation[:120]}")
    return notify(users, kind="risk.warning", text=text,
                  link=reverse("warning", args=[warning.pk]))


def issue_or_update(finding: Finding, *, now=None) -> tuple[RiskWarning, str]:
    """发布预警, or update the open warning of the same risk; answers the warning and
    "issued", "updated" or "unchanged"."""
    now = now or timezone.now()
    figures = _json(finding.figures)
    with transaction.atomic():
        warning = _open(finding.key)
        if warning is None:
            try:
                with transaction.atomic():
                    return _issue(finding, figures, now), "issued"
            except IntegrityError:  # another run issued it between our read and write
                warning = _open(finding.key)
        if warning.figures == figures:
            return warning, "unchanged"
        return _update(warning, finding, figures, now), "updated"


def _open(key: str) -> RiskWarning | None:
    return (RiskWarning.objects.select_for_update().filter(key=key)
            .exclude(status="closed").first())


def _issue(finding: Finding, figures: dict, now) -> RiskWarning:
    warning = RiskWarning.objects.create(
        key=finding.key, level=finding.level, kind=finding.kind, region_id=finding.region,
        district_id=finding.district, town_id=finding.town, category=finding.category,
        product=finding.product, pesticide=finding.pesticide, producer_id=finding.producer,
        explanation=finding.explanation, figures=figures, issued_at=now, detected_at=now)
    warning.samples.set(finding.samples)
    users = assignees_for(finding)
    warning.assignees.set(users)
    told = _tell(warning, users, "")
    event(warning, "issued", finding.explanation, data={"level": finding.level, "told": told},
          at=now)
    audit.record("warning.issue", warning, actor=None, region_code=finding.region,
                 after={"key": finding.key, "level": finding.level, "kind": finding.kind,
                        "figures": figures, "samples": len(finding.samples),
                        "assignees": [u.username for u in users]})
    return warning


def _update(warning, finding: Finding, figures: dict, now) -> RiskWarning:
    before = {"level": warning.level, "figures": warning.figures,
              "detections": warning.detections}
    level = rules.higher(warning.level, finding.level)
    raised = level != warning.level
    warning.level, warning.figures, warning.explanation = level, figures, finding.explanation
    warning.detected_at, warning.detections = now, warning.detections + 1
    warning.save(update_fields=["level", "figures", "explanation", "detected_at", "detections"])
    warning.samples.add(*finding.samples)
    new = [u for u in assignees_for(finding) if not warning.assignees.filter(pk=u.pk).exists()]
    warning.assignees.add(*new)
    told = _tell(warning, list(warning.assignees.all()) if raised else new,
                 "升级为" if raised else "")
    event(warning, "updated", finding.explanation,
          data={"level": level, "raised": raised, "told": told}, at=now)
    audit.record("warning.update", warning, actor=None, region_code=warning.region_id,
                 before=before, after={"level": level, "figures": figures,
                                       "detections": warning.detections})
    return warning


# ---------------------------------------------------------------- lifecycle

def locked(warning) -> RiskWarning:
    return RiskWarning.objects.select_for_update().get(pk=warning.pk)


def check_state(warning, to: str) -> None:
    if warning.status not in TRANSITIONS[to]:
        raise Conflict(STATE_CONFLICTS[warning.status])


@transaction.atomic
def acknowledge(warning, note: str = "", *, actor) -> RiskWarning:
    """签收: the assignee has read the warning and takes it on."""
    require(actor, "warning.handle")
    warning = locked(warning)
    check_state(warning, "acknowledged")
    note = (note or "").strip()
    warning.status = "acknowledged"
    warning.save(update_fields=["status"])
    event(warning, "acknowledged", note or "已签收", actor=actor)
    audit.record("warning.acknowledge", warning, actor=actor, region_code=warning.region_id,
                 before={"status": "issued"}, after={"status": "acknowledged", "note": note})
    return warning


@transaction.atomic
def close(warning, conclusion: str, *, actor) -> RiskWarning:
    """办结 with its conclusion (what was found and done); the record stays."""
    require(actor, "warning.handle")
    if warning.district_id is None and actor.region.level != "city":
        raise PermissionDenied("全市性预警由市级办结")
    warning = locked(warning)
    check_state(warning, "closed")
    conclusion = (conclusion or "").strip()
    if not conclusion:
        raise FieldErrors({"conclusion": "须填写办结结论"})
    before = warning.status
    warning.status, warning.conclusion, warning.closed_at = "closed", conclusion, timezone.now()
    warning.save(update_fields=["status", "conclusion", "closed_at"])
    event(warning, "closed", conclusion, actor=actor)
    audit.record("warning.close", warning, actor=actor, region_code=warning.region_id,
                 before={"status": before}, after={"status": "closed",
                                                   "conclusion": conclusion})
    return warning


def transition(warning, data: dict, *, actor) -> RiskWarning:
    """`{"to": "acknowledged" | "acting" | "closed", "note", "conclusion", "measure"}`:
    acting means taking a measure (`measure` required)."""
    from .measures import take_measure

    to = data.get("to")
    if to not in TRANSITIONS:
        raise FieldErrors({"to": "应为 acknowledged / acting / closed"})
    if to == "acknowledged":
        return acknowledge(warning, data.get("note") or "", actor=actor)
    if to == "closed":
        return close(warning, data.get("conclusion") or "", actor=actor)
    take_measure(warning, data.get("measure"), actor=actor)
    return RiskWarning.objects.get(pk=warning.pk)
