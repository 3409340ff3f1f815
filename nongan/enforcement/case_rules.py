"""Time limits of penalty cases (办案时限), each from the text that sets it (RULES.md
"Penalty cases").

- 农业行政处罚程序规定 Art. 63: a decision within 90 days of 立案; extended by 30 days with
  the head's approval, and once more only by collective decision (集体讨论决定).
- 行政处罚法 Art. 63–64: a hearing is asked within 5 days of the 事先告知 and notified 7 days
  before it is held; Art. 85: limits of 2, 3, 5 and 7 days are working days (工作日).
- 行政处罚法 Art. 61: the decision is served within 7 days (working days, Art. 85); Art. 67:
  a fine is paid within 15 days of service; Art. 72: after that 3 % of the fine a day,
  never more than the fine itself.
- 行政处罚法 Art. 48 and the publication rules: decisions online within 7 working days,
  shown 3–12 months (ordinary) or 6–36 months (serious), withdrawn within 3 working days
  of a revocation.
- 行政处罚法 Art. 36: no penalty two years after the violation (five when life or health
  was endangered).

Pure functions of dates and amounts, and `case_alerts`, the to-do list of a user's cases.
"""

import calendar
import datetime as dt
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Prefetch
from django.utils import timezone

from nongan.core.scoping import visible
from nongan.core.workdays import add_working_days

DECISION_DAYS = 90
EXTENSION_DAYS = 30
MAX_EXTENSIONS = 2
APPROVALS = [("head", "负责人批准"), ("collective", "集体讨论决定")]
HEARING_ASK_WORKING_DAYS = 5
HEARING_NOTICE_DAYS = 7
SERVICE_WORKING_DAYS = 7
PAYMENT_DAYS = 15
SURCHARGE_RATE = Decimal("0.03")
NOTICE_WORKING_DAYS = 7
WITHDRAW_WORKING_DAYS = 3
# (shortest, longest) display period in months, by seriousness.
DISPLAY_MONTHS = {False: (3, 12), True: (6, 36)}
TIME_BAR_YEARS = 2
HEALTH_TIME_BAR_YEARS = 5
DUE_SOON_DAYS = 10
CENT = Decimal("0.01")


def decision_due(opened_on: dt.date, extensions: int = 0) -> dt.date:
    """立案之日起九十日内, plus 30 days per approved extension (calendar days: the day of
    立案 does not count)."""
    return opened_on + dt.timedelta(days=DECISION_DAYS + EXTENSION_DAYS * extensions)


def extension_refusal(granted: int) -> str | None:
    """Why no further extension may be recorded after `granted` ones (None: one may)."""
    if granted >= MAX_EXTENSIONS:
        return "办案期限已延长两次，不能再延长（农业行政处罚程序规定第六十三条）"
    return None


def approval_refusal(granted: int, approval: str) -> str | None:
    """The first extension needs the head's approval (or more); the second only a
    collective decision."""
    if approval not in dict(APPROVALS):
        return "批准方式应为 head（负责人批准）或 collective（集体讨论决定）"
    if granted >= 1 and approval != "collective":
        return "第二次延长办案期限须经集体讨论决定"
    return None


def hearing_ask_by(notice_on: dt.date) -> dt.date:
    """The last day to ask for a hearing: 5 working days after the 事先告知."""
    return add_working_days(notice_on, HEARING_ASK_WORKING_DAYS)


def hearing_earliest(notified_on: dt.date) -> dt.date:
    """The earliest day a hearing may be held: 7 days after its notice (听证通知书)."""
    return notified_on + dt.timedelta(days=HEARING_NOTICE_DAYS)


def service_due(decided_on: dt.date) -> dt.date:
    return add_working_days(decided_on, SERVICE_WORKING_DAYS)


def payment_due(served_on: dt.date) -> dt.date:
    return served_on + dt.timedelta(days=PAYMENT_DAYS)


def surcharge(fine: Decimal | None, due: dt.date | None, on: dt.date) -> Decimal:
    """加处罚款 owed on day `on`: 3 % of the fine for every day after `due`, capped at the
    fine, rounded to the fen."""
    if not fine or due is None or on <= due:
        return Decimal("0.00")
    days = (on - due).days
    return min(fine, fine * SURCHARGE_RATE * days).quantize(CENT, rounding=ROUND_HALF_UP)


def amount_due(fine: Decimal | None, due: dt.date | None, on: dt.date) -> Decimal:
    """The fine with its surcharge as of `on`."""
    return ((fine or Decimal("0")) + surcharge(fine, due, on)).quantize(CENT)


def notice_due(decided_on: dt.date) -> dt.date:
    return add_working_days(decided_on, NOTICE_WORKING_DAYS)


def withdraw_due(revoked_on: dt.date) -> dt.date:
    return add_working_days(revoked_on, WITHDRAW_WORKING_DAYS)


def display_range(serious: bool) -> tuple[int, int]:
    return DISPLAY_MONTHS[bool(serious)]


def default_display_months(serious: bool) -> int:
    """The longest period the rules allow: the public sees a decision as long as it may."""
    return display_range(serious)[1]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(year=year, month=month,
                       day=min(day.day, calendar.monthrange(year, month)[1]))


def time_bar(violation_on: dt.date, *, health: bool = False) -> dt.date:
    """The last day a case may be opened for a violation of `violation_on`."""
    return add_months(violation_on, 12 * (HEALTH_TIME_BAR_YEARS if health else TIME_BAR_YEARS))


def days_left(due: dt.date, today: dt.date) -> int:
    """Days until `due` (negative when past it)."""
    return (due - today).days


# --- one case's time limits -----------------------------------------------------------------

def deadlines(case, steps, notice, today: dt.date) -> list[dict]:
    """The time limits of a case as the case page shows them: {label, due, done (the day
    it was met), state ("done", "passed", "ok", "warn", "bad", "ended"), days_left, note}."""
    kinds = {s.kind: s for s in steps}
    ended = case.stage in ("closed", "revoked")

    def row(label, due, done=None, note="", passed=False) -> dict:
        left = days_left(due, today)
        if done:
            state = "done"
        elif passed:
            state = "passed"
        elif ended:
            state = "ended"
        else:
            state = "bad" if left < 0 else "warn" if left <= 3 else "ok"
        return {"label": label, "due": due, "done": done, "state": state, "days_left": left,
                "overdue": -left if left < 0 else 0, "note": note}

    extensions = sum(s.kind == "extension" for s in steps)
    rows = [row("作出处罚决定", case.decision_due, case.decided_on,
                f"已延长 {extensions} 次" if extensions else "立案之日起90日")]
    if "notice" in kinds:
        ask_by = hearing_ask_by(kinds["notice"].occurred_on)
        asked = kinds.get("hearing_request")
        rows.append(row("申请听证", ask_by, asked.occurred_on if asked else None,
                        "事先告知后5个工作日", passed=not asked and today > ask_by))
    if case.decided_on:
        served = kinds.get("service")
        rows.append(row("送达处罚决定书", service_due(case.decided_on),
                        served.occurred_on if served else None, "决定后7个工作日"))
    if case.payment_due:
        owed = surcharge(case.fine, case.payment_due, today)
        paid = case.paid_on if paid_in_full(case) else None
        rows.append(row("缴纳罚款", case.payment_due, paid,
                        f"已加处罚款 {owed} 元" if owed and not paid else "送达后15日"))
    if notice is not None:
        published = timezone.localdate(notice.published_at) if notice.published_at else None
        rows.append(row("公示处罚决定", notice.due_on, published, "决定后7个工作日"))
        if notice.withdraw_due:
            withdrawn = (timezone.localdate(notice.withdrawn_at) if notice.withdrawn_at
                         else None)
            rows.append(row("撤下公示", notice.withdraw_due, withdrawn or
                            (None if notice.published_at else notice.withdraw_due),
                            "撤销后3个工作日"))
    return rows


# --- the to-do list -------------------------------------------------------------------------

def case_alerts(user, today: dt.date | None = None) -> list[dict]:
    """What is due or late in the cases `user` may see: a decision due within 10 days or
    overdue, an open hearing window, a decision not served in time, a fine unpaid after its
    due date (with the surcharge so far), a decision not published by its due date, a
    revoked decision still public. Each item: {case, kind, due, text, days_left}."""
    from .models import Case, CaseStep, PenaltyNotice

    today = today or timezone.localdate()
    live = (visible(Case, user).exclude(stage__in=("closed", "revoked"))
            .select_related("party")
            .prefetch_related(Prefetch("steps", queryset=CaseStep.objects.order_by(
                "occurred_on", "pk"))))
    items = []
    for case in live:
        kinds = {s.kind: s for s in case.steps.all()}
        if case.decided_on is None:
            if case.decision_due <= today + dt.timedelta(days=DUE_SOON_DAYS):
                items.append(_alert(case, "decision", case.decision_due, today,
                                    "作出处罚决定期限"))
            notice = kinds.get("notice")
            if notice and "hearing_request" not in kinds:
                ask_by = hearing_ask_by(notice.occurred_on)
                if today <= ask_by:
                    items.append(_alert(case, "hearing_window", ask_by, today,
                                        "听证申请期限（当事人可申请听证）"))
            continue
        if "service" not in kinds:
            due = service_due(case.decided_on)
            if today > due:
                items.append(_alert(case, "service", due, today, "处罚决定书逾期未送达"))
        elif (case.fine and case.payment_due and today > case.payment_due
              and "execution" not in kinds and not paid_in_full(case)):
            owed = surcharge(case.fine, case.payment_due, today)
            items.append(_alert(case, "payment", case.payment_due, today,
                                f"罚款逾期未缴清，已加处罚款 {owed} 元"))
    notices = (visible(PenaltyNotice, user).filter(withdrawn_at=None)
               .select_related("case__party"))
    for notice in notices.filter(published_at=None).exclude(case__stage="revoked"):
        late = today > notice.due_on
        items.append(_alert(notice.case, "notice", notice.due_on, today,
                            "处罚决定逾期未公示" if late else "处罚决定待公示"))
    for notice in notices.filter(case__stage="revoked", published_at__isnull=False):
        due = notice.withdraw_due or today
        items.append(_alert(notice.case, "withdraw", due, today,
                            "处罚决定已撤销，公示尚未撤下"))
    return sorted(items, key=lambda i: (i["due"], i["case"].pk))


def paid_in_full(case, on: dt.date | None = None) -> bool:
    """Whether the fine and its surcharge (as of the last payment) are paid."""
    if not case.fine:
        return True
    if case.paid_amount is None:
        return False
    return case.paid_amount >= amount_due(case.fine, case.payment_due, on or case.paid_on)


def _alert(case, kind, due, today, text) -> dict:
    left = days_left(due, today)
    when = f"剩 {left} 天" if left >= 0 else f"已逾期 {-left} 天"
    return {"case": case, "kind": kind, "due": due, "days_left": left,
            "text": f"{text}：{due:%Y-%m-%d}（{when}）"}
