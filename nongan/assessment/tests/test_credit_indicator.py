"""信用档案更新率: the year's violations each carry their credit event."""

from nongan.credit.models import CreditEvent
from nongan.enforcement.tests.case_factories import failed_sample
from nongan.monitoring.models import Sample

from .factories import inspected, measure, moment


def test_a_violation_without_its_credit_event_costs_points(world):
    side = world.pudong
    sample = failed_sample(world, side, propose=False)
    Sample.objects.filter(pk=sample.pk).update(sampled_at=moment(6, 1))
    referred = inspected(side.the_producer, side.grid_worker, moment(5, 4), result="refer",
                         answers=[{"item": "records", "value": "no", "note": "无生产记录"}])
    inspected(side.the_producer, side.grid_worker, moment(5, 6))  # passed: no event owed
    assert CreditEvent.objects.filter(source=f"inspection:{referred.pk}").exists()
    assert measure("credit_files_updated", side.district).achieved == 1

    # A record entered around the feeders (an import, a failed write) leaves no event.
    CreditEvent.objects.filter(source=f"inspection:{referred.pk}").delete()
    found = measure("credit_files_updated", side.district)

    assert (found.numerator, found.denominator) == (1, 2)
    miss = found.misses[0]
    assert (miss.model, miss.pk, miss.url) == ("inspections.inspection", str(referred.pk),
                                               f"/inspections/{referred.pk}/")
    assert miss.reason == "信用档案缺少“巡查移交执法”事件"
    found = measure("credit_files_updated", side.district, sources=["sample_non_compliant"])
    assert (found.numerator, found.denominator) == (1, 1)
