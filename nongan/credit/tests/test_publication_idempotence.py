"""A day's file is generated once and never rewritten; what happens after it — a decision
published later that day, a withdrawal, a correction — goes into the next day's file."""

import datetime as dt

import pytest
from django.utils import timezone

from nongan.core.errors import Conflict, FieldErrors
from nongan.credit.models import CreditPublication
from nongan.enforcement.models import PenaltyNotice
from nongan.enforcement.services.cases import withdraw_notice

from .publication_factories import as_dicts, firm_decision, generate, read


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_day_generated_again_is_answered_as_it_was(world):
    firm_decision(world.pudong)
    first, created = generate()
    before = {n: f["sha256"] for n, f in first.files.items()}
    firm_decision(world.chongming)  # published after the file: not in it
    again, created_again = generate()
    assert created and not created_again and again.pk == first.pk
    assert {n: f["sha256"] for n, f in again.files.items()} == before
    assert again.penalties == 1 and len(read(again, "penalties.csv")) == 2
    # The late decision is in the next day's file, once.
    tomorrow, _ = generate(later=1)
    assert tomorrow.covers_from == first.covers_until
    [row] = as_dicts(read(tomorrow, "penalties.csv"))
    assert row["行政相对人名称"] == "chongming合作社"
    assert CreditPublication.objects.count() == 2


def test_a_withdrawal_after_the_file_is_a_row_of_the_next(world):
    side = world.pudong
    case, notice = firm_decision(side)
    generate()
    withdraw_notice(case, "经行政复议撤销", actor=side.district_officer)
    tomorrow, _ = generate(later=1)
    [row] = as_dicts(read(tomorrow, "penalties.csv"))
    assert row["备注"] == "撤销：经行政复议撤销"
    assert row["行政处罚决定书文号"] == notice.content["doc_no"]
    assert (tomorrow.penalties, tomorrow.withdrawals) == (0, 1)


def test_a_published_row_that_changes_is_sent_again_as_a_correction(world):
    case, notice = firm_decision(world.pudong)
    generate()
    later = notice.display_until + dt.timedelta(days=30)
    PenaltyNotice.objects.filter(pk=notice.pk).update(display_until=later)  # 公示期 extended
    tomorrow, _ = generate(later=1)
    [row] = as_dicts(read(tomorrow, "penalties.csv"))
    assert (row["备注"], row["公示截止期"]) == ("更正", later.isoformat())
    assert tomorrow.corrections == 1
    # Sent once: the day after, nothing more.
    after, _ = generate(later=2)
    assert after.corrections == 0 and len(read(after, "penalties.csv")) == 1


def test_an_earlier_day_than_one_generated_is_refused(world):
    generate(later=1)
    with pytest.raises(Conflict):
        generate()
    with pytest.raises(FieldErrors):
        generate(timezone.localdate() + dt.timedelta(days=5))


def test_a_day_missed_by_the_worker_is_taken_in_by_the_next_file(world):
    generate(later=-3)  # three days ago
    firm_decision(world.pudong)  # today
    today, _ = generate()
    assert today.penalties == 1
    assert today.covers_from == CreditPublication.objects.get(
        day=timezone.localdate() - dt.timedelta(days=3)).covers_until
