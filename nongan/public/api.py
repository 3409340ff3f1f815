"""The public API (`/api/v1/public/...`, no auth): the same published facts as /public/."""

import datetime as dt

from ninja import Router, Schema

from nongan.core.listing import page_of

from . import queries

router = Router(tags=["public"], auth=None)


class RegionOut(Schema):
    code: str
    name: str


class MatterOut(Schema):
    code: str
    name: str
    legal_basis: str
    scope: str
    method: str


class TargetOut(Schema):
    position: int
    party: str
    town: str
    result: str
    result_code: str
    published_at: dt.datetime | None


class SpotCheckOut(Schema):
    id: int
    title: str
    region: RegionOut
    matter: MatterOut
    period_start: dt.date
    period_end: dt.date
    state: str
    seed_hash: str
    snapshot_hash: str
    published_at: dt.datetime
    drawn_at: dt.datetime | None
    seed: str | None
    cancel_reason: str
    targets: list[TargetOut]


class PenaltyOut(Schema):
    id: int
    case_no: str
    doc_no: str
    party: str
    uscc: str
    legal_rep: str
    title: str
    facts: str
    legal_bases: list[str]
    penalties: list[str]
    fine: str
    decided_on: str
    authority: str
    published_at: dt.datetime
    display_until: dt.date


class SpotCheckPage(Schema):
    count: int
    items: list[SpotCheckOut]


class PenaltyPage(Schema):
    count: int
    items: list[PenaltyOut]


def _spot_check(check, targets=None) -> dict:
    """The check as published, with its `targets` (read here unless a page's were read)."""
    targets = queries.targets(check) if targets is None else targets
    return {"id": check.pk, "title": check.title, "region": check.region,
            "matter": check.matter, "period_start": check.period_start,
            "period_end": check.period_end, "state": check.state,
            "seed_hash": check.seed_hash, "snapshot_hash": check.snapshot_hash,
            "published_at": check.created_at, "drawn_at": check.drawn_at,
            # The seed is the secret the hash commits to: revealed only by the draw.
            "seed": check.seed if check.drawn_at else None,
            "cancel_reason": check.cancel_reason,
            "targets": [queries.target_row(t) for t in targets]}


def _penalty(notice) -> dict:
    fields = PenaltyOut.model_fields
    content = {k: v for k, v in notice.content.items() if k in fields}
    return {**{k: "" for k in fields}, "legal_bases": [], "penalties": [], **content,
            "id": notice.pk, "published_at": notice.published_at,
            "display_until": notice.display_until}


@router.get("/public/spot-checks", response=SpotCheckPage)
def spot_checks(request, q: str = "", district: str = "", page: int = 1, page_size: int = 50):
    result = page_of(queries.spot_checks(q, district), page, page_size)
    targets = queries.targets_of(result["items"])
    return {"count": result["count"],
            "items": [_spot_check(c, targets[c.pk]) for c in result["items"]]}


@router.get("/public/spot-checks/{check_id}", response=SpotCheckOut)
def spot_check(request, check_id: int):
    return _spot_check(queries.spot_check(check_id))


@router.get("/public/penalties", response=PenaltyPage)
def penalties(request, q: str = "", district: str = "", page: int = 1, page_size: int = 50):
    result = page_of(queries.notices(q, district), page, page_size)
    return {"count": result["count"], "items": [_penalty(n) for n in result["items"]]}


@router.get("/public/penalties/{notice_id}", response=PenaltyOut)
def penalty(request, notice_id: int):
    return _penalty(queries.notice(notice_id))
