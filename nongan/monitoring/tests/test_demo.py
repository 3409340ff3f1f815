"""The seeded monitoring history (`nongan seed`): two years of samples judged by the real
GB 2763 engine, a few percent non-compliant, numbered as the service numbers them.

A small world is seeded once for the module (inside a transaction rolled back at the end).
"""

import datetime as dt
import re
from collections import defaultdict

import pytest
from django.core.files.storage import default_storage
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from shapely.geometry import Point, shape

from nongan.core.models import AuditEntry, CalendarDay
from nongan.core.workdays import is_working_day
from nongan.monitoring import deadlines, limits, services
from nongan.monitoring.demo import MAX_YEARS, seed_monitoring
from nongan.monitoring.models import (
    KIND_LETTER,
    NON_COMPLIANT,
    FollowUp,
    FollowUpNote,
    MonitoringPlan,
    MonthlySummary,
    PlanQuota,
    Result,
    Sample,
    SampleSequence,
)
from nongan.producers.models import Plot
from nongan.seeding import seed

PRODUCERS, SEED = 150, 5
TODAY = timezone.localdate()
FAST = ["django.contrib.auth.hashers.MD5PasswordHasher"]
pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    media = tmp_path_factory.mktemp("media")
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST,
                                                        MEDIA_ROOT=media):
        with transaction.atomic():
            counts = seed(PRODUCERS, years=3, random_seed=SEED, today=TODAY)
            yield counts
            transaction.set_rollback(True)


def local(moment) -> dt.date:
    return deadlines.local_date(moment)


def clear_monitoring() -> None:
    """Remove the seeded monitoring history (samples refer to each other, so the links go
    first)."""
    FollowUpNote.objects.all().delete()
    FollowUp.objects.all().delete()
    Result.objects.all().delete()
    Sample.co_samplers.through.objects.all().delete()
    Sample.objects.update(retest_of=None, confirms=None)
    Sample.objects.all().delete()
    PlanQuota.objects.all().delete()
    MonitoringPlan.objects.all().delete()
    MonthlySummary.objects.all().delete()
    SampleSequence.objects.all().delete()


def history() -> list:
    """The history by content (database ids differ between runs)."""
    return [
        list(Sample.objects.order_by("sample_no").values_list(
            "sample_no", "kind", "verdict", "producer__name", "product", "sampled_at",
            "completed_at", "lab__name", "sampler__username", "plan__name", "analytes")),
        list(Result.objects.order_by("sample__sample_no", "analyte").values_list(
            "sample__sample_no", "analyte", "value", "status")),
        list(FollowUp.objects.order_by("sample__sample_no").values_list(
            "sample__sample_no", "state", "closed_at")),
    ]


def test_it_holds_two_years_of_samples_of_every_kind(seeded):
    samples = Sample.objects.all()
    assert seeded["samples"] == samples.count() > 300
    first, last = (local(samples.order_by(o).first().sampled_at)
                   for o in ("sampled_at", "-sampled_at"))
    start = TODAY.replace(year=TODAY.year - MAX_YEARS)
    assert start <= first < start + dt.timedelta(days=30)
    assert TODAY - dt.timedelta(days=14) < last < TODAY
    assert set(samples.values_list("kind", flat=True)) == {"routine", "risk", "supervisory",
                                                           "rapid"}
    plans = set(MonitoringPlan.objects.values_list("level", "kind"))
    assert plans == {("city", "routine"), ("city", "risk"), ("district", "routine"),
                     ("district", "rapid")}
    assert MonitoringPlan.objects.filter(level="city", kind="routine").count() >= 8


def test_samples_are_taken_on_working_days_at_the_producers_plots(seeded):
    days = [local(at) for at in Sample.objects.filter(retest_of=None)
            .values_list("sampled_at", flat=True)]
    exceptions = dict(CalendarDay.objects.values_list("date", "working"))
    assert all(is_working_day(day, exceptions) for day in days)
    inside = 0
    samples = list(Sample.objects.filter(retest_of=None).select_related("plot", "producer"))
    for sample in samples:
        assert sample.plot.producer_id == sample.producer_id
        assert sample.results_due == local(sample.sampled_at) + dt.timedelta(days=10)
        assert (sample.district_id, sample.village_id) == (sample.producer.district_id,
                                                           sample.producer.village_id)
        if sample.location_check["inside_plot"]:
            inside += 1
            plot = Plot.objects.get(plot_no=sample.location_check["plot_no"])
            assert plot.producer_id == sample.producer_id
            # inside, or on the border (locate allows half a metre)
            assert shape(plot.geometry).distance(Point(sample.lon, sample.lat)) < 1e-5
    assert inside / len(samples) > 0.9


def test_products_are_foods_of_the_edition_in_force(seeded):
    in_force, foods, categories = {}, {}, {}
    for sample in Sample.objects.select_related("standard"):
        day = local(sample.sampled_at)
        if day not in in_force:
            in_force[day] = limits.standard_in_force(day)
        assert sample.standard == in_force[day]
        if sample.standard_id not in foods:
            foods[sample.standard_id] = set(limits.food_names(sample.standard))
        assert sample.product in foods[sample.standard_id]
        key = (sample.standard_id, sample.product)
        if key not in categories:
            categories[key] = limits.food_category(sample.standard, sample.product)
        assert sample.category == categories[key] != ""
    editions = set(Sample.objects.values_list("standard__version", flat=True))
    if TODAY > dt.date(2026, 3, 1) and TODAY.replace(year=TODAY.year - 2) < dt.date(2026, 3, 1):
        assert editions == {"2021", "2026"}


def test_a_few_percent_are_non_compliant(seeded):
    done = Sample.objects.exclude(verdict="incomplete")
    lab = done.exclude(kind="rapid")
    share = lab.filter(verdict="non_compliant").count() / lab.count()
    assert 0.01 <= share <= 0.10
    overall = done.filter(verdict="non_compliant").count() / done.count()
    assert 0.01 <= overall <= 0.10
    statuses = set(Result.objects.values_list("status", flat=True))
    assert {"not_detected", "compliant", "over_limit", "banned_detected", "negative"} <= statuses
    detected = Result.objects.exclude(value=None).count() / Result.objects.exclude(
        sample__kind="rapid").count()
    assert 0.02 < detected < 0.3  # most analytes are not detected


def test_every_judgement_is_the_engines(seeded):
    samples = Sample.objects.exclude(kind="rapid").exclude(verdict="incomplete")
    for sample in samples.select_related("standard").prefetch_related("results"):
        results = sorted(sample.results.all(), key=lambda r: r.pk)
        fresh = limits.judge_many(sample.standard, sample.product, [
            {"analyte": r.analyte, "value": r.value, "unit": r.unit, "lod": r.lod}
            for r in results])
        for result, judgement in zip(results, fresh, strict=True):
            assert (result.status, result.mrl, result.matched_food, result.standard,
                    result.basis) == (judgement["status"], judgement["mrl"],
                                      judgement["matched_food"], judgement["standard"],
                                      judgement["basis"]), sample.sample_no
        statuses = {r.analyte: r.status for r in results}
        verdict = ("non_compliant" if set(statuses.values()) & NON_COMPLIANT else
                   "compliant" if all(a in statuses for a in sample.analytes) else "incomplete")
        assert sample.verdict == verdict
        assert sample.completed_at and sample.received_at <= sample.completed_at


def test_rapid_tests_and_their_confirmations(seeded):
    rapid = Sample.objects.filter(kind="rapid").exclude(verdict="incomplete")
    assert rapid.exists()
    for sample in rapid.prefetch_related("results", "confirmations"):
        (result,) = sample.results.all()
        assert result.status == ("positive" if sample.verdict == "non_compliant"
                                 else "negative")
        assert sample.sampler.role == "town_officer" and sample.sampler.region == sample.town
        for confirmation in sample.confirmations.all():
            assert confirmation.kind != "rapid"
            assert confirmation.producer_id == sample.producer_id
            assert confirmation.sampled_at > sample.sampled_at


def test_samplers_have_the_right_role_lab_and_cards(seeded):
    for sample in Sample.objects.select_related("sampler", "plan", "retest_of"):
        day = local(sample.sampled_at)
        if sample.retest_of_id:
            assert sample.sampler.role == "district_officer"  # who asked for it
            assert sample.lab_id != sample.retest_of.lab_id
            assert sample.analytes and set(sample.analytes) <= set(sample.retest_of.analytes)
            continue
        assert sample.kind in services.SAMPLERS[sample.sampler.role]
        if sample.kind in ("routine", "risk"):
            assert sample.sampler.org_id == sample.lab_id == sample.plan.lab_id
            assert sample.plan.starts_on <= day <= sample.plan.ends_on
        if sample.kind == "supervisory":
            team = [sample.sampler, *sample.co_samplers.all()]
            assert len(team) == 2 and sample.plan is None
            assert all(p.enforcement_card_no and p.enforcement_card_valid_to >= day
                       for p in team)


def test_sample_numbers_are_unique_and_the_sequences_continue_them(seeded):
    serials = defaultdict(list)
    for sample in Sample.objects.select_related("producer"):
        assert re.fullmatch(r"\d{4}\d{6}[LJFK]\d{5}", sample.sample_no)
        prefix = (f"{local(sample.sampled_at).year}{sample.producer.district_id[:6]}"
                  f"{KIND_LETTER[sample.kind]}")
        assert sample.sample_no[:11] == prefix
        serials[prefix].append(int(sample.sample_no[11:]))
    sequences = dict(SampleSequence.objects.values_list("prefix", "last"))
    assert set(sequences) == set(serials)
    for prefix, numbers in serials.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1))  # unique, no gaps
        assert sequences[prefix] == max(numbers)
    # A real submission after the seed continues the series.
    prefix, last = max(sequences.items(), key=lambda item: item[1])
    kind = {v: k for k, v in KIND_LETTER.items()}[prefix[10]]
    at = timezone.make_aware(dt.datetime(int(prefix[:4]), 6, 1, 10))
    assert services._next_sample_no(prefix[4:10] + "000000", kind, at) == \
        f"{prefix}{last + 1:05d}"


def test_every_non_compliant_sample_is_followed_up(seeded):
    failed = Sample.objects.filter(verdict="non_compliant")
    assert failed.count() == FollowUp.objects.count() == seeded["follow_ups"] > 0
    for sample in failed.select_related("follow_up"):
        follow_up = sample.follow_up
        notes = list(follow_up.notes.all())
        assert notes[0].kind == "opened" and sample.sample_no in notes[0].text
        assert follow_up.opened_at == sample.completed_at
        assert follow_up.notified  # the district, the town and the grid were told
        assert [n.at for n in notes] == sorted(n.at for n in notes)
        if follow_up.state == "closed":
            assert notes[-1].kind == "closed" and follow_up.closed_at == notes[-1].at
        if follow_up.state == "proposed":
            assert any(n.kind == "proposed" for n in notes)
    states = set(FollowUp.objects.values_list("state", flat=True))
    assert "closed" in states
    assert Sample.objects.exclude(retest_of=None).exists()


def test_reports_and_monthly_summaries(seeded):
    completed = Sample.objects.exclude(completed_at=None)
    with_report = completed.exclude(report="")
    assert with_report.count() / completed.count() > 0.95
    sample = with_report.first()
    assert default_storage.open(sample.report.name).read().startswith(b"%PDF-")
    summaries = MonthlySummary.objects.all()
    assert summaries.count() == seeded["monthly_summaries"] > 0
    on_time = [s for s in summaries if s.submitted_at
               and local(s.submitted_at) <= deadlines.summary_due(s.month)]
    assert len(on_time) / summaries.count() > 0.8
    assert all(s.drafted_at and s.file and default_storage.exists(s.file.name)
               for s in summaries)
    latest = max(s.month for s in summaries)
    labs = set(Sample.objects.filter(completed_at__isnull=False).values_list("lab", flat=True))
    late_or_missing = [lab for lab in labs if not summaries.filter(
        lab=lab, month=latest, submitted_at__date__lte=deadlines.summary_due(latest)).exists()]
    assert late_or_missing  # the to-do list has a summary to chase


def test_the_history_is_not_audited_record_by_record(seeded):
    records = ["monitoring.monitoringplan", "monitoring.sample", "monitoring.followup",
               "monitoring.monthlysummary"]
    assert not AuditEntry.objects.filter(object_type__in=records).exists()
    run = AuditEntry.objects.get(action="seed.run")
    assert run.changes["after"]["samples"] == Sample.objects.count()


def test_the_same_seed_gives_the_same_history(seeded):
    before = history()
    clear_monitoring()
    with override_settings(PASSWORD_HASHERS=FAST):
        seed_monitoring(years=3, seed=SEED, today=TODAY)
    assert history() == before
