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

from django.db.models import Exists, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from nongan.core.due_lists import Kind, Merged
from nongan.core.scoping import visible
from nongan.core.workdays import add_working_days, add_working_days_to_each

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
    revoked decision still public. Each item: {case, kind, due, text, days_left}; by due
    date, then case."""
    return alert_list(user, today).first(None)


def alert_list(user, today: dt.date | None = None) -> Merged:
    """`case_alerts` as a `core.due_lists.Merged`: one kind per alert, each selected and
    ordered by the database (a time limit counted in working days by the day it runs
    from: `first_on_time`), merged by due date, then case."""
    from .models import Case, CaseStep, PenaltyNotice

    today = today or timezone.localdate()
    live = visible(Case, user).exclude(stage__in=("closed", "revoked")).select_related("party")

    def step(kind):
        return Exists(CaseStep.objects.filter(case=OuterRef("pk"), kind=kind))

    def on(kind, text, field):
        return lambda cases: [_alert(c, kind, getattr(c, field), today, text) for c in cases]

    def working_days_from(kind, text, field, days):
        def build(cases):  # the calendar read once for the page
            ends = add_working_days_to_each({getattr(c, field) for c in cases}, days)
            return [_alert(c, kind, ends[getattr(c, field)], today, text) for c in cases]
        return build

    undecided = live.filter(decided_on=None)
    # The last notice counts (steps in order of occurrence, as the case page reads them).
    notices = CaseStep.objects.filter(case=OuterRef("pk"), kind="notice").order_by(
        "-occurred_on", "-pk").values("occurred_on")[:1]
    served = live.exclude(decided_on=None).filter(step("service"))
    unpaid = served.filter(fine__isnull=False, payment_due__lt=today).exclude(fine=0).exclude(
        step("execution"))
    # Paid in full with the surcharge as of the payment: worked out in Python for the few
    # cases with a payment recorded and not yet closed.
    paid = [case.pk for case in unpaid.exclude(paid_amount=None).select_related(None).only(
        "fine", "payment_due", "paid_amount", "paid_on") if paid_in_full(case)]
    public = visible(PenaltyNotice, user).filter(withdrawn_at=None).select_related("case__party")
    kinds = [
        Kind(undecided.filter(decision_due__lte=today + dt.timedelta(days=DUE_SOON_DAYS))
             .order_by("decision_due", "pk"),
             on("decision", "作出处罚决定期限", "decision_due"),
             Q(decision_due__lt=today)),
        # Listed while open: never late.
        Kind(undecided.annotate(notice_on=Subquery(notices))
             .filter(notice_on__gte=first_on_time(today, HEARING_ASK_WORKING_DAYS))
             .exclude(step("hearing_request")).order_by("notice_on", "pk"),
             working_days_from("hearing_window", "听证申请期限（当事人可申请听证）", "notice_on",
                               HEARING_ASK_WORKING_DAYS), late=False),
        # Listed once late.
        Kind(live.exclude(decided_on=None).exclude(step("service"))
             .filter(decided_on__lt=first_on_time(today, SERVICE_WORKING_DAYS))
             .order_by("decided_on", "pk"),
             working_days_from("service", "处罚决定书逾期未送达", "decided_on",
                               SERVICE_WORKING_DAYS)),
        Kind(unpaid.exclude(pk__in=paid).order_by("payment_due", "pk"),
             lambda cases: [_alert(c, "payment", c.payment_due, today, "罚款逾期未缴清，已加处罚款 "
                                   f"{surcharge(c.fine, c.payment_due, today)} 元")
                            for c in cases]),
        Kind(public.filter(published_at=None).exclude(case__stage="revoked")
             .order_by("due_on", "case_id"),
             lambda notices: [_alert(n.case, "notice", n.due_on, today,
                                     "处罚决定逾期未公示" if today > n.due_on else "处罚决定待公示")
                              for n in notices],
             Q(due_on__lt=today)),
        Kind(public.filter(case__stage="revoked", published_at__isnull=False)
             .order_by(Coalesce("withdraw_due", Value(today)), "case_id"),
             lambda notices: [_alert(n.case, "withdraw", n.withdraw_due or today, today,
                                     "处罚决定已撤销，公示尚未撤下") for n in notices],
             Q(withdraw_due__lt=today))]
    return Merged(kinds, key=lambda alert: (alert["due"], alert["case"].pk))


def first_on_time(today: dt.date, working_days: int) -> dt.date:
    """The first day from which a thing received is not late on `today` under a limit of
    `working_days` (its due date, add_working_days(received, working_days), is today or
    later): whatever was received before it is late, whatever on or after it is not.
    That holds because add_working_days never gives a later day an earlier due date — the
    n-th working day after a later day is at least the n-th after an earlier one, fewer
    working days lying between — (test_first_on_time.py checks it over the calendar), so
    a list ordered by the day received is ordered by due date and its late rows are a
    filter on that day."""
    # Far enough back to hold the limit with weekends and the longest holiday (春节).
    days = [today - dt.timedelta(days=n) for n in range(2 * working_days + 30)]
    due = add_working_days_to_each(days, working_days)
    return min(day for day in days if due[day] >= today)


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
