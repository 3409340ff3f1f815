"""What partners read with an API key (format v1, docs/exchange.md): the key's check, the
call log, and the datasets and event feed narrowed to the key's datasets and regions.

Answers: 401 a missing, unknown, revoked or expired key (or its agency stopped); 403 a
dataset the key is not scoped to; 404 a dataset that does not exist or a district outside
the key's regions (existence does not leak); 422 a bad parameter, named."""

import csv
import datetime as dt
import io
import json
from contextlib import contextmanager

from django.http import Http404, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from ninja.errors import HttpError
from ninja.security import APIKeyHeader

from nongan.core.context import client_address
from nongan.core.errors import Conflict, FieldErrors
from nongan.core.listing import MAX_PAGE_SIZE
from nongan.regions.models import Region

from .datasets import DATASETS, Dataset
from .events import CITY
from .models import EVENT_KINDS, ApiKey, Event, KeyUse
from .services import key_hash

DEFAULT_PAGE_SIZE = 100
REFUSALS = {"revoked": "密钥已吊销", "expired": "密钥已过期", "stopped": "合作部门已停用"}


class PartnerKey(APIKeyHeader):
    """`X-Api-Key: ngk_…` — a partner's system, not a person."""

    param_name = "X-Api-Key"

    def authenticate(self, request, key):
        if not key:
            raise HttpError(401, "缺少 X-Api-Key 请求头")
        found = (ApiKey.objects.select_related("agency").prefetch_related("regions")
                 .filter(key_hash=key_hash(key.strip())).first())
        if found is None:
            raise HttpError(401, "密钥无效")
        state = found.state() if found.agency.active else "stopped"
        if state != "active":
            log_use(request, found, 401)
            raise HttpError(401, REFUSALS[state])
        return found


def log_use(request, key: ApiKey, status: int, rows: int = 0) -> None:
    """调用日志: every call made with a known key, answered or refused."""
    now = timezone.now()
    KeyUse.objects.create(key=key, method=request.method[:8], path=request.path[:300],
                          query=request.META.get("QUERY_STRING", "")[:500], status=status,
                          rows=rows, client_address=client_address.get()[:64])
    ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)


class _Call:
    rows = 0


@contextmanager
def partner_call(request):
    """Log the call with the status it ends with, whether answered or refused."""
    call, status = _Call(), 500
    try:
        yield call
        status = 200
    except HttpError as exc:
        status = exc.status_code
        raise
    except Http404:
        status = 404
        raise
    except FieldErrors:
        status = 422
        raise
    except Conflict:
        status = 409
        raise
    finally:
        log_use(request, request.auth, status, call.rows)


# ---------------------------------------------------------------- scope

def key_districts(key: ApiKey) -> set[str] | None:
    """The districts a key reads; None for the whole city."""
    codes = {r.pk for r in key.regions.all()}
    return None if CITY in codes else codes


def _district(key, code: str) -> str | None:
    """The district filter asked for: None for none (or the city, to a city-wide key);
    404 for anything outside the key's regions."""
    code = (code or "").strip()
    if not code:
        return None
    districts = key_districts(key)
    if districts is None:
        if code == CITY:
            return None
        if Region.objects.filter(code=code, level="district").exists():
            return code
        raise Http404
    if code not in districts:
        raise Http404
    return code


def _scoped(qs, path: str, key, district: str | None):
    if district:
        return qs.filter(**{path: district})
    districts = key_districts(key)
    return qs if districts is None else qs.filter(**{f"{path}__in": sorted(districts)})


# ---------------------------------------------------------------- parameters

def _moment(value: str, name: str, errors: dict):
    value = (value or "").strip()
    if not value:
        return None
    when = parse_datetime(value.replace(" ", "+")) if "T" in value else None
    if when is None and parse_date(value) is not None:
        when = dt.datetime.combine(parse_date(value), dt.time.min)
    if when is None:
        errors[name] = "应为日期 YYYY-MM-DD 或 ISO 8601 时间"
        return None
    return timezone.make_aware(when) if timezone.is_naive(when) else when


def _positive(value: str, name: str, default: int, errors: dict) -> int:
    value = (value or "").strip()
    if not value:
        return default
    if not value.isdigit() or int(value) < 1:
        errors[name] = "应为正整数"
        return default
    return int(value)


def _check(errors):
    if errors:
        raise FieldErrors(errors, prefix=("query",))


# ---------------------------------------------------------------- reads

def readable(key: ApiKey) -> list[dict]:
    districts = key_districts(key)
    regions = [CITY] if districts is None else sorted(districts)
    return [{"name": name, "label": DATASETS[name].label, "regions": regions,
             "columns": list(DATASETS[name].columns),
             "path": f"/api/v1/exchange/datasets/{name}"}
            for name in key.datasets if name in DATASETS]


def dataset_for(key: ApiKey, name: str) -> Dataset:
    dataset = DATASETS.get(name)
    if dataset is None:
        raise Http404
    if name not in key.datasets:
        raise HttpError(403, "该密钥无权读取此数据集")
    return dataset


def records_of(key: ApiKey, name: str):
    """Every record of dataset `name` the key reads (403 / 404 as for a page of it)."""
    dataset = dataset_for(key, name)
    return _scoped(dataset.records(), dataset.district, key, None)


def dataset_page(key: ApiKey, name: str, params: dict) -> tuple[Dataset, int, list[dict]]:
    """(dataset, count, rows) of one page, ordered by the dataset's `changed` then id."""
    dataset = dataset_for(key, name)
    errors: dict = {}
    since = _moment(params.get("since"), "since", errors)
    until = _moment(params.get("until"), "until", errors)
    page = _positive(params.get("page"), "page", 1, errors)
    size = min(MAX_PAGE_SIZE, _positive(params.get("page_size"), "page_size",
                                         DEFAULT_PAGE_SIZE, errors))
    if params.get("format") not in (None, "", "json", "csv"):
        errors["format"] = "应为 json 或 csv"
    _check(errors)
    district = _district(key, params.get("district"))
    qs = _scoped(dataset.records(), dataset.district, key, district)
    if since:
        qs = qs.filter(**{f"{dataset.changed}__gte": since})
    if until:
        qs = qs.filter(**{f"{dataset.changed}__lt": until})
    qs = qs.order_by(dataset.changed, "pk")
    count = qs.count()
    start = (page - 1) * size
    return dataset, count, [dataset.row(r) for r in qs[start:start + size]]


def _cell(value):
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _flatten(row: dict, prefix="") -> dict:
    flat = {}
    for key, value in row.items():
        if isinstance(value, dict):
            flat |= _flatten(value, f"{prefix}{key}.")
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _pick(row: dict, path: str):
    value = row
    for part in path.split("."):
        value = value.get(part) if isinstance(value, dict) else None
    return value


def _columns_of(dataset: Dataset, rows: list[dict]) -> list[str]:
    """A dataset that names no columns: its row's keys, flattened, read from any record
    (only the names are used), so an empty page has the same header as a full one."""
    if not rows:
        first = dataset.records().order_by("pk").first()
        rows = [dataset.row(first)] if first is not None else []
    return list(_flatten(rows[0])) if rows else []


def csv_response(dataset: Dataset, count: int, rows: list[dict]) -> HttpResponse:
    """UTF-8 (no byte-order mark), a header row, the dataset's documented column order."""
    columns = list(dataset.columns) or _columns_of(dataset, rows)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(_pick(row, c)) for c in columns])
    response = HttpResponse(buffer.getvalue().encode("utf-8"),
                            content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{dataset.name}.csv"'
    response["X-Total-Count"] = str(count)
    return response


def event_dict(event: Event) -> dict:
    return {"id": event.pk, "kind": event.kind, "dataset": event.dataset,
            "object_id": event.object_id, "district": event.district_id,
            "occurred_at": timezone.localtime(event.occurred_at).isoformat(),
            "data": event.payload}


def event_feed(key: ApiKey, params: dict) -> tuple[int, list[dict]]:
    """Events of the key's datasets and regions with an id above `after`, oldest first."""
    errors: dict = {}
    after = (params.get("after") or "").strip()
    if after and not after.isdigit():
        errors["after"] = "应为事件编号（整数）"
    kind = (params.get("kind") or "").strip()
    if kind and kind not in dict(EVENT_KINDS):
        errors["kind"] = "未知的事件类型"
    size = min(MAX_PAGE_SIZE, _positive(params.get("page_size"), "page_size",
                                         DEFAULT_PAGE_SIZE, errors))
    _check(errors)
    district = _district(key, params.get("district"))
    qs = _scoped(Event.objects.filter(dataset__in=key.datasets), "district_id", key, district)
    if after:
        qs = qs.filter(pk__gt=int(after))
    if kind:
        qs = qs.filter(kind=kind)
    qs = qs.order_by("pk")
    return qs.count(), [event_dict(e) for e in qs[:size]]
