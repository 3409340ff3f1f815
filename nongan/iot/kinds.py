"""The shipped table of sensor kinds (`data/kinds.json`, explained in `data/README.md`): unit,
default thresholds and where they come from, the margin beyond a threshold that makes a
warning orange, physical bounds (a reading outside them is impossible: a broken probe, a
wrong unit), the default reporting interval and silence limit; and the clock limits of
ingestion. Environment variables `NONGAN_IOT_FUTURE_MINUTES` / `NONGAN_IOT_PAST_DAYS`
override the clock limits of a deployment."""

import json
import os
from functools import cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data" / "kinds.json"


@cache
def table() -> dict:
    return json.loads(DATA.read_text(encoding="utf-8"))


def kinds() -> dict[str, dict]:
    return table()["kinds"]


def kind(code: str) -> dict:
    return kinds()[code]


def choices() -> list[tuple[str, str]]:
    return [(code, k["label"]) for code, k in kinds().items()]


def label(code: str) -> str:
    return kinds().get(code, {}).get("label", code)


def orange_after() -> int:
    """Out of range for this many consecutive readings makes a warning orange."""
    return int(table()["orange_after_readings"])


def clock_limits() -> tuple[int, int]:
    """(minutes a reading may lie in the future, days it may lie in the past)."""
    clock = table()["clock"]
    return (int(os.environ.get("NONGAN_IOT_FUTURE_MINUTES") or clock["future_minutes"]),
            int(os.environ.get("NONGAN_IOT_PAST_DAYS") or clock["past_days"]))
