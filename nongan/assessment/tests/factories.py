"""Factories of the assessment tests: small worlds of records, made through the real
services and then dated into last year (so that every obligation of that year is due
whatever day the tests run), and the measurement of one indicator of one district."""

import datetime as dt

from django.utils import timezone

from nongan.assessment.indicators import METHODS
from nongan.assessment.measurement import SHANGHAI
from nongan.regions.models import Region
from nongan.testing import make_inspection, make_template

LAST_YEAR = timezone.localdate().year - 1


def day(month: int, d: int, year: int = LAST_YEAR) -> dt.date:
    return dt.date(year, month, d)


def moment(month: int, d: int, hour: int = 10, year: int = LAST_YEAR) -> dt.datetime:
    return dt.datetime(year, month, d, hour, tzinfo=SHANGHAI)


def measure(method: str, district: str, *, year: int = LAST_YEAR, today=None, **params):
    """One district's measurement by a method of the registry (its defaults, or `params`)."""
    spec = METHODS[method]
    clean, errors = spec.clean_params(params)
    assert not errors, errors
    region = Region.objects.get(code=district)
    return spec.compute([region], year, clean, today or timezone.localdate())[district]


def inspected(producer, actor, when: dt.datetime, **fields):
    """An inspection of `producer` finished at `when` (a daily checklist)."""
    from nongan.inspections.models import ChecklistTemplate

    if not ChecklistTemplate.objects.filter(code="test-daily").exists():
        make_template()
    return make_inspection(producer, actor=actor, started_at=(when - dt.timedelta(minutes=30))
                           .isoformat(), finished_at=when.isoformat(), **fields)


def lab_sample(lab_user, producer, sampled_at: dt.datetime, *, completed_at=None,
               report_uploaded_at=None, **fields):
    """A routine sample of `lab_user`'s lab at `producer` taken at `sampled_at` (due 10 days
    later), its test completed and its report uploaded when given."""
    from nongan.monitoring import deadlines
    from nongan.monitoring.models import MonitoringPlan, Sample
    from nongan.people.models import User
    from nongan.testing import make_plan, make_sample

    kind = fields.setdefault("kind", "routine")
    plan = MonitoringPlan.objects.filter(lab=lab_user.org, kind=kind).first() or make_plan(
        actor=User.objects.get(username="city-admin"), lab=lab_user.org, kind=kind,
        quotas=[{"district": producer.district_id, "category": "蔬菜", "count": 10}])
    sample = make_sample(producer, actor=lab_user, plan=plan.pk, **fields)
    Sample.objects.filter(pk=sample.pk).update(
        sampled_at=sampled_at, results_due=deadlines.results_due(sampled_at),
        completed_at=completed_at, report_uploaded_at=report_uploaded_at)
    return Sample.objects.get(pk=sample.pk)


def access_targets(side) -> dict:
    """The assessment's object routes take a district code (`/assessment/<code>/`), which
    the access matrix fills with the side's district as "region": nothing to add."""
    return {}
