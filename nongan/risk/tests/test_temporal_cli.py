"""`nongan risk detect --method farrington|ears SERIES.csv`: CSV period,observed,upper,alarm
from the first month with three years and the window before it, and a Chinese message
naming the line and the field for every bad row."""

import io

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from nongan.risk import cli_detect
from nongan.risk.methods.temporal import ears, farrington_flexible


def months(n, start=(2020, 1)):
    year, month = start
    return [f"{year + (month - 1 + i) // 12}-{(month - 1 + i) % 12 + 1:02d}" for i in range(n)]


def series_csv(counts, totals=None, start=(2020, 1)):
    header = "period,count" + (",total" if totals is not None else "")
    rows = [f"{p},{c}" + (f",{t}" if totals is not None else "")
            for p, c, t in zip(months(len(counts), start), counts,
                               totals if totals is not None else counts, strict=True)]
    return "\n".join([header, *rows]) + "\n"


def detect(tmp_path, text, *arguments):
    """Parse the arguments as the `risk detect` subcommand does and run it; the output."""
    path = tmp_path / "series.csv"
    path.write_text(text, encoding="utf-8")
    parser = CommandParser(called_from_command_line=False)
    cli_detect.add_arguments(parser)
    out = io.StringIO()
    cli_detect.run(vars(parser.parse_args([str(path), *arguments])), out)
    return out.getvalue()


def sample_series(n=48, seed=3):
    rng = np.random.default_rng(seed)
    totals = rng.integers(20, 60, n)
    counts = rng.binomial(totals, 0.08)
    counts[-2], counts[-1] = 20, 1  # an outbreak, then a quiet month
    return counts.tolist(), totals.tolist()


def test_farrington_output_from_the_fortieth_month(tmp_path):
    counts, totals = sample_series()
    lines = detect(tmp_path, series_csv(counts, totals)).splitlines()
    assert lines[0] == "period,observed,upper,alarm"
    assert [line.split(",")[0] for line in lines[1:]] == months(48)[39:]  # 2023-04 on
    expected = farrington_flexible(counts, totals)
    for line, d in zip(lines[1:], expected, strict=True):
        period, observed, upper, alarm = line.split(",")
        assert int(observed) == d.observed and alarm == str(int(d.alarm))
        assert upper == f"{d.upper:.6f}"
    assert lines[-2].endswith(",1") and lines[-1].endswith(",0")


def test_ears_on_the_same_periods(tmp_path):
    counts, totals = sample_series()
    lines = detect(tmp_path, series_csv(counts, totals), "--method", "ears").splitlines()
    assert [line.split(",")[0] for line in lines[1:]] == months(48)[39:]
    expected = ears(counts, method="C3", indices=range(39, 48))
    assert [line.split(",")[2] for line in lines[1:]] == [f"{d.upper:.6f}" for d in expected]
    c1 = detect(tmp_path, series_csv(counts), "--method", "ears", "--variant", "C1",
                "--alpha", "0.05").splitlines()
    expected = ears(counts, method="C1", alpha=0.05, indices=range(39, 48))
    assert [line.split(",")[3] for line in c1[1:]] == [str(int(d.alarm)) for d in expected]


def test_parameters_change_the_history_needed(tmp_path):
    counts, totals = sample_series(30)
    assert detect(tmp_path, series_csv(counts, totals)) == "period,observed,upper,alarm\n"
    lines = detect(tmp_path, series_csv(counts, totals), "--b", "2", "--w", "1").splitlines()
    assert lines[1].startswith(months(30)[25] + ",")


def test_without_totals_there_is_no_offset(tmp_path):
    counts, totals = sample_series()
    with_totals = detect(tmp_path, series_csv(counts, totals))
    without = detect(tmp_path, series_csv(counts))
    assert with_totals != without
    assert without.splitlines()[1].split(",")[2] == f"{farrington_flexible(counts)[0].upper:.6f}"


def test_the_management_command(tmp_path):
    counts, totals = sample_series()
    path = tmp_path / "series.csv"
    path.write_text(series_csv(counts, totals), encoding="utf-8")
    out = io.StringIO()
    call_command("risk", "detect", str(path), "--method", "farrington", stdout=out)
    assert out.getvalue() == detect(tmp_path, series_csv(counts, totals))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda rows: ["period;count;total", *rows[1:]], "第 1 行（表头）"),
        (lambda rows: [rows[0], "2020/01,1,10", *rows[2:]], "第 2 行 period 字段"),
        (lambda rows: [*rows[:3], "2020-13,1,10", *rows[4:]], "第 4 行 period 字段"),
        (lambda rows: [*rows[:4], rows[3], *rows[5:]], "第 5 行 period 字段：2020-03 与上一行重复"),
        (lambda rows: [*rows[:4], *rows[5:]], "第 5 行 period 字段：2020-05 不连续，应为 2020-04"),
        (lambda rows: [*rows[:5], "2020-05,-1,10", *rows[6:]], "第 6 行 count 字段"),
        (lambda rows: [*rows[:5], "2020-05,1.5,10", *rows[6:]], "第 6 行 count 字段"),
        (lambda rows: [*rows[:6], "2020-06,3,", *rows[7:]], "第 7 行 total 字段"),
        (lambda rows: [*rows[:6], "2020-06,3,2", *rows[7:]], "第 7 行 total 字段：样本数 2 小于不合格数 3"),
        (lambda rows: [*rows[:6], "2020-06,3", *rows[7:]], "第 7 行：应有 3 个字段"),
        (lambda rows: rows[:1], "没有数据行"),
        (lambda rows: [], "文件为空"),
    ],
)
def test_bad_rows_are_named_in_chinese(tmp_path, change, message):
    counts, totals = sample_series()
    rows = series_csv(counts, totals).splitlines()
    with pytest.raises(CommandError) as raised:
        detect(tmp_path, "\n".join(change(rows)) + "\n")
    assert message in str(raised.value)


def test_a_missing_file(tmp_path):
    parser = CommandParser(called_from_command_line=False)
    cli_detect.add_arguments(parser)
    options = vars(parser.parse_args([str(tmp_path / "none.csv")]))
    with pytest.raises(CommandError, match="无法读取文件"):
        cli_detect.run(options, io.StringIO())
