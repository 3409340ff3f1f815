"""Lists of what is due (待办) gathered from several kinds of record, counted and paged by
the database: a city's lists run to tens of thousands of items, and the to-do page shows
50 of each list and how many are late.

Each kind is a queryset ordered so that the due dates of its items never go down; the
database counts its rows and its late rows, and a page reads the first offset + limit rows
of each kind and merges them (the page lies among them, as in standing.reminder_page), so
that only those rows become items. The whole list is the same merge without a limit."""

import heapq
from itertools import islice
from operator import itemgetter

from django.db.models import Count, Value

from nongan.core.listing import page_numbers, page_result


class _List:
    """A page of a list from its `counts()` (items, late items) and its `first(n)` items."""

    def page(self, page=1, page_size=None) -> dict:
        """One page as `core.listing.page_of` gives it, with "late": the late items of
        the whole list."""
        page, page_size = page_numbers(page, page_size)
        count, late = self.counts()
        start = (page - 1) * page_size
        items = self.between(start, start + page_size) if start < count else []
        return page_result(items, count, page, page_size) | {"late": late}

    def between(self, start: int, stop: int) -> list[dict]:
        return self.first(stop)[start:]


class Kind(_List):
    """One kind of item: `rows` (a queryset) in an order in which the due dates of the
    items `build(rows)` makes of them (a list of dicts, one per row) never go down; `late`
    (a Q) the rows whose item is late, due before today (True: every row is, False: none
    is)."""

    def __init__(self, rows, build, late=True):
        self.rows, self.build, self.late = rows, build, late
        self._counts = None

    def counts(self) -> tuple[int, int]:
        """(items, late items)."""
        if self._counts is None:
            count_together([self])
        return self._counts

    def tally(self, index: int):
        """Its counts as a row of a statement counting several kinds: (index, items, late)."""
        late = (Count("pk", filter=self.late) if not isinstance(self.late, bool)
                else Count("pk") if self.late else Value(0))
        return (self.rows.order_by().values(tally_of=Value(index))
                .annotate(tally_items=Count("pk"), tally_late=late))

    def first(self, n: int | None) -> list[dict]:
        """The items of the first `n` rows (all of them when None)."""
        if self._counts is not None and not self._counts[0]:
            return []  # counted empty: no query for its rows
        return self.build(list(self.rows if n is None else self.rows[:n]))

    def between(self, start: int, stop: int) -> list[dict]:
        return self.build(list(self.rows[start:stop]))  # one kind alone: an OFFSET


class Listed(_List):
    """A kind already built in Python (a handful of items, in order), with how many of
    them are late."""

    def __init__(self, items: list[dict], late: int):
        self.items, self.late = items, late

    def counts(self) -> tuple[int, int]:
        return len(self.items), self.late

    def first(self, n: int | None) -> list[dict]:
        return self.items[:n]


class Merged(_List):
    """Kinds (`Kind`, `Listed` or `Merged`) merged in the order of `key` over their items
    (by default their "due" date); on equal keys the kinds keep the order they are given in (heapq.merge is stable).
    `build`, when given, makes the merged items into another list's (a list in, a list
    out), so that a merged list can be a kind of a larger one."""

    def __init__(self, kinds, key=itemgetter("due"), build=None):
        self.kinds, self.key, self.build = list(kinds), key, build

    def counts(self) -> tuple[int, int]:
        count_together(self.leaves())
        counted = [kind.counts() for kind in self.kinds]
        return sum(n for n, _ in counted), sum(late for _, late in counted)

    def leaves(self) -> list:
        return [leaf for kind in self.kinds
                for leaf in (kind.leaves() if isinstance(kind, Merged) else [kind])]

    def first(self, n: int | None) -> list[dict]:
        items = list(islice(heapq.merge(*(kind.first(n) for kind in self.kinds),
                                        key=self.key), n))
        return self.build(items) if self.build else items


def count_together(kinds) -> None:
    """Count those of `kinds` not yet counted in one statement (a UNION ALL of their
    counts): a dozen round trips to the database cost more than their counting."""
    waiting = [kind for kind in kinds if isinstance(kind, Kind) and kind._counts is None]
    if not waiting:
        return
    for kind in waiting:
        kind._counts = (0, 0)  # a kind the user may see none of (none()) has no row
    tallies = [kind.tally(index) for index, kind in enumerate(waiting)]
    for row in tallies[0].union(*tallies[1:], all=True):
        waiting[row["tally_of"]]._counts = (row["tally_items"], row["tally_late"])
