"""What an indicator's computation answers: how many obligations fell due, how many were
met, and the records behind every one that was not (the points a district lost are traced to
them). Shared by the computations (`measures_*.py`) and the scoring (`scoring.py`).

Every computation follows one rule: an obligation counts once it is due — its deadline has
passed before `today` — or once it has been met early; what is not yet due costs nothing.
An obligation nobody owes (denominator 0) is fully achieved.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.urls import get_script_prefix, reverse
from django.utils import timezone

SHANGHAI = ZoneInfo("Asia/Shanghai")
CITY = "310000000000"
ONE = Decimal("1")


@dataclass(frozen=True)
class Miss:
    """One record that cost points: what it is (`label`), where to open it (`url`), why it
    counts against the district (`reason`, Chinese), and the record as model label and pk."""

    label: str
    url: str
    reason: str
    model: str
    pk: str

    def as_dict(self) -> dict:
        return {"label": self.label, "url": self.url, "reason": self.reason,
                "model": self.model, "pk": self.pk}


@dataclass
class Measurement:
    """`numerator` of `denominator` obligations met; `misses` are the others."""

    numerator: int = 0
    denominator: int = 0
    misses: list[Miss] = field(default_factory=list)

    @property
    def achieved(self) -> Decimal:
        if not self.denominator:
            return ONE
        return Decimal(self.numerator) / Decimal(self.denominator)

    def met(self, n: int = 1) -> None:
        self.numerator += n
        self.denominator += n

    def missed(self, miss: Miss) -> None:
        self.denominator += 1
        self.misses.append(miss)

    def add(self, miss: "Miss | None") -> None:
        """One obligation: met when `miss` is None, else missed for that record."""
        if miss is None:
            self.met()
        else:
            self.missed(miss)


def per_district(districts) -> dict[str, Measurement]:
    return {d.code: Measurement() for d in districts}


# A district's misses run to thousands of links and reverse() costs some 30 µs each: the
# URL of a record is reversed once per URL name and script prefix with a stand-in key,
# which each record's key then replaces (quoted as reverse() quotes it).
STAND_IN = "9182736450"


@functools.cache
def _pattern(name: str, prefix: str) -> str:
    return reverse(name, args=[STAND_IN])


def link(name: str, *args) -> str:
    if len(args) != 1:
        return reverse(name, args=args)
    return _pattern(name, get_script_prefix()).replace(
        STAND_IN, quote(str(args[0]), safe="!$&'()*+,;=~:@"))


def year_span(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def day_start(day: dt.date) -> dt.datetime:
    """Midnight starting `day` in Shanghai: the bound of a day's records, whatever the
    database's time zone."""
    return dt.datetime.combine(day, dt.time.min, tzinfo=SHANGHAI)


def local_day(moment: dt.datetime | None) -> dt.date | None:
    return timezone.localtime(moment, SHANGHAI).date() if moment else None


def late(what: str, due: dt.date, done: dt.date | None) -> str:
    """Why a deadline counts against the district: not met, or met how many days late."""
    if done is None:
        return f"{what}期限{due:%Y-%m-%d}已过，尚未完成"
    return f"{what}于{done:%Y-%m-%d}完成，期限{due:%Y-%m-%d}，逾期{(done - due).days}天"
