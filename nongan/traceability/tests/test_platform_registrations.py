"""The platform's list of producers: each row matched to the register becomes the
producer's registration (主体身份码, date, the name there, flagged when it differs)."""

from nongan.testing import make_producer
from nongan.traceability.models import TraceProducer

from .factories import PRODUCER_HEADINGS, csv_file, imported, producer_row, xlsx


def test_registrations_are_matched_by_credit_code_or_id_number(world):
    side = world.pudong
    grower = make_producer(side.village, kind="grower", name="钱七", legal_rep="钱七")
    rows = [producer_row(side.the_producer, "ZT-001"),
            producer_row(grower, "ZT-002", 主体名称="钱七（个人）", 统一社会信用代码=""),
            producer_row(world.chongming.the_producer, "ZT-003")]
    job = imported(side.district_officer, "producers", xlsx(PRODUCER_HEADINGS, rows, "主体.xlsx"))
    assert (job.status, job.matched, job.unmatched) == ("done", 2, 1), job.errors
    coop = TraceProducer.objects.get(producer=side.the_producer)
    assert (coop.code, coop.registered_on.isoformat(), coop.name_differs) == (
        "ZT-001", "2024-05-06", False)
    assert coop.industry == "种植业" and coop.trace_import == job
    person = TraceProducer.objects.get(producer=grower)
    assert person.name_differs and person.platform_name == "钱七（个人）"


def test_a_registration_sent_again_is_skipped_and_a_changed_one_updated(world):
    side = world.pudong
    row = producer_row(side.the_producer, "ZT-001")
    user = side.district_officer
    imported(user, "producers", csv_file(PRODUCER_HEADINGS, [row], "主体.csv"))
    again = imported(user, "producers", csv_file(PRODUCER_HEADINGS, [row], "主体.csv"))
    assert (again.matched, again.skipped) == (0, 1)
    moved = imported(user, "producers", csv_file(
        PRODUCER_HEADINGS, [row | {"联系电话": "021-58001234"}], "主体.csv"))
    assert (moved.matched, moved.skipped) == (1, 0)
    assert TraceProducer.objects.get().phone == "021-58001234"


def test_a_code_already_held_by_another_producer_is_a_row_error(world):
    side = world.pudong
    other = make_producer(side.village, name="另一合作社")
    imported(side.district_officer, "producers",
             csv_file(PRODUCER_HEADINGS, [producer_row(side.the_producer, "ZT-001")], "a.csv"))
    job = imported(side.district_officer, "producers",
                   csv_file(PRODUCER_HEADINGS, [producer_row(other, "ZT-001")], "a.csv"))
    assert job.errors == [{"row": 2, "column": "主体身份码",
                           "message": "该主体身份码已对应另一生产主体"}]
