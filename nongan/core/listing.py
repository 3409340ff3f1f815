"""Paging and Excel export, shared by pages and the API (CONTRACT.md: page_size ≤ 200)."""

import io
from typing import Protocol, runtime_checkable
from urllib.parse import quote

from django.core.exceptions import FieldDoesNotExist
from django.db.models.query import ModelIterable
from django.http import HttpResponse
from openpyxl import Workbook

MAX_PAGE_SIZE = 200
DEFAULT_PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def page_numbers(page, page_size) -> tuple[int, int]:
    try:
        page = max(1, int(page or 1))
    except (TypeError, ValueError):
        page = 1
    try:
        page_size = min(MAX_PAGE_SIZE, max(1, int(page_size or DEFAULT_PAGE_SIZE)))
    except (TypeError, ValueError):
        page_size = DEFAULT_PAGE_SIZE
    return page, page_size


@runtime_checkable
class Pageable(Protocol):
    """A list the database counts and pages itself, not being a queryset (a figure's
    obligation rows, the to-do lists, an assessment's misses): it reads only a page."""

    def page(self, page, page_size) -> dict: ...


def page_of(qs, page=1, page_size=DEFAULT_PAGE_SIZE, *, count=None) -> dict:
    """One page of `qs` (a queryset, a list or a `Pageable`); `count`, when the caller has
    already counted the same rows, spares counting them again."""
    if isinstance(qs, Pageable):
        return qs.page(page, page_size)
    page, page_size = page_numbers(page, page_size)
    if count is None:
        count = len(qs) if isinstance(qs, list) else qs.count()
    start = (page - 1) * page_size
    if isinstance(qs, list):
        items = qs[start:start + page_size]
    elif start >= count:
        items = []  # an empty list, or a page past its end, asks nothing more
    else:
        qs = totally_ordered(qs)
        deep = start >= DEEP_OFFSET and _by_key(qs)
        items = (_deep_page(qs, start, page_size, count) if deep
                 else list(qs[start:start + page_size]))
    return page_result(items, count, page, page_size)


def page_result(items: list, count: int, page: int, page_size: int) -> dict:
    """What a page answers: its items and where it stands among `count` rows."""
    pages = max(1, -(-count // page_size))
    return {"count": count, "items": items, "page": page, "page_size": page_size,
            "pages": pages, "has_next": page < pages, "has_previous": page > 1}


# From this many rows on, OFFSET costs more than a second query: the database walks every
# row before the page, joins and all, so a deep page first finds its keys (rows of one
# column, from whichever end of the list is nearer) and then reads only those rows. The
# last of 2,670 inspection pages of a district took 1.6 s by OFFSET.
DEEP_OFFSET = 1000


def _model_rows(qs) -> bool:
    return (issubclass(qs._iterable_class, ModelIterable) and not qs.query.combinator
            and not qs.query.distinct_fields and not qs.query.is_sliced)


def _by_key(qs) -> bool:
    return _model_rows(qs) and qs.query.group_by is None and qs.ordered


def totally_ordered(qs):
    """`qs` with the primary key as the last sort key (in the first key's direction), so
    that rows of equal sort keys keep one order from page to page and read backwards
    exactly: without it the database may return ties differently for each OFFSET."""
    if not _model_rows(qs):
        return qs
    query = qs.query
    ordering = list(query.order_by or (qs.model._meta.ordering if query.default_ordering
                                       else ()))
    names = {str(term).lstrip("-") for term in ordering if isinstance(term, str)}
    first = ordering[0] if ordering else ""
    if names & {"pk", qs.model._meta.pk.name, qs.model._meta.pk.attname} or _unique(
            qs.model, first):
        return qs
    descending = (first.startswith("-") if isinstance(first, str)
                  else getattr(first, "descending", False))
    # order_by keeps a reverse() already applied, which then turns the new key too.
    return qs.order_by(*ordering, "-pk" if descending else "pk")


def _unique(model, term) -> bool:
    """Whether sorting by `term` alone is already total (a unique column, as a plot's
    number): another key would keep PostgreSQL off the index that serves the sort."""
    if not isinstance(term, str) or "__" in term:
        return False
    try:
        field = model._meta.get_field(term.lstrip("-"))
    except FieldDoesNotExist:
        return False
    return getattr(field, "unique", False) and not getattr(field, "null", True)


def _deep_page(qs, start: int, size: int, count: int) -> list:
    end = min(start + size, count)
    if start > count - end:
        keys = qs.reverse().values_list("pk", flat=True)[count - end:count - start]
    else:
        keys = qs.values_list("pk", flat=True)[start:end]
    return list(qs.filter(pk__in=list(keys)))


def xlsx_response(filename: str, headers: list[str], rows) -> HttpResponse:
    """Stream rows into a write-only workbook; memory stays flat for 30,000 rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


def sort_headers(current: str, columns, *, descending_first=()) -> dict:
    """What each sortable column header links to and shows: the current column toggles its
    direction; `descending_first` columns (dates) start newest first."""
    headers = {}
    for key in columns:
        if current == key:
            headers[key] = {"next": f"-{key}", "arrow": "▲", "aria": "ascending"}
        elif current == f"-{key}":
            headers[key] = {"next": key, "arrow": "▼", "aria": "descending"}
        else:
            headers[key] = {"next": f"-{key}" if key in descending_first else key,
                            "arrow": "", "aria": "none"}
    return headers
