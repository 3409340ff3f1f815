"""Time limits of a referral (移送时限), read from `data/deadlines.csv` (its README cites the
source of each row): when the answer is due, and every limit of one referral with its state
for the page and the API. Pure functions of dates, apart from the working-day calendar."""

import csv
import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from nongan.core.workdays import add_working_days

DATA = Path(__file__).resolve().parent / "data"
DUE_SOON_DAYS = 1


@dataclass(frozen=True)
class Limit:
    kind: str
    key: str
    label: str
    counts_from: str
    amount: int
    unit: str  # days | hours | workdays
    basis: str
    to_check: bool

    def due(self, start: dt.date) -> dt.date:
        if self.unit == "workdays":
            return add_working_days(start, self.amount)
        days = -(-self.amount // 24) if self.unit == "hours" else self.amount
        return start + dt.timedelta(days=days)

    @property
    def text(self) -> str:
        unit = {"days": "日", "hours": "小时", "workdays": "个工作日"}[self.unit]
        return f"{self.amount}{unit}"


@cache
def limits() -> dict[tuple[str, str], Limit]:
    with open(DATA / "deadlines.csv", encoding="utf-8", newline="") as handle:
        return {(row["kind"], row["key"]): Limit(
            kind=row["kind"], key=row["key"], label=row["label"],
            counts_from=row["counts_from"], amount=int(row["amount"]), unit=row["unit"],
            basis=row["basis"], to_check=row["to_check"] == "1")
            for row in csv.DictReader(handle)}


@cache
def kind_defaults() -> dict[str, dict]:
    """Per referral kind: the agency kind it usually goes to, the letter's name, the legal
    basis offered on the form."""
    with open(DATA / "kinds.csv", encoding="utf-8", newline="") as handle:
        return {row["kind"]: row for row in csv.DictReader(handle)}


def limit(kind: str, key: str) -> Limit | None:
    return limits().get((kind, key))


def answer_due(kind: str, start: dt.date) -> dt.date:
    """When the agency's answer (accepted or declined) is due, counted from `start` (the day
    it received the referral, or sent it while no receipt is recorded)."""
    return limit(kind, "answer").due(start)


def _row(limit_: Limit, start, due, done, today, *, optional=False) -> dict:
    """One limit's state: done (in time) / late (done after the limit) / ok / warn (due
    within a day) / bad (overdue) / passed (an option not taken)."""
    if done is not None:
        state = "late" if done > due else "done"
    elif today > due:
        state = "passed" if optional else "bad"
    elif (due - today).days <= DUE_SOON_DAYS:
        state = "warn"
    else:
        state = "ok"
    return {"key": limit_.key, "label": limit_.label, "limit": limit_.text, "start": start,
            "due": due, "done": done, "state": state, "days_left": (due - today).days,
            "overdue": max(0, (today - due).days) if done is None else 0,
            "basis": limit_.basis, "to_check": limit_.to_check, "optional": optional}


def deadlines(referral, today: dt.date) -> list[dict]:
    """Every limit that applies to `referral` now, in the order the procedure meets them."""
    rows = []
    kind = referral.kind
    approval, transfer = limit(kind, "approval"), limit(kind, "transfer")
    if approval and referral.reported_on:
        rows.append(_row(approval, referral.reported_on, approval.due(referral.reported_on),
                         referral.approved_on, today))
    if transfer and referral.approved_on:
        rows.append(_row(transfer, referral.approved_on, transfer.due(referral.approved_on),
                         referral.sent_on, today))
    answered = referral.accepted_on or referral.declined_on
    rows.append(_row(limit(kind, "answer"), referral.received_on or referral.sent_on,
                     referral.answer_due, answered, today))
    reconsideration = limit(kind, "reconsideration")
    if reconsideration and referral.declined_on:
        rows.append(_row(reconsideration, referral.declined_on,
                         reconsideration.due(referral.declined_on), None, today,
                         optional=True))
    handover = limit(kind, "handover")
    if handover and referral.accepted_on:
        rows.append(_row(handover, referral.accepted_on, handover.due(referral.accepted_on),
                         referral.handed_over_on, today))
    return rows


def answer_overdue(referral, today: dt.date) -> int:
    """Days the agency's answer is overdue (0 when answered or not yet due)."""
    if referral.state not in ("sent", "received"):
        return 0
    return max(0, (today - referral.answer_due).days)
