"""样品按期检测率, 检测报告按期上传率 and 月度汇总表按期上传率 on hand-counted samples."""

from django.utils import timezone

from nongan.monitoring.models import MonthlySummary

from .factories import day, lab_sample, measure, moment


def _samples(world):
    producer = world.pudong.the_producer
    return {
        "on_time": lab_sample(world.lab, producer, moment(3, 1), completed_at=moment(3, 10),
                              report_uploaded_at=moment(3, 11, 20)),
        "late": lab_sample(world.lab, producer, moment(3, 5), completed_at=moment(3, 20)),
        "open": lab_sample(world.lab, producer, moment(4, 1)),
        "rapid": lab_sample(world.lab, producer, moment(4, 2), kind="rapid"),
        "other_lab": lab_sample(world.lab2, producer, moment(3, 18), completed_at=moment(3, 28),
                                report_uploaded_at=moment(3, 28)),
    }


def test_tests_within_ten_days(world):
    s = _samples(world)
    found = measure("samples_tested_on_time", world.pudong.district)
    assert (found.numerator, found.denominator) == (2, 4)  # the rapid test is no lab test
    assert {m.pk: m.reason for m in found.misses} == {
        str(s["late"].pk): f"检测于{day(3, 20)}完成，期限{day(3, 15)}，逾期5天",
        str(s["open"].pk): f"检测期限{day(4, 11)}已过，尚未完成"}
    assert found.misses[0].url == f"/samples/{s['late'].sample_no}/"
    assert measure("samples_tested_on_time", world.pudong.district,
                   kinds=["rapid"]).denominator == 1


def test_reports_by_the_same_deadline(world):
    s = _samples(world)
    found = measure("reports_uploaded_on_time", world.pudong.district)
    assert (found.numerator, found.denominator) == (2, 4)
    assert {m.pk for m in found.misses} == {str(s["late"].pk), str(s["open"].pk)}


def test_monthly_summaries_of_the_labs_testing_the_district(world):
    _samples(world)
    # lab: results of 10 and 20 March → the March summary, due 25 March, submitted on time;
    # lab2: a result of 28 March → the April summary, never submitted.
    MonthlySummary.objects.create(lab=world.lab.org, month=day(3, 1), drafted_at=timezone.now(),
                                  submitted_at=moment(3, 24))
    found = measure("monthly_summaries_on_time", world.pudong.district)
    assert (found.numerator, found.denominator) == (1, 2)
    miss = found.misses[0]
    assert miss.label == f"{world.lab2.org.name} {day(4, 1):%Y年%m月}检测汇总表"
    assert miss.reason == f"汇总表上传期限{day(4, 25)}已过，尚未完成"
    assert miss.url == "/summaries/"
    # Chongming's samples were tested by nobody: it owes no summary.
    assert measure("monthly_summaries_on_time", world.chongming.district).denominator == 0
