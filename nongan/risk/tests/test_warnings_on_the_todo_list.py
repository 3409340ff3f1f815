"""An assignee's open warnings are on their to-do list: an issued one to be signed for
within the working days the settings give (1 by default, counted on the official
calendar), an acknowledged one until it is closed; nobody else's list shows them."""

import datetime as dt

from nongan.core.workdays import load_calendar
from nongan.risk import todo
from nongan.risk.models import RiskWarning
from nongan.risk.services import acknowledge
from nongan.risk.tests.factories import SHANGHAI, a_warning


def _issued_on(side, day):
    warning = a_warning(side)
    at = dt.datetime.combine(day, dt.time(10), tzinfo=SHANGHAI)
    RiskWarning.objects.filter(pk=warning.pk).update(issued_at=at, detected_at=at)
    warning.refresh_from_db()
    return warning


def test_an_issued_warning_is_due_the_next_working_day_after_the_holiday(world):
    load_calendar()
    officer = world.pudong.district_officer
    before_national_day = _issued_on(world.pudong, dt.date(2026, 9, 30))
    handled = _issued_on(world.pudong, dt.date(2026, 9, 29))
    acknowledge(handled, "已安排核查", actor=officer)

    items = todo.items(officer, today=dt.date(2026, 10, 9))
    assert [(i["text"], i["due"], i["days_overdue"]) for i in items] == [
        # 1 October to 7 October is the National Day holiday: due Thursday 8 October.
        ("风险预警待签收", dt.date(2026, 10, 8), 1),
        ("风险预警处置中，待办结", None, 0)]
    assert f"#{before_national_day.pk}" in items[0]["label"]
    assert todo.items(world.chongming.district_officer, today=dt.date(2026, 10, 9)) == []

