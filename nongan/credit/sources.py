"""Where credit events come from: one builder per kind of source record, used both when
the record is written (the feeders in `services`) and by `backfill` / `refresh` over the
whole history — so the two ways give the same events.

A builder answers the event's fields (`producer_id`, `kind`, `occurred_on`, `summary`,
`source`, `link`, `serious`, `settled_on`), or nothing when the record does not count.
Sources are `<model>:<pk>`, one event per source and kind.

- Inspection (巡查): result 限期整改 → inspection_rectify, 移交执法 → inspection_refer, on
  the day of the visit.
- Rectification (整改通知): still open after its deadline → rectification_unfinished from
  the day after the deadline, open (it counts until the order is closed); closed after the
  deadline → that event settled on the closing day, and rectification_late on that day.
- Sample (样品): judged non-compliant → sample_non_compliant on the sampling day, serious
  when a banned pesticide was detected. Rapid tests screen and are confirmed by a lab
  test; only the lab's verdict counts.
- Penalty case (行政处罚): closed → penalty (serious as the case), revoked →
  penalty_revoked, on the step's day.
- Certificate (二品一标): revoked → certification_revoked on the day it was revoked.
"""

import datetime as dt

from django.urls import reverse
from django.utils import timezone

INSPECTION_KINDS = {"rectify": "inspection_rectify", "refer": "inspection_refer"}
INSPECTION_SUMMARIES = {"rectify": "巡查发现问题，责令限期整改", "refer": "巡查发现违法线索，移交执法"}
MAX_SUMMARY = 300
SAME_DAY = object()  # settled the day it occurred: the matter is closed with the event


def _event(producer_id, kind, day, summary, source, link, *, serious=False,
           settled_on=SAME_DAY):
    return {"producer_id": producer_id, "kind": kind, "occurred_on": day,
            "summary": summary[:MAX_SUMMARY], "source": source, "link": link,
            "serious": serious, "settled_on": day if settled_on is SAME_DAY else settled_on}


def _day(moment: dt.datetime) -> dt.date:
    return timezone.localdate(moment)


def inspection_event(inspection) -> dict | None:
    kind = INSPECTION_KINDS.get(inspection.result)
    if kind is None:
        return None
    day = _day(inspection.finished_at)
    return _event(inspection.producer_id, kind, day, INSPECTION_SUMMARIES[inspection.result],
                  f"inspection:{inspection.pk}", reverse("inspection", args=[inspection.pk]))


def rectification_events(order, today: dt.date) -> list[dict]:
    closed = _day(order.closed_at) if order.closed_at else None
    if order.deadline >= (closed or today):
        return []  # done in time, or not due yet
    source, link = f"rectification:{order.pk}", reverse("inspection", args=[order.ordered_by_id])
    events = [_event(order.producer_id, "rectification_unfinished",
                     order.deadline + dt.timedelta(days=1),
                     f"整改通知（期限 {order.deadline:%Y-%m-%d}）逾期未完成整改", source, link,
                     settled_on=closed)]
    if closed:
        late = (closed - order.deadline).days
        events.append(_event(order.producer_id, "rectification_late", closed,
                             f"整改通知（期限 {order.deadline:%Y-%m-%d}）于 {closed:%Y-%m-%d} "
                             f"完成整改，逾期 {late} 天", source, link))
    return events


def sample_event(sample, failed: list[tuple[str, str]]) -> dict | None:
    """`failed`: the sample's current non-compliant results as (analyte, status)."""
    if sample.kind == "rapid" or sample.verdict != "non_compliant":
        return None
    serious = any(status == "banned_detected" for _, status in failed)
    analytes = "、".join(sorted({analyte for analyte, _ in failed}))
    return _event(sample.producer_id, "sample_non_compliant", _day(sample.sampled_at),
                  f"样品 {sample.sample_no}（{sample.product}）检测不合格：{analytes}"
                  + ("，检出禁用农药" if serious else ""),
                  f"sample:{sample.pk}", reverse("sample", args=[sample.sample_no]),
                  serious=serious)


def certificate_event(cert, day: dt.date, reason: str) -> dict | None:
    if cert.status != "revoked":
        return None
    because = f"：{reason.strip()}" if (reason or "").strip() else ""
    return _event(cert.producer_id, "certification_revoked", day,
                  f"{cert.get_kind_display()}证书 {cert.cert_no}（{cert.products}）被撤销"
                  f"{because}", f"certification:{cert.pk}",
                  reverse("producer", args=[cert.producer_id]) + f"#cert-{cert.pk}")


def case_event(case, step) -> dict | None:
    """The event of a case's closing or revocation step — as the case services record it
    when the step is taken (nongan/enforcement/services/cases.py `_after`)."""
    from nongan.enforcement.services.cases import penalty_text

    link = reverse("case", args=[case.pk])
    if step.kind == "closed":
        return _event(case.party_id, "penalty", step.occurred_on,
                      f"{case.case_no} {case.title}："
                      + "；".join(penalty_text(p) for p in case.penalties),
                      f"case:{case.pk}", link, serious=case.serious)
    if step.kind == "revoked":
        return _event(case.party_id, "penalty_revoked", step.occurred_on,
                      f"{case.case_no} 处罚决定撤销：{step.details['reason']}",
                      f"case:{case.pk}", link)
    return None
