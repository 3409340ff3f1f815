"""风险预警按期办结率 (offered by the registry, not in the shipped table): warnings of the
district closed within the table's number of days."""

from nongan.regions.models import Region
from nongan.risk.models import RiskWarning

from .factories import day, measure, moment


def _warning(district, key, issued, **fields):
    region = Region.objects.get(code=district)
    return RiskWarning.objects.create(
        key=key, level="yellow", kind="producer", region=region, district=region,
        explanation="测试预警", issued_at=issued, detected_at=issued, **fields)


def test_warnings_closed_within_the_days(world):
    pudong = world.pudong.district
    _warning(pudong, "a", moment(3, 1), status="closed", closed_at=moment(3, 20))
    late = _warning(pudong, "b", moment(4, 1), status="closed", closed_at=moment(6, 1))
    open_ = _warning(pudong, "c", moment(5, 1), status="acknowledged")
    _warning(world.chongming.district, "d", moment(5, 1))

    found = measure("warnings_closed", pudong, days=30)

    assert (found.numerator, found.denominator) == (1, 3)
    assert {m.pk: m.reason for m in found.misses} == {
        str(late.pk): f"办结预警于{day(6, 1)}完成，期限{day(5, 1)}，逾期31天",
        str(open_.pk): f"办结预警期限{day(5, 31)}已过，尚未完成"}
    assert measure("warnings_closed", pudong, days=90).numerator == 2
