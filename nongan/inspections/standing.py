"""巡查频次 worked out by the database (`Standing`): every producer's status in each
obligation window of `schedules`, counted, filtered, ordered and paged in SQL, so that the
schedule, to-do, dashboard and assessment pages read one page of producers and the sums,
never the whole list. `schedules` holds the rules and their Python reading, which
test_statuses_in_sql.py holds this one to."""

import datetime as dt
import heapq
from collections import namedtuple
from itertools import islice

from django.db import connection
from django.db.models import Count, Q

from nongan.core.listing import page_numbers, page_result
from nongan.core.scoping import visible
from nongan.producers.models import Certification, Producer
from nongan.regions.models import Grid, Region

from .models import ChecklistTemplate, Inspection
from .schedules import (
    ANNUAL,
    COUNTING_STATUSES,
    GRADE_MONTHLY,
    GRADE_QUARTERLY,
    GRADE_RULES,
    MONTHLY,
    QUARTERLY,
    STATUS_OF_RANK,
    STATUS_ORDER,
    _area,
    _aware,
    _by_area,
    _check_by,
    _inspection_items,
    _order_item,
    _overdue_orders,
    _place,
    _reminder_order,
    _reminder_windows,
    _row,
    per_producer,
    shanghai_today,
    slots_of,
    windows_between,
)

# --- statuses in the database ------------------------------------------------------------
# The pages show one page of producers, counts by status and sums per area. Working out
# every producer's rows in Python for them cost about 100 µs a producer (3 s for the
# city's 30,000). The database answers the status of each producer's obligations instead —
# one grouped pass over the span's inspections, certificates and samples — so that the
# database can count, filter, order and page them, and only a page's producers come back.
# test_statuses_in_sql.py holds `_owed_sql` to `_owes` on every edge of the rules.


def _between(field: str, first: dt.date, last: dt.date) -> Q:
    """`field` (a moment) on a Shanghai day from `first` to `last`."""
    return Q(**{f"{field}__gte": _aware(first),
                f"{field}__lt": _aware(last + dt.timedelta(days=1))})


class _Counts:
    """The per-producer counts the statuses read, as columns of grouped queries joined by
    producer: one query per table (inspections of any checklist, of the annual checklists,
    certificates, samples) over the days its columns need, one column per condition.
    `visits_span` (first, last day): the days the inspections of any checklist are read
    for, when known before the columns are asked for."""

    def __init__(self, scope, today: dt.date, visits_span=None):
        self.scope, self.today, self.visits_span = scope, today, visits_span
        self.tables: dict = {}
        self.checklists: dict = {}

    def _table(self, key, model, field=None) -> dict:
        if key not in self.tables:
            self.tables[key] = {"alias": f"t{len(self.tables)}", "model": model,
                                "field": field, "columns": {}, "span": None, "kinds": set()}
        return self.tables[key]

    @staticmethod
    def _count(table: dict, key, condition: Q) -> str:
        columns = table["columns"]
        if key not in columns:
            columns[key] = (f"n{len(columns)}", condition)
        return f"COALESCE({table['alias']}.{columns[key][0]}, 0)"

    def _during(self, table: dict, window, condition=None) -> str:
        span = table["span"] or window
        table["span"] = (min(span[0], window[0]), max(span[1], window[1]))
        return self._count(table, (window, condition),
                           _between(table["field"], *window) & (condition or Q()))

    def _checklists(self, template_kinds) -> Q:
        """The inspections on checklists of `template_kinds`, by the checklists' keys: by
        kind (a join), PostgreSQL guesses two in five of a year's inspections and reads
        them all; by key it knows from the column's statistics how few they are and finds
        them by `inspection_checklist_idx`."""
        key = tuple(sorted(template_kinds))
        if key not in self.checklists:
            self.checklists[key] = sorted(ChecklistTemplate.objects.filter(
                kind__in=key).values_list("pk", flat=True))
        found = self.checklists[key]
        return Q(template__in=found) if found else Q(template__kind__in=key)

    def visits(self, window, template_kinds) -> str:
        if template_kinds is None:
            return self._during(self._table("visits", Inspection, "finished_at"), window)
        kinds = self._checklists(template_kinds)
        span = self.visits_span
        if span and span[0] <= window[0] and window[1] <= span[1]:
            # Inside the days every inspection is read for: counted in the same pass.
            return self._during(self._table("visits", Inspection, "finished_at"), window,
                                kinds)
        # Else the checklists of a kind (the annual ones) have a table of their own: the
        # year they span is read for them alone, not for every inspection of it.
        table = self._table("visits of kinds", Inspection, "finished_at")
        table["kinds"] |= set(template_kinds)
        return self._during(table, window, kinds)

    def samples(self, window) -> str:
        from nongan.monitoring.models import Sample

        return self._during(self._table("samples", Sample, "sampled_at"), window)

    def certified(self, kinds, window) -> str:
        """Like `_rows`' certified(): the status counts only from the current window on."""
        current = window[1] >= self.today
        return self.overlapping(kinds, window, COUNTING_STATUSES if current else None)

    def overlapping(self, kinds, window, statuses=None) -> str:
        condition = Q(kind__in=kinds, valid_from__lte=window[1], valid_to__gte=window[0])
        if statuses:
            condition &= Q(status__in=statuses)
        return self._count(self._table("certificates", Certification),
                           (kinds, window, statuses), condition) + " > 0"

    def joins(self) -> tuple[str, list]:
        sql, params = [], []
        for table in self.tables.values():
            columns = table["columns"].values()
            where = self._checklists(table["kinds"]) if table["kinds"] else Q()
            if table["span"]:
                where &= _between(table["field"], *table["span"])
            else:
                anywhere = Q()
                for _name, condition in columns:
                    anywhere |= condition
                where &= anywhere
            # Restricted to the producers asked for: a district's are a fifth of the city's.
            grouped = (table["model"].objects.filter(where, producer__in=self.scope).order_by()
                       .values("producer_id")
                       .annotate(**{name: Count("pk", filter=condition)
                                    for name, condition in columns}))
            inner, inner_params = grouped.query.sql_with_params()
            alias = table["alias"]
            sql.append(f"LEFT JOIN ({inner}) {alias} ON {alias}.producer_id = p.id")
            params += inner_params
        return " ".join(sql), params


def _owed_sql(slot, counts: _Counts) -> tuple[str, list]:
    """`_owes` as SQL over the producer `p` and the counts."""
    rule, window = slot.rule, slot.window
    if rule is QUARTERLY:
        return "p.is_scale", []
    certified = counts.certified(MONTHLY["certification_kinds"], window)
    if rule is MONTHLY:
        return certified, []
    if rule is ANNUAL:
        return counts.certified((slot.certification,), window), []
    grade = f"p.credit_grade IN ({', '.join(['%s'] * len(rule['grades']))})"
    if rule is GRADE_QUARTERLY:
        return f"{grade} AND NOT p.is_scale", list(rule["grades"])
    if rule is GRADE_MONTHLY:
        return f"{grade} AND NOT ({certified})", list(rule["grades"])
    return grade, list(rule["grades"])


def _producer_sql(producers_qs, slots, today: dt.date, owing_in=None) -> tuple[str, list]:
    """One row per producer of `producers_qs`: its `Standing.FIELDS`, then per slot its
    status rank (st0, st1, …: STATUS_ORDER, NULL when not owed), then per slot the visits
    or samples counted (dn0, dn1, …). With `owing_in` (first, last day), only those
    `owing` would keep."""
    every = [s.window for s in slots
             if s.template_kinds is None and s.rule.get("counts") != "samples"]
    counts = _Counts(producers_qs.order_by().values("pk"), today,
                     (min(w[0] for w in every), max(w[1] for w in every)) if every else None)
    statuses, done_columns, params = [], [], []
    for i, slot in enumerate(slots):
        owed, owed_params = _owed_sql(slot, counts)
        done = (counts.samples(slot.window) if slot.rule.get("counts") == "samples"
                else counts.visits(slot.window, slot.template_kinds))
        late = STATUS_ORDER["overdue" if slot.window[1] < today else "due"]
        statuses.append(f"CASE WHEN {owed} THEN CASE WHEN {done} >= {int(slot.rule['times'])} "
                        f"THEN {STATUS_ORDER['done']} ELSE {late} END END AS st{i}")
        done_columns.append(f"{done} AS dn{i}")
        params += owed_params
    columns = statuses + done_columns
    where, where_params = "", []
    if owing_in:
        grades = sorted({g for rule in GRADE_RULES for g in rule["grades"]})
        where = (f"WHERE p.is_scale OR p.credit_grade IN ({', '.join(['%s'] * len(grades))}) "
                 f"OR {counts.overlapping(MONTHLY['certification_kinds'], owing_in)}")
        where_params = grades
    joins, join_params = counts.joins()
    # The producers' own query is the table the counts join: its filters apply as it is
    # read, instead of a lookup of every producer in it.
    scope, scope_params = (producers_qs.order_by()
                           .values(*Standing.ATTNAMES, "is_scale", "credit_grade")
                           .query.sql_with_params())
    fields = ", ".join(f"p.{name}" for name in Standing.ATTNAMES)
    sql = f"SELECT {fields}, {', '.join(columns)} FROM ({scope}) p {joins} {where}"
    return sql, params + list(scope_params) + join_params + where_params


def fenced(sql: str) -> str:
    """`sql` as a subquery the database computes once: merged into the query around it,
    each column would be worked out again wherever the outer query names it."""
    return sql + (" LIMIT -1 OFFSET 0" if connection.vendor == "sqlite" else " OFFSET 0")


class Standing:
    """Where the producers of `producers_qs` stand in the obligations of `windows`, worked
    out by the database: per producer the number of its obligations done, due and overdue,
    its worst status and the first deadline it has not met."""

    # What the pages read of a producer, in the model's order (as Model.from_db takes them).
    FIELDS = tuple(f.name for f in Producer._meta.concrete_fields
                   if f.name in ("id", "name", "grid", "town", "district"))
    ATTNAMES = [Producer._meta.get_field(name).attname for name in FIELDS]
    Record = namedtuple("Record", "producer statuses done n_done n_due n_overdue due_by worst")

    def __init__(self, producers_qs, windows: dict, today: dt.date, obligations=None,
                 owing_in=None):
        self.today = today
        self.slots = [s for s in slots_of(windows, today)
                      if obligations is None or s.rule["obligation"] in obligations]
        # Deadlines in order: a producer's first unmet one is the first in this list.
        self.deadlines = sorted({s.window[1] for s in self.slots})
        self.empty = not self.slots or producers_qs.query.is_empty()
        if not self.empty:
            self.sql, self.params = _producer_sql(producers_qs, self.slots, today, owing_in)

    def _summed(self) -> tuple[str, list]:
        """Per producer owing anything: the columns of `_producer_sql`, then n_done, n_due,
        n_overdue (its obligations of each status), due_by (the index in `deadlines` of its
        first unmet one) and worst (its worst status, STATUS_ORDER)."""
        def how_many(rank):
            return " + ".join(f"CASE WHEN st{i} = {rank} THEN 1 ELSE 0 END"
                              for i in range(len(self.slots)))
        unmet = " ".join(
            "WHEN " + " OR ".join(f"st{i} > 0" for i, slot in enumerate(self.slots)
                                  if slot.window[1] == day) + f" THEN {n}"
            for n, day in enumerate(self.deadlines))
        ranks = STATUS_ORDER
        counted = (f"SELECT b.*, {how_many(ranks['done'])} AS n_done, "
                   f"{how_many(ranks['due'])} AS n_due, {how_many(ranks['overdue'])} AS n_overdue,"
                   f" CASE {unmet} END AS due_by FROM ({fenced(self.sql)}) b")
        sql = (f"SELECT x.*, CASE WHEN n_overdue > 0 THEN {ranks['overdue']} "
               f"WHEN n_due > 0 THEN {ranks['due']} ELSE {ranks['done']} END AS worst "
               f"FROM ({fenced(counted)}) x WHERE n_done + n_due + n_overdue > 0")
        return sql, self.params

    def fetch(self, order: str = "", where: str = "", params=(), offset=0, limit=None,
              by: str | None = None) -> tuple[list, list]:
        """In one statement (the statuses worked out once): the producers owing anything
        (those with `where`, over the columns of `_summed`) ordered by `order`, from
        `offset` (none without `order`), one `Standing.Record` each; and per area (`by`:
        grid, town or district; all in one when None) and worst status: (area, worst,
        producers, obligations done, due, overdue)."""
        if self.empty:
            return [], []
        summed, summed_params = self._summed()
        n = len(self.slots)
        parts = []
        if order:
            rows = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
            parts.append(f"SELECT 0 AS part, ROW_NUMBER() OVER (ORDER BY {order}) AS rn, a.* "
                         f"FROM (SELECT * FROM y {'WHERE ' + where if where else ''} "
                         f"ORDER BY {order}{rows}) a")
        # The sums ride in the same columns: the area in its own column, the count of
        # producers in due_by's.
        area = f"{by}_id" if by else None
        columns = ", ".join(name if name == area else "NULL" for name in self.ATTNAMES)
        parts.append(f"SELECT 1, NULL, {columns}, {', '.join(['NULL'] * 2 * n)}, "
                     f"SUM(n_done), SUM(n_due), SUM(n_overdue), COUNT(*), worst FROM y "
                     f"GROUP BY {area + ', ' if area else ''}worst")
        with connection.cursor() as cursor:
            cursor.execute(f"WITH y AS ({summed}) {' UNION ALL '.join(parts)} "
                           f"ORDER BY part, rn", [*summed_params, *(params if order else ())])
            found = cursor.fetchall()
        fields = len(self.FIELDS)
        records = [self.Record(Producer.from_db(connection.alias, self.ATTNAMES,
                                                row[2:2 + fields]),
                               row[2 + fields:2 + fields + n],
                               row[2 + fields + n:2 + fields + 2 * n], *row[-5:])
                   for row in found if row[0] == 0]
        groups = [(row[2 + self.ATTNAMES.index(area)] if area else None, row[-1], row[-2],
                   *row[-5:-2]) for row in found if row[0] == 1]
        return records, groups

    def owed(self, order: str, statuses=None, offset=0, limit=None) -> tuple[list[dict], int]:
        """In one statement (the statuses worked out once): the obligations the producers
        owe, one `schedule` row each (of a status of `statuses` when given), ordered by
        `order` — SQL over the columns st (the status, STATUS_ORDER), name and id (the
        producer's), slot (the obligation's place in `slots`: a producer's rows in
        `schedule`'s order) and span (its window's place among the slots' windows, by first
        then last day) — `limit` of them from `offset` (None: all); and how many there are
        in all."""
        ranks = None if statuses is None else [STATUS_ORDER[s] for s in STATUS_ORDER
                                               if s in statuses]
        if self.empty or ranks == []:
            return [], 0

        def owes(i) -> str:
            return (f"st{i} IS NOT NULL" if ranks is None
                    else f"st{i} IN ({', '.join(map(str, ranks))})")
        # One row per producer and slot, a SELECT per slot: each reads only the producers
        # owing it, where a join with the list of slots would make them all and drop most.
        # The rows sorted are narrow, the producer's fields joined to the page alone: a
        # district's 24,000 rows with them spilled the sort to disk.
        spans = sorted({slot.window for slot in self.slots})
        each = " UNION ALL ".join(
            f"SELECT id, name, {i} AS slot, {spans.index(slot.window)} AS span, st{i} AS st, "
            f"dn{i} AS dn FROM y WHERE {owes(i)}" for i, slot in enumerate(self.slots))
        rows = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
        # The count rides in the rn column of a row of its own, as `fetch`'s sums do.
        count = " + ".join(f"CASE WHEN {owes(i)} THEN 1 ELSE 0 END"
                           for i in range(len(self.slots)))
        fields = ", ".join(f"y.{name}" for name in self.ATTNAMES)
        nulls = ", ".join(["NULL"] * (len(self.ATTNAMES) + 2))
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH y AS ({self.sql}) SELECT 0 AS part, a.rn, {fields}, a.slot, a.dn "
                f"FROM (SELECT u.*, ROW_NUMBER() OVER (ORDER BY {order}) AS rn "
                f"FROM (SELECT * FROM ({each}) u ORDER BY {order}{rows}) u) a "
                f"JOIN y ON y.id = a.id "
                f"UNION ALL SELECT 1, SUM({count}), {nulls} FROM y ORDER BY part, rn",
                self.params)
            found = cursor.fetchall()
        *owed, (_part, count, *_) = found
        fields, key = len(self.FIELDS), 2 + self.ATTNAMES.index("id")
        # A producer of several rows is one instance, placed once.
        producers = {}
        for row in owed:
            if row[key] not in producers:
                producers[row[key]] = Producer.from_db(connection.alias, self.ATTNAMES,
                                                       row[2:2 + fields])
        _place(list(producers.values()))
        return ([_row(producers[row[key]], self.slots[row[-2]], row[-1], self.today)
                 for row in owed], count or 0)

    def totals(self, groups) -> dict:
        """Producers per worst status, from `fetch`'s groups."""
        found = {status: 0 for status in STATUS_ORDER}
        for _key, worst, producers, *_ in groups:
            found[STATUS_OF_RANK[worst]] += producers
        return found

    def rows(self, records, status: str | None = None) -> list[dict]:
        """The rows `schedule` gives for the producers of `records` (of one status when
        `status` is given), from what the database counted (no further query)."""
        ranks = set(STATUS_ORDER.values()) if status is None else {STATUS_ORDER[status]}
        return [_row(record.producer, slot, done, self.today)
                for record in records
                for slot, rank, done in zip(self.slots, record.statuses, record.done,
                                            strict=True)
                if rank in ranks]


def area_summary(groups, by: str = "grid") -> list[dict]:
    """`summarise` of the rows a `Standing` stands for, from the groups its `fetch` gave
    by the same area."""
    _check_by(by)
    places = (Grid.objects.only("code", "name") if by == "grid"
              else Region.objects.only("name")).in_bulk({g[0] for g in groups} - {None})
    areas: dict = {}
    for key, worst, producers, done, due, overdue in groups:
        area = areas.setdefault(key, _area(key, places.get(key)))
        for status, n in (("done", done), ("due", due), ("overdue", overdue)):
            area[status] += n
            area["total"] += n
        if worst == STATUS_ORDER["overdue"]:
            area["producers_behind"] += producers
    return _by_area(areas)


def paged(count, page, page_size, fetch) -> dict:
    """A page as `core.listing.page_of` gives it, of a list whose items `fetch(offset,
    limit)` reads and whose length `count()` tells once they are read."""
    page, page_size = page_numbers(page, page_size)
    items = fetch((page - 1) * page_size, page_size)
    return page_result(items, count(), page, page_size)


def schedule_page(producers_qs, start: dt.date, end: dt.date, *, status: str = "",
                  page=1, page_size=None, by: str | None = None,
                  today: dt.date | None = None) -> dict:
    """The 巡查频次 list of the producers of `producers_qs` that owe inspections in the
    period (`owing`), without computing it whole: their `per_producer` items, worst first
    then by name (of one status when `status` is given), one page of them as `paged`, with
    "totals" (producers per status) and, `by` an area, "areas" (as `summarise`)."""
    today = today or shanghai_today()
    standing = Standing(producers_qs, windows_between(start, end), today, owing_in=(start, end))
    # An unknown status matches nothing, as a filter of the rows would.
    where, params = ("worst = %s", [STATUS_ORDER.get(status, -1)]) if status else ("", [])
    found = {}

    def fetch(offset, limit) -> list[dict]:
        records, found["groups"] = standing.fetch("worst DESC, name, id", where, params,
                                                  offset, limit, by)
        _place([record.producer for record in records])
        return per_producer(standing.rows(records))

    def count() -> int:
        totals = standing.totals(found["groups"])
        return totals.get(status, 0) if status else sum(totals.values())

    page = paged(count, page, page_size, fetch)
    return page | {"totals": standing.totals(found["groups"]),
                   "areas": area_summary(found["groups"], by) if by else None}


def reminder_page(user, page=1, page_size=None, today: dt.date | None = None) -> dict:
    """One page of `reminders_for`, as `paged`, with "overdue" and "due" (how many items of
    each the whole list has), without computing the whole list: the database orders the
    producers and the orders, and only the page's producers come back."""
    today = today or shanghai_today()
    standing = Standing(visible(Producer, user).filter(active=True), _reminder_windows(today),
                        today)
    orders = _overdue_orders(user, today)
    found = {}

    def fetch(offset, limit) -> list[dict]:
        # Each list in its own order, then merged: the page is among the first
        # offset + limit of each (on a tie the producer's item comes first, as in the sort).
        records, groups = standing.fetch(
            f"CASE WHEN worst = {STATUS_ORDER['overdue']} THEN 0 ELSE 1 END, due_by, name, id",
            "worst > %s", [STATUS_ORDER["done"]], 0, offset + limit)
        found["totals"] = standing.totals(groups)
        producers = _inspection_items(standing.rows(records))
        late = [_order_item(order, today) for order in orders.order_by(
            "deadline", "producer__name", "pk")[:offset + limit]]
        return list(islice(heapq.merge(producers, late, key=_reminder_order),
                           offset, offset + limit))

    late_orders = orders.count()
    page = paged(lambda: found["totals"]["overdue"] + found["totals"]["due"] + late_orders,
                 page, page_size, fetch)
    return page | {"overdue": found["totals"]["overdue"] + late_orders,
                   "due": found["totals"]["due"]}
