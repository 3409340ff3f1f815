"""`nongan risk scan --model bernoulli LOCATIONS.csv`: the most likely cluster as JSON, and a
Chinese message naming the line and the field for every bad row (CONTRACT.md)."""

import io
import json
import math

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError, CommandParser

from nongan.risk import cli_scan

HEADER = "location,lon,lat,cases,total\n"
# The hand-checked map of test_spatial_scan_matches_kulldorff: {A} is the cluster.
MAP = HEADER + "A,121.0,31.0,5,10\nB,121.1,31.0,1,10\nC,121.3,31.0,2,20\n"


def scan(tmp_path, text, *arguments):
    """Parse the arguments as the `risk scan` subcommand does and run it; the JSON answer."""
    path = tmp_path / "locations.csv"
    path.write_text(text, encoding="utf-8")
    parser = CommandParser(called_from_command_line=False)
    cli_scan.add_arguments(parser)
    options = vars(parser.parse_args([str(path), *arguments]))
    out = io.StringIO()
    cli_scan.run(options, out)
    return json.loads(out.getvalue())


def test_the_cluster_as_json(tmp_path):
    answer = scan(tmp_path, MAP, "--model", "bernoulli", "--replications", "99",
                  "--random-seed", "4")
    by_hand = (10 * math.log(0.5) + 3 * math.log(0.1) + 27 * math.log(0.9)
               - 8 * math.log(0.2) - 32 * math.log(0.8))
    assert answer["members"] == ["A"] and abs(answer["llr"] - by_hand) < 1e-9
    assert 0 < answer["p_value"] <= 1 and answer["replications"] == 99
    assert (answer["center"], answer["cases"], answer["total"], answer["expected"]) == (
        "A", 5, 10, 2.0)
    assert answer["radius_km"] == 0 and answer["rate_inside"] == 0.5
    assert answer == scan(tmp_path, MAP, "--replications", "99", "--random-seed", "4")


def test_through_the_management_command(tmp_path):
    path = tmp_path / "towns.csv"
    path.write_text(MAP, encoding="utf-8")
    out = io.StringIO()
    call_command("risk", "scan", "--model", "bernoulli", str(path), "--replications", "19",
                 "--random-seed", "2", stdout=out)
    assert json.loads(out.getvalue()) == scan(tmp_path, MAP, "--replications", "19",
                                              "--random-seed", "2")
    path.write_text(MAP + "D,121.0,95,1,5\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第 5 行 lat：纬度须在 -90 至 90 之间"):
        call_command("risk", "scan", str(path))


def test_defaults_and_chinese_names(tmp_path):
    text = "\ufeff" + HEADER + "高桥镇,121.0,31.0,5,10\n合庆镇,121.1,31.0,1,10\n川沙新镇,121.3,31.0,2,20\n"
    answer = scan(tmp_path, text, "--random-seed", "1")
    assert answer["members"] == ["高桥镇"] and answer["replications"] == 999


def test_no_cluster(tmp_path):
    answer = scan(tmp_path, HEADER + "A,121.0,31.0,0,10\nB,121.1,31.0,0,10\n")
    assert answer == {"members": [], "llr": 0, "p_value": 1}


@pytest.mark.parametrize(("row", "field", "reason"), [
    ("D,east,31.0,1,5", "lon", "不是数字"),
    ("D,181,31.0,1,5", "lon", "经度须在 -180 至 180 之间"),
    ("D,nan,31.0,1,5", "lon", "经度"),
    ("D,121.0,-91,1,5", "lat", "纬度须在 -90 至 90 之间"),
    ("D,121.0,31.0,1.5,5", "cases", "不合格样品数须为非负整数"),
    ("D,121.0,31.0,-1,5", "cases", "不合格样品数须为非负整数"),
    ("D,121.0,31.0,6,5", "cases", "大于样品总数"),
    ("D,121.0,31.0,1,", "total", "样品总数须为非负整数"),
    ("D,121.0,31.0,1", "total", "样品总数须为非负整数"),
    (",121.0,31.0,1,5", "location", "地点不能为空"),
    ("B,121.0,31.0,1,5", "location", "与第 3 行重复"),
])
def test_a_bad_row_is_named_by_line_and_field(tmp_path, row, field, reason):
    with pytest.raises(CommandError) as error:
        scan(tmp_path, MAP + row + "\n")
    assert f"第 5 行 {field}：" in str(error.value) and reason in str(error.value)


@pytest.mark.parametrize(("text", "arguments", "message"), [
    ("location,lon,lat,total\nA,121,31,5\n", [], "第 1 行缺少列 cases"),
    (HEADER, [], "没有数据行"),
    (MAP, ["--replications", "-1"], "--replications 须为非负整数"),
    (MAP, ["--random-seed", "-3"], "--random-seed 须为非负整数"),
    (MAP, ["--model", "poisson"], "invalid choice"),
])
def test_bad_files_and_options(tmp_path, text, arguments, message):
    with pytest.raises(CommandError, match=message):
        scan(tmp_path, text, *arguments)


def test_a_missing_or_binary_file(tmp_path):
    with pytest.raises(CommandError, match="文件不存在"):
        cli_scan.run({"locations": tmp_path / "none.csv", "model": "bernoulli",
                      "replications": 9, "random_seed": None}, io.StringIO())
    path = tmp_path / "gbk.csv"
    path.write_bytes((HEADER + "高桥镇,121.0,31.0,5,10\n").encode("gbk"))
    with pytest.raises(CommandError, match="UTF-8"):
        cli_scan.run({"locations": path, "model": "bernoulli", "replications": 9,
                      "random_seed": None}, io.StringIO())
