"""No N+1 queries: every paged list answers 20 rows with as many queries as 2 (issue 9).

The lists are found by walking the URL configuration — every page route and every GET
operation of the API without a path parameter — so each one is either checked here or named
in a skip list with its reason, and a new one cannot slip by. The rows are a small run of the
real seed (120 producers, one year) topped up through the services wherever it leaves a
list 20 rows or fewer, newest first, of the kinds whose rows read more (notified samples,
drawn checks, published decisions); each check asserts the pages really held 2 and 20 rows,
or it could not fail.
"""

import itertools
import re
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from nongan.testing import PLACES

PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")
SMALL, LARGE = 2, 20


@dataclass(frozen=True)
class Ask:
    """How a list is asked for: as which seeded account (or with the partner API key), with
    which filters; `fixed` is the page size of a page that does not take `page_size` (its
    rows are then fixed + 2: page 1 is full, page 2 holds two)."""

    user: str = "admin"
    partner: bool = False
    params: dict = field(default_factory=dict)
    fixed: int | None = None

    def pages(self) -> tuple[dict, dict]:
        if self.fixed:
            return self.params | {"page": 2}, self.params | {"page": 1}
        return self.params | {"page_size": SMALL}, self.params | {"page_size": LARGE}

    @property
    def rows(self) -> tuple[int, int]:
        return SMALL, self.fixed or LARGE


THIS_YEAR = str(timezone.localdate().year)
CHECKED = {
    # pages
    "/audit/": Ask(),
    "/grids/": Ask(),
    "/producers/": Ask(),
    "/inspections/": Ask(),
    "/rectifications/": Ask(),
    "/todo/": Ask(),
    "/schedules/": Ask(),
    "/samples/": Ask(),
    "/plans/": Ask(),
    "/summaries/": Ask(),
    "/follow-ups/": Ask(params={"state": "all"}),
    "/notifications/": Ask(user="pudong"),  # one's own: the district officer is told most
    "/standards/": Ask(),
    "/spot-checks/": Ask(),
    "/conflicts/": Ask(),
    "/cases/": Ask(),
    "/commitments/": Ask(),
    "/commitments/campaigns/": Ask(),
    "/credit/publications/": Ask(fixed=30),
    "/public/spot-checks/": Ask(),
    "/public/penalties/": Ask(),
    "/public/producers/": Ask(),
    "/warnings/": Ask(),
    "/analysis/records/producers/": Ask(),
    "/analysis/records/plots/": Ask(),
    "/analysis/records/villages/": Ask(),
    "/analysis/records/letters/": Ask(),
    "/analysis/records/obligations/": Ask(),
    "/analysis/records/samples/": Ask(),
    "/analysis/records/warnings/": Ask(),
    "/exchange/agencies/": Ask(),
    "/referrals/": Ask(),
    "/joint-inspections/": Ask(),
    "/trace-imports/": Ask(fixed=20),
    "/certificates/": Ask(),
    "/iot/sensors/": Ask(),
    "/iot/rejected/": Ask(),
    # API
    "/api/v1/grids": Ask(),
    "/api/v1/producers": Ask(),
    "/api/v1/inspections": Ask(),
    "/api/v1/schedules": Ask(params={"period": THIS_YEAR}),
    "/api/v1/monitoring-plans": Ask(),
    "/api/v1/samples": Ask(),
    "/api/v1/follow-ups": Ask(),
    "/api/v1/summaries": Ask(),
    "/api/v1/standards/mrl": Ask(),
    "/api/v1/spot-checks": Ask(),
    "/api/v1/matters": Ask(),
    "/api/v1/conflicts": Ask(),
    "/api/v1/cases": Ask(),
    "/api/v1/public/spot-checks": Ask(),
    "/api/v1/public/penalties": Ask(),
    "/api/v1/commitment-campaigns": Ask(),
    "/api/v1/commitments": Ask(),
    "/api/v1/warnings": Ask(),
    "/api/v1/assessment/misses": Ask(),
    "/api/v1/exchange/events": Ask(partner=True),
    "/api/v1/agencies": Ask(),
    "/api/v1/referrals": Ask(),
    "/api/v1/joint-inspections": Ask(),
    "/api/v1/trace-imports": Ask(),
    "/api/v1/certificates": Ask(),
    "/api/v1/sensors": Ask(),
    "/api/v1/iot/rejected": Ask(),
}

# Paged, but a list that never holds more than 20 rows: 2 and 20 would show the same rows.
TOO_FEW = {
    "/api/v1/standards": "the GB 2763 editions the city has loaded: a handful",
}

ACTION = "a form, an action, a file or a redirect, not a list"
ONE = "one record, a dashboard, a table of figures or settings, not a list of rows"
NOT_PAGED = {
    "/": ONE,
    "/i18n/setlang/": ACTION,
    "/logout/": ACTION,
    "/audit/verify/": ACTION,
    "/login/": ACTION,
    "/login/code/": ACTION,
    "/account/two-factor/": ACTION,
    "/account/password/": ACTION,
    "/account/confirm/": ACTION,
    "/my/": "a producer's own page: the last ten of each of its records",
    "/regions/": "redirects to the city's region page (a path with a parameter)",
    "/coverage/": "redirects to the city's coverage page (a path with a parameter)",
    "/producers/new/": ACTION,
    "/producers/villages/": ACTION,
    "/producers/import/": ACTION,
    "/inspection-templates/": "the city's checklist templates: a handful",
    "/samples/import/": ACTION,
    "/samples/import/template.xlsx": ACTION,
    "/plans/new/": ACTION,
    "/monitoring/monthly/": ONE,
    "/notifications/read/": ACTION,
    "/standards/foods/": ACTION,
    "/standards/import/": ACTION,
    "/spot-checks/new/": ACTION,
    "/spot-checks/population/": ONE,
    "/matters/": "the 抽查事项 lines of the city and a district: a few dozen",
    "/officers/": "a district's enforcement officers: a few dozen",
    "/cases/new/": ACTION,
    "/cases/decline/": ACTION,
    "/commitments/new/": ACTION,
    "/commitments/campaigns/new/": ACTION,
    "/credit-rules/": ONE,
    "/credit/publications/download/": ACTION,
    "/public/": ONE,
    "/public/matters/": "the published 抽查事项 lines: a few dozen",
    "/field/": ACTION,
    "/field/sw.js": ACTION,
    "/field/manifest.webmanifest": ACTION,
    "/warnings/run/": ACTION,
    "/risk-settings/": ONE,
    "/analysis/": ONE,
    "/assessment/": ONE,
    "/assessment/indicators/": ONE,
    "/assessment/refresh/": ACTION,
    "/exchange/": ACTION,
    "/exchange/agencies/new/": ACTION,
    "/joint-inspections/new/": ACTION,
    "/iot/sensors/new/": ACTION,
    "/api/v1/me": ONE,
    "/api/v1/inspection-templates": "the city's checklist templates: a handful",
    "/api/v1/sampling-kit": ONE,
    "/api/v1/monitoring/monthly": ONE,
    "/api/v1/monitoring/overdue": "what is late for the caller, for a to-do badge: never paged",
    "/api/v1/spot-checks/population": ONE,
    "/api/v1/legal-bases": "the legal bases table: a few dozen",
    "/api/v1/credit-rules": ONE,
    "/api/v1/risk/settings": ONE,
    "/api/v1/stats/overview": ONE,
    "/api/v1/stats/register": ONE,
    "/api/v1/stats/coverage": ONE,
    "/api/v1/stats/commitments": ONE,
    "/api/v1/stats/inspections": ONE,
    "/api/v1/stats/samples": ONE,
    "/api/v1/stats/warnings": ONE,
    "/api/v1/stats/cases": ONE,
    "/api/v1/assessment": ONE,
    "/api/v1/assessment/indicators": ONE,
    "/api/v1/exchange/datasets": "the datasets a partner's key may read: three at most",
    "/api/v1/iot/kinds": "the monitoring kinds: a fixed table",
}


# --- what the URL configuration yields -------------------------------------------------------


def _walk(resolver, prefix=""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern) and not PARAM.search(route):
            yield "/" + route


def _operations() -> dict[str, dict]:
    """The API's GET operations without a path parameter, by path."""
    from nongan.api import api

    return {path: operations["get"] for path, operations in api.get_openapi_schema()["paths"]
            .items() if "get" in operations and "{" not in path}


def test_every_list_is_checked_or_skipped_with_its_reason():
    routes = {r for r in _walk(get_resolver()) if not r.startswith("/api/")} | set(_operations())
    named = [*CHECKED, *TOO_FEW, *NOT_PAGED]
    assert len(named) == len(set(named)), "a route named twice"
    assert sorted(routes - set(named)) == [], "routes nobody has looked at"
    assert sorted(set(named) - routes) == [], "gone from the URL configuration"


def test_every_paged_api_operation_is_checked():
    """An API operation that takes `page_size` is a paged list: checked, or too short."""
    for path, operation in _operations().items():
        if any(p["name"] == "page_size" for p in operation.get("parameters", [])):
            assert path in CHECKED or path in TOO_FEW, path


# --- the rows -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """The seed and the top-ups, once for the module, rolled back at its end."""
    from nongan.seeding import seed

    fast = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=fast):
        with transaction.atomic():
            seed(120, years=1, random_seed=9, today=timezone.localdate())
            world = _seeded_world()
            for top_up in TOP_UPS:
                top_up(world)
            yield world
            transaction.set_rollback(True)


def _seeded_world() -> SimpleNamespace:
    """The seed's demo accounts in the shape of nongan.testing.make_world, so the apps'
    test factories work on the seeded register."""
    from nongan.people.models import User

    users = {u.username: u for u in User.objects.select_related("producer", "org")}
    world = SimpleNamespace(city_admin=users["admin"], lab=users["lab"])
    for key, producer in (("pudong", "producer"), ("chongming", "chongming-producer")):
        district, town, village, village2, _ = PLACES[key]
        the_producer = users[producer].producer
        setattr(world, key, SimpleNamespace(
            district_officer=users[key], town_officer=users[f"{key}-town"],
            grid_worker=users[f"{key}-grid"], enforcement_officer=users[f"{key}-law"],
            enforcement_officer2=users[f"{key}-law2"], producer=users[producer],
            the_producer=the_producer, plot=the_producer.plots.first(), district=district,
            town=town, village=village, village2=village2))
    return world


def _sides(world, count):
    """`count` variants of the two districts' sides, taking turns, each about another of
    the district's producers, with that producer's village's grid worker."""
    from nongan.people.models import User
    from nongan.producers.models import Producer

    by_district = []
    for key in ("pudong", "chongming"):
        side = getattr(world, key)
        by_district.append([SimpleNamespace(**vars(side) | {
            "the_producer": producer, "plot": producer.plots.first(),
            "village": producer.village_id, "grid_worker": User.objects.filter(
                role="grid_worker", region=producer.village_id).first()})
            for producer in Producer.objects.filter(district=side.district).order_by("pk")])
    turns = [s for pair in itertools.zip_longest(*by_district) for s in pair if s is not None]
    return list(itertools.islice(itertools.cycle(turns), count))


def _warnings(world):
    from nongan.risk.tests.factories import a_warning

    for n, side in enumerate(_sides(world, 21)):
        a_warning(side, level=("yellow", "orange", "red")[n % 3])


def _failed_samples(world):
    """Failed samples, each opening a follow-up and notifying the district officer: rapid
    tests, and lab tests whose party was told (its re-test deadline counts working days)."""
    from nongan.monitoring.services import notify_party, record_results
    from nongan.testing import make_plan, make_sample

    plan = make_plan(actor=world.city_admin, lab=world.lab.org)
    for n, side in enumerate(_sides(world, 22)):
        if n % 2:
            sample = make_sample(side.the_producer, actor=side.district_officer, kind="rapid",
                                 lab=world.lab.org.pk)
            record_results(sample, [{"analyte": "毒死蜱", "outcome": "positive"},
                                    {"analyte": "啶虫脒", "outcome": "negative"}],
                           actor=world.lab)
        else:
            sample = make_sample(side.the_producer, actor=world.lab, plan=plan.pk)
            sample = record_results(sample, [{"analyte": "毒死蜱", "value": "0.5"},
                                             {"analyte": "啶虫脒", "value": None}],
                                    actor=world.lab)
            notify_party(sample, actor=side.district_officer)


def _rectifications(world):
    from nongan.inspections.tests.rectification_factories import ordered

    for side in _sides(world, 21):
        ordered(side.the_producer, actor=side.grid_worker)


def _certifications(world):
    import datetime as dt

    from nongan.producers.services import add_certification

    today = timezone.localdate()
    for side in _sides(world, 21):
        add_certification(side.the_producer, {
            "kind": "green", "cert_no": f"LB-{side.the_producer.pk}", "products": "青菜",
            "valid_from": today - dt.timedelta(days=100),
            "valid_to": today + dt.timedelta(days=200)}, actor=world.city_admin)


def _spot_checks(world):
    """District matters, a few drawn checks (the seed leaves 18), conflict declarations."""
    from nongan.enforcement.services.spot_checks import declare_conflict
    from nongan.enforcement.tests.spot_check_factories import drawn, matter

    for n, side in enumerate(_sides(world, 21)):
        own = matter(region=side.district)
        if n % 4 == 0:
            drawn(side.enforcement_officer, own, share="1")
        declare_conflict({"producer": side.the_producer.pk, "reason": "亲属关系"},
                         actor=side.enforcement_officer)


def _cases(world):
    """Cases taken to a published decision, each referred to the police, and joint
    inspections."""
    from nongan.enforcement.services.cases import publish_notice
    from nongan.enforcement.tests.case_factories import decided_case
    from nongan.joint.tests.factories import joint_inspection, referral

    for side in _sides(world, 21):
        case = decided_case(side)
        publish_notice(case, {}, actor=side.district_officer)
        referral(side, case=case)
        joint_inspection(side)


def _commitments(world):
    """This year's campaign in every district and last year's in five, with their letters,
    and commitments signed on the producers' behalf."""
    from nongan.commitments.services import start_campaign
    from nongan.commitments.tests.factories import sign
    from nongan.regions.models import Region

    year = timezone.localdate().year
    districts = Region.objects.filter(level="district", active=True).order_by("code")
    for n, district in enumerate(districts):
        for y in (year, year - 1) if n < 5 else (year,):
            start_campaign({"year": y, "region": district.code}, actor=world.city_admin)
    for side in _sides(world, 21):
        sign(side.district_officer, side.the_producer, year=year)


def _publications(world):
    """A credit file for each of the last 32 days: a page of 30 and a page of 2."""
    import datetime as dt

    from nongan.credit.services import generate_publication

    today = timezone.localdate()
    for days in range(32, 0, -1):
        generate_publication(today - dt.timedelta(days=days), actor=world.city_admin)


def _exchange(world):
    from nongan.exchange.tests.factories import agency, api_key

    for _ in range(20):
        agency(world)
    world.partner_key = api_key(world, agency(world))[1]


def _trace_imports(world):
    """22 imports of certificates: a page of 20 and a page of 2."""
    from nongan.traceability.tests.factories import cert_row, certificates_of

    for n, side in enumerate(_sides(world, 22)):
        certificates_of(side, [cert_row(side.the_producer, 500 + n)])


def _sensors(world):
    from nongan.iot.ingest import Message, ingest
    from nongan.iot.tests.factories import make_sensor

    for side in _sides(world, 21):
        make_sensor(side, actor=world.city_admin)
    ingest([Message(f"UNKNOWN-{n}", timezone.now().isoformat(), 7.0) for n in range(21)],
           source="http")


def _unmanned_villages(world):
    """21 villages with producers whose grid has nobody left in it."""
    from nongan.producers.models import Producer
    from nongan.regions.models import GridMember
    from nongan.regions.services import remove_grid_member

    villages = Producer.objects.order_by("village").values_list("village", flat=True).distinct()
    for member in GridMember.objects.filter(grid__village__in=list(villages[:21])):
        remove_grid_member(member, actor=world.city_admin)


TOP_UPS = [_warnings, _failed_samples, _rectifications, _certifications, _spot_checks,
           _cases, _commitments, _publications, _exchange, _trace_imports, _sensors,
           _unmanned_villages]


# --- the check ------------------------------------------------------------------------------


def _rows(response, page_size) -> int:
    """How many rows the response shows: an API list's items, or the page's page of rows
    (nongan.core.listing.page_of) of `page_size` — a page may show others beside it."""
    if response["Content-Type"].startswith("application/json"):
        return len(response.json()["items"])
    pages = []
    for context in response.context:
        for layer in context.dicts:
            for value in layer.values():
                inner = value.values() if isinstance(value, dict) else ()
                pages += [v for v in (value, *inner)
                          if isinstance(v, dict) and {"items", "page_size", "count"} <= set(v)]
    return max(len(p["items"]) for p in pages if p["page_size"] == page_size)


def _measure(client, route, params, headers, page_size) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(route, params, headers=headers)
    assert response.status_code == 200, (route, params, response.status_code)
    return len(queries), _rows(response, page_size)


@pytest.mark.django_db
@pytest.mark.parametrize("route", sorted(CHECKED))
def test_the_query_count_does_not_grow_with_the_page(seeded, route):
    from nongan.people.models import User

    ask = CHECKED[route]
    client, headers = Client(), {}
    if ask.partner:
        headers = {"X-Api-Key": seeded.partner_key}
    else:
        client.force_login(User.objects.get(username=ask.user))
    small, large = ask.pages()
    # What a process reads once and keeps (the session, the calendar) is not the page's.
    client.get(route, small, headers=headers)
    (few, shown_few), (many, shown_many) = (
        _measure(client, route, params, headers, ask.fixed or params["page_size"])
        for params in (small, large))
    assert (shown_few, shown_many) == ask.rows, f"{route}: too few rows to compare"
    assert many == few, f"{route}: {few} queries for {shown_few} rows, {many} for {shown_many}"
