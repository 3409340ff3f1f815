"""The day's files for publication systems: the penalty decisions published that day in
the 双公示 行政处罚 layout, and the day's grade changes, as CSV and XLSX alike."""

import hashlib

import pytest
from django.core.files.storage import default_storage

from nongan.core.models import AuditEntry
from nongan.credit.publication import GRADE_HEADERS, PENALTY_HEADERS

from .publication_factories import as_dicts, firm_decision, generate, penalise, read


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_published_decision_is_a_row_of_the_penalty_file(world):
    side = world.pudong
    case, notice = firm_decision(side)
    done, created = generate()
    assert created and (done.penalties, done.withdrawals, done.corrections) == (1, 0, 0)
    rows = read(done, "penalties.csv")
    assert rows[0] == PENALTY_HEADERS
    [row] = as_dicts(rows)
    content = notice.content
    assert row["行政相对人名称"] == "pudong合作社"
    assert row["行政相对人类别"] == "法人及非法人组织"
    assert row["行政相对人代码_1(统一社会信用代码)"] == side.the_producer.uscc
    assert row["法定代表人"] == "张*"  # as the published notice shows it
    assert row["证件类型"] == row["证件号码"] == ""
    assert row["行政处罚决定书文号"] == content["doc_no"] and row["行政处罚决定书文号"]
    assert row["违法事实"] == content["facts"]
    assert row["处罚依据"] == "《中华人民共和国农产品质量安全法》第七十一条"
    assert row["违法行为类型"]  # the article's violation
    assert row["处罚类别"] == "警告；罚款"
    assert row["罚款金额（万元）"] == "5.000000"
    assert row["处罚决定日期"] == case.decided_on.isoformat()
    assert row["公示截止期"] == row["处罚有效期"] == notice.display_until.isoformat()
    assert row["处罚机关"] == row["数据来源单位"] == "上海市浦东新区农业农村委员会"
    assert row["备注"] == ""
    assert as_dicts(read(done, "penalties.xlsx")) == as_dicts(rows)


def test_a_grade_change_is_a_row_of_the_grades_file(world):
    side = world.pudong
    penalise(side.the_producer, "浦农罚〔2026〕1号 使用禁用农药")
    done, _ = generate()
    rows = read(done, "grades.csv")
    assert rows[0] == GRADE_HEADERS
    [row] = as_dicts(rows)
    assert (row["主体名称"], row["统一社会信用代码"]) == ("pudong合作社", side.the_producer.uscc)
    assert (row["原信用等级"], row["信用等级"], row["信用分"]) == ("B 基本守信", "C 失信", "70")
    assert row["评定依据"].startswith("信用事件；行政处罚：浦农罚〔2026〕1号 使用禁用农药")
    assert row["评定单位"] == "上海市农业农村委员会"
    assert as_dicts(read(done, "grades.xlsx")) == as_dicts(rows)


def test_the_files_are_kept_with_their_checksums_and_the_run_audited(world):
    firm_decision(world.pudong)
    done, _ = generate()
    assert set(done.files) == {"penalties.csv", "penalties.xlsx", "grades.csv", "grades.xlsx"}
    for stored in done.files.values():
        with default_storage.open(stored["path"], "rb") as handle:
            data = handle.read()
        assert hashlib.sha256(data).hexdigest() == stored["sha256"]
        assert len(data) == stored["size"]
    entry = AuditEntry.objects.get(action="credit.publish")
    assert entry.changes["after"]["published"] == 1 and entry.region_code == "310000000000"


def test_a_day_without_events_has_files_with_headings_only(world):
    done, _ = generate()
    assert read(done, "penalties.csv") == [PENALTY_HEADERS]
    assert read(done, "grades.csv") == [GRADE_HEADERS]
