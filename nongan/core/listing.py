"""Paging and Excel export, shared by pages and the API (CONTRACT.md: page_size ≤ 200)."""

import io
from urllib.parse import quote

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


def page_of(qs, page=1, page_size=DEFAULT_PAGE_SIZE) -> dict:
    page, page_size = page_numbers(page, page_size)
    count = len(qs) if isinstance(qs, list) else qs.count()
    start = (page - 1) * page_size
    items = list(qs[start:start + page_size])
    pages = max(1, -(-count // page_size))
    return {"count": count, "items": items, "page": page, "page_size": page_size,
            "pages": pages, "has_next": page < pages, "has_previous": page > 1}


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
