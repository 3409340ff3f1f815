"""What an indicator's computation answers: how many obligations fell due, how many were
met, and the records behind every one that was not (the points a district lost are traced to
them). Shared by the computations (`measures_*.py`) and the scoring (`scoring.py`).

Every computation follows one rule: an obligation counts once it is due — its deadline has
passed before `today` — or once it has been met early; what is not yet due costs nothing.
An obligation nobody owes (denominator 0) is fully achieved.
"""

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.urls import get_script_prefix, reverse
from django.utils import timezone

from nongan.core.listing import page_numbers, page_result

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


# The misses of every run read the first time any of a list is asked: the first page of
# every indicator (20 on the page, 50 by the API) then costs no query of its own, so a
# page's queries do not grow with its size.
PREFETCH = 50


@dataclass(frozen=True)
class Stored:
    """`count` misses kept in the database: `fetch(offset, limit)` reads those asked, in
    order (`limit` None: to the end); `head`, the first of them once read ahead."""

    count: int
    fetch: Callable[[int, int | None], list]
    head: tuple = ()


class Misses(Sequence):
    """A measurement's misses in order (or rows made of them): those found in Python, and
    runs of them counted in the database and read only when asked (`Stored`). A district
    page shows twenty misses of an indicator that may have thousands; the first slice asked
    reads the first `ahead` of every run (one query a run), a slice past them reads just
    its own, and iterating reads every run once. Counting them reads nothing."""

    def __init__(self, ahead: int = PREFETCH):
        self.parts: list[list | Stored] = []
        self.ahead = ahead
        self.read_ahead = False

    def append(self, miss: Miss) -> None:
        if not self.parts or isinstance(self.parts[-1], Stored):
            self.parts.append([])
        self.parts[-1].append(miss)

    def stored(self, count: int, fetch) -> None:
        if count:
            self.parts.append(Stored(count, fetch))

    def __len__(self) -> int:
        return sum(len(part) if isinstance(part, list) else part.count for part in self.parts)

    def __iter__(self):
        for part in self.parts:
            yield from part if isinstance(part, list) else part.fetch(0, None)

    def __getitem__(self, index):
        if isinstance(index, slice):
            start, stop, step = index.indices(len(self))
            if step != 1:
                return list(self)[index]
            return self._between(start, stop)
        found = self._between(index if index >= 0 else len(self) + index, None, one=True)
        if not found:
            raise IndexError(index)
        return found[0]

    def page(self, page, page_size) -> dict:
        """One page of the misses, as `core.listing.page_of` pages a list."""
        page, page_size = page_numbers(page, page_size)
        start = (page - 1) * page_size
        return page_result(self[start:start + page_size], len(self), page, page_size)

    def _between(self, start: int, stop: int | None, one: bool = False) -> list:
        """The misses from `start` to `stop` (or the one at `start`)."""
        if not self.read_ahead:
            self.read_ahead = True
            self.parts = [Stored(part.count, part.fetch, tuple(part.fetch(0, self.ahead)))
                          if isinstance(part, Stored) and self.ahead else part
                          for part in self.parts]
        stop = start + 1 if one else stop
        found, offset = [], 0
        for part in self.parts:
            size = len(part) if isinstance(part, list) else part.count
            low, high = max(start - offset, 0), min(stop - offset, size)
            if low < high:
                found += (part[low:high] if isinstance(part, list)
                          else list(part.head[low:high]) if high <= len(part.head)
                          else part.fetch(low, high - low))
            offset += size
            if offset >= stop:
                break
        return found


@dataclass
class Measurement:
    """`numerator` of `denominator` obligations met; `misses` are the others."""

    numerator: int = 0
    denominator: int = 0
    misses: Misses = field(default_factory=Misses)

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

    def missed_stored(self, count: int, fetch) -> None:
        """`count` obligations missed, their misses read from the database when asked."""
        self.denominator += count
        self.misses.stored(count, fetch)

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
